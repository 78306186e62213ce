//! Album names as the family types them.

use hearth_shared::AppError;

/// 1–100 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumName(String);

impl AlbumName {
    /// # Errors
    /// Empty, too long, or with control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(AppError::Invalid("Give the album a name.".to_owned()));
        }
        if name.chars().count() > 100 {
            return Err(AppError::Invalid("An album name has at most 100 characters.".to_owned()));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::Invalid("An album name cannot contain control characters.".to_owned()));
        }
        Ok(Self(name.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(AlbumName::parse("  Summer 2026 ").expect("valid").as_str(), "Summer 2026");
        assert!(AlbumName::parse(" ").is_err());
        assert!(AlbumName::parse(&"a".repeat(101)).is_err());
        assert!(AlbumName::parse("a\u{7}b").is_err());
    }
}
