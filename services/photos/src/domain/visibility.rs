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

    /// The narrower of two choices: private when either is. A person who uploads bytes they
    /// already have keeps them to themselves if they asked so either time.
    #[must_use]
    pub fn narrower(self, other: Self) -> Self {
        if self == Self::Private || other == Self::Private { Self::Private } else { Self::Family }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_wins() {
        assert_eq!(Visibility::Family.narrower(Visibility::Private), Visibility::Private);
        assert_eq!(Visibility::Private.narrower(Visibility::Family), Visibility::Private);
        assert_eq!(Visibility::Family.narrower(Visibility::Family), Visibility::Family);
        assert_eq!(Visibility::parse("family").expect("valid"), Visibility::Family);
        assert!(Visibility::parse("public").is_err());
    }
}
