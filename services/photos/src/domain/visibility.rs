//! Who sees an item: its owner only, or the whole family.

use hearth_shared::AppError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Only the owner (and admins, who can delete but do not browse it).
    Private,
    /// Every family member.
    Family,
}

impl Visibility {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Family => "family",
        }
    }

    /// # Errors
    /// Anything but `private` or `family`.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        match raw {
            "private" => Ok(Self::Private),
            "family" => Ok(Self::Family),
            other => Err(AppError::Invalid(format!("Visibility is private or family, not {other:?}."))),
        }
    }
}
