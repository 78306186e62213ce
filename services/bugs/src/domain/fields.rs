//! Plain fields a person types: project keys and names, issue titles, label names and
//! colours, attachment file names, email addresses. Each `parse` says what to fix.

use std::fmt;

use hearth_shared::AppError;
use hearth_shared::display::is_bidi_control;

fn invalid(message: impl Into<String>) -> AppError {
    AppError::Invalid(message.into())
}

/// Trims, refuses empty, too long, or control characters; `what` names the field.
fn plain_text(raw: &str, what: &str, max: usize) -> Result<String, AppError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(format!("{what} is empty. Write a few words.")));
    }
    let length = text.chars().count();
    if length > max {
        return Err(invalid(format!("{what} is {length} characters long; keep it to {max}.")));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(format!("{what} cannot contain line breaks or control characters.")));
    }
    Ok(text.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(
    /// A project's short key, as in `HOME-12`: 2–10 uppercase letters or digits, starting
    /// with a letter. Lowercase input is accepted and uppercased.
    ProjectKey
);

impl ProjectKey {
    /// # Errors
    /// Too short or long, not starting with a letter, or other characters than A–Z and 0–9.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let key = raw.trim().to_ascii_uppercase();
        if !(2..=10).contains(&key.chars().count()) {
            return Err(invalid(format!(
                "The project key {:?} must be 2 to 10 letters or digits, like HOME.",
                raw.trim()
            )));
        }
        if !key.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(invalid(format!("The project key {key:?} must start with a letter, like HOME.")));
        }
        if let Some(bad) = key.chars().find(|c| !c.is_ascii_uppercase() && !c.is_ascii_digit()) {
            return Err(invalid(format!("The project key {key:?} can only have letters A–Z and digits, not {bad:?}.")));
        }
        Ok(Self(key))
    }
}

text_type!(
    /// A project's name: 1–80 characters on one line.
    ProjectName
);

impl ProjectName {
    /// # Errors
    /// Empty, longer than 80 characters, or with control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        plain_text(raw, "The project name", 80).map(Self)
    }
}

text_type!(
    /// An issue's title: 1–200 characters on one line.
    IssueTitle
);

impl IssueTitle {
    /// # Errors
    /// Empty, longer than 200 characters, or with control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        plain_text(raw, "The title", 200).map(Self)
    }
}

text_type!(
    /// A label: 1–40 characters without spaces (so `label:printer` can find it), kept lowercase.
    LabelName
);

impl LabelName {
    /// # Errors
    /// Empty, too long, or with spaces, quotes or control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let name = plain_text(raw, "The label", 40)?.to_lowercase();
        if name.chars().any(|c| c.is_whitespace() || c == '"') {
            return Err(invalid(format!("The label {name:?} cannot contain spaces or quotes; use - instead.")));
        }
        Ok(Self(name))
    }
}

text_type!(
    /// A label's colour: `#rrggbb`, stored lowercase.
    Colour
);

impl Colour {
    /// # Errors
    /// Anything but `#` and six hexadecimal digits.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let colour = raw.trim().to_ascii_lowercase();
        let hex = colour.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid(format!("The colour {:?} must look like #1f77b4.", raw.trim())));
        }
        Ok(Self(colour))
    }
}

impl Default for Colour {
    fn default() -> Self {
        Self("#6b7280".to_owned())
    }
}

text_type!(
    /// An attachment's file name as stored: no folders, no control characters, at most 120
    /// characters; never trusted for anything but display and the download name.
    AttachmentName
);

impl AttachmentName {
    /// Never fails: a name is cleaned rather than refused (a pasted screenshot has none).
    /// Control characters and bidirectional controls go: `invoice\u{202E}fdp.exe` must not
    /// show as `invoiceexe.pdf`.
    #[must_use]
    pub fn sanitize(raw: &str) -> Self {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = base.chars().filter(|c| !c.is_control() && !is_bidi_control(*c)).take(120).collect();
        let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
        if cleaned.is_empty() { Self("screenshot.png".to_owned()) } else { Self(cleaned) }
    }
}

text_type!(
    /// Where someone wants notification emails: `name@domain`, on one line, at most 254
    /// characters, nothing a mail header could be split with.
    EmailAddress
);

impl EmailAddress {
    /// # Errors
    /// Not one `@` between a name and a domain with a dot, or with spaces, commas, angle
    /// brackets, quotes or control characters.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let address = raw.trim();
        let refuse = || invalid(format!("{address:?} is not an email address; write it like joe@example.net."));
        if address.chars().count() > 254
            || address.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '<' | '>' | '"' | ';'))
        {
            return Err(refuse());
        }
        match address.split_once('@') {
            Some((name, domain))
                if !name.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.') =>
            {
                Ok(Self(address.to_owned()))
            }
            _ => Err(refuse()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_one_address_on_one_line() {
        assert_eq!(EmailAddress::parse(" joe@example.net ").expect("valid").as_str(), "joe@example.net");
        for bad in [
            "joe",
            "joe@",
            "@example.net",
            "joe@example",
            "a@b@c.net",
            "joe@example.net\nBcc: x@y.z",
            "Joe <joe@example.net>",
            "joe@example.net, amy@example.net",
            "joe @example.net",
            "joe@.net",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(EmailAddress::parse("joe").expect_err("refused").to_string().contains("like joe@example.net"));
    }

    #[test]
    fn project_keys_are_short_uppercase_and_start_with_a_letter() {
        assert_eq!(ProjectKey::parse(" home ").expect("valid").as_str(), "HOME");
        assert_eq!(ProjectKey::parse("NET2").expect("valid").as_str(), "NET2");
        for bad in ["H", "HOMEHOMEHOME", "2HOME", "HO-ME", "HÖME", ""] {
            assert!(ProjectKey::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let message = ProjectKey::parse("2HOME").expect_err("refused").to_string();
        assert!(message.contains("start with a letter"), "{message}");
    }

    #[test]
    fn titles_are_trimmed_one_line_and_bounded() {
        assert_eq!(IssueTitle::parse("  Printer jams ").expect("valid").as_str(), "Printer jams");
        assert!(IssueTitle::parse("   ").is_err());
        assert!(IssueTitle::parse("two\nlines").is_err());
        assert!(IssueTitle::parse(&"é".repeat(200)).is_ok());
        let message = IssueTitle::parse(&"x".repeat(201)).expect_err("too long").to_string();
        assert!(message.contains("201") && message.contains("200"), "{message}");
    }

    #[test]
    fn project_names_follow_the_same_rules() {
        assert!(ProjectName::parse("Home network").is_ok());
        assert!(ProjectName::parse("").is_err());
        assert!(ProjectName::parse(&"n".repeat(81)).is_err());
    }

    #[test]
    fn labels_are_lowercase_words() {
        assert_eq!(LabelName::parse("Printer").expect("valid").as_str(), "printer");
        assert!(LabelName::parse("wont fix").is_err());
        assert!(LabelName::parse("a\"b").is_err());
    }

    #[test]
    fn colours_are_six_hex_digits() {
        assert_eq!(Colour::parse("#FFaa00").expect("valid").as_str(), "#ffaa00");
        for bad in ["ffaa00", "#fa0", "#gggggg", "red", "#ffaa00;x"] {
            assert!(Colour::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn attachment_names_lose_folders_and_control_characters() {
        assert_eq!(AttachmentName::sanitize("C:\\Users\\kid\\shot.png").as_str(), "shot.png");
        assert_eq!(AttachmentName::sanitize("../../etc/passwd").as_str(), "passwd");
        assert_eq!(AttachmentName::sanitize("a\u{0}b\n.png").as_str(), "ab.png");
        assert_eq!(AttachmentName::sanitize("").as_str(), "screenshot.png");
        assert_eq!(AttachmentName::sanitize(".hidden").as_str(), "hidden");
        assert_eq!(AttachmentName::sanitize("invoice\u{202E}fdp.exe").as_str(), "invoicefdp.exe");
    }
}
