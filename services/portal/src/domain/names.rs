//! Usernames, display names and token names, parsed at the edge with messages for the person
//! who typed them.

use hearth_shared::AppError;

/// A login name: 2–32 characters of lowercase letters, digits, `.`, `-` or `_`, stored
/// lowercase so `Grandma` and `grandma` are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// # Errors
    /// A name that breaks the rule, with the rule in the message.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = raw.trim().to_lowercase();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_');
        if !(2..=32).contains(&name.chars().count()) {
            return Err(AppError::Invalid("A username has 2 to 32 characters.".to_owned()));
        }
        if !name.chars().all(allowed) || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(AppError::Invalid(
                "A username uses only letters a–z, digits, dots, dashes and underscores, and starts with a letter or digit."
                    .to_owned(),
            ));
        }
        Ok(Self(name))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name shown to the family: 1–60 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// # Errors
    /// Empty, too long, or with control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        Ok(Self(plain_text(raw, 60, "Your name")?))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a personal API token is for ("backup script"): 1–60 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    /// # Errors
    /// Empty, too long, or with control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        Ok(Self(plain_text(raw, 60, "The token's name")?))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn plain_text(raw: &str, max: usize, what: &str) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(AppError::Invalid(format!("{what} cannot be empty.")));
    }
    if text.chars().count() > max {
        return Err(AppError::Invalid(format!("{what} has at most {max} characters.")));
    }
    if text.chars().any(char::is_control) {
        return Err(AppError::Invalid(format!("{what} cannot contain control characters.")));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" Grandma ").expect("valid").as_str(), "grandma");
        assert!(Username::parse("a").is_err());
        assert!(Username::parse("../etc").is_err());
        assert!(Username::parse("bob smith").is_err());
        assert!(Username::parse(&"x".repeat(33)).is_err());
        assert!(Username::parse("anna.b-2_x").is_ok());
    }

    #[test]
    fn display_names_refuse_control_characters_and_length() {
        assert!(DisplayName::parse("Grandma Jo").is_ok());
        assert!(DisplayName::parse("  ").is_err());
        assert!(DisplayName::parse("a\u{0}b").is_err());
        assert!(DisplayName::parse(&"é".repeat(61)).is_err());
        assert!(TokenName::parse("backup script").is_ok());
    }
}
