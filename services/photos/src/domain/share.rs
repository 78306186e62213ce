//! What a share link allows, parsed from what the sharer chose.

use hearth_shared::AppError;
use hearth_shared::passwords::Password;

/// Longest a link may live, in days.
pub const MAX_SHARE_DAYS: i64 = 365;

/// A sharer's choices, checked.
#[derive(Default)]
pub struct ShareOptions {
    /// Days until the link stops working; `None`: until revoked.
    pub expires_in_days: Option<i64>,
    /// Guests must type this first.
    pub password: Option<Password>,
    /// Guests may see where photos were taken.
    pub show_location: bool,
}

impl ShareOptions {
    /// An empty password means none.
    ///
    /// # Errors
    /// An expiry outside 1–365 days, or a password shorter than 8 or longer than 256
    /// characters.
    pub fn parse(expires_in_days: Option<i64>, password: Option<&str>, show_location: bool) -> Result<Self, AppError> {
        if let Some(days) = expires_in_days.filter(|d| !(1..=MAX_SHARE_DAYS).contains(d)) {
            return Err(AppError::Invalid(format!(
                "A link can last from 1 to {MAX_SHARE_DAYS} days, not {days}. Leave it empty for no end date."
            )));
        }
        let password = password.filter(|p| !p.is_empty()).map(Password::parse_share).transpose()?;
        Ok(Self { expires_in_days, password, show_location })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_password_are_checked() {
        assert!(ShareOptions::parse(Some(7), Some("open sesame"), false).is_ok());
        assert!(ShareOptions::parse(None, Some(""), false).expect("empty means none").password.is_none());
        assert!(ShareOptions::parse(Some(0), None, false).is_err());
        assert!(ShareOptions::parse(Some(366), None, false).is_err());
        assert!(ShareOptions::parse(None, Some("abc"), false).is_err());
        assert!(ShareOptions::parse(None, Some("1234567"), false).is_err(), "at least 8 characters");
        assert!(ShareOptions::parse(None, Some("12345678"), false).is_ok());
    }
}
