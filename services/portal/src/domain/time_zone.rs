//! The time zone a person chooses for the times on pages (ADR 0055): an IANA name such as
//! `Europe/London`, or `UTC`. Pages are converted in the browser, which knows the zones; here
//! a name only has to look like one, so nothing else reaches the page.

use hearth_shared::AppError;

/// An IANA time zone name as typed or picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// `None` for an empty value ("use my browser's zone").
    ///
    /// # Errors
    /// A value that is not shaped like a zone name, with an example in the message.
    pub fn parse(raw: &str) -> Result<Option<Self>, AppError> {
        let name = raw.trim();
        if name.is_empty() {
            return Ok(None);
        }
        let part_ok = |part: &str| {
            !part.is_empty()
                && part.starts_with(|c: char| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        };
        if name.len() > 64 || !name.split('/').all(part_ok) {
            return Err(AppError::Invalid(format!(
                "{name:?} is not a time zone. Pick one from the list, or type a name such as Europe/London."
            )));
        }
        Ok(Some(Self(name.to_owned())))
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
    fn zone_names_are_iana_shaped() {
        for zone in ["Europe/London", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5", "America/Port-au-Prince"] {
            assert_eq!(TimeZoneName::parse(zone).expect("valid").expect("some").as_str(), zone);
        }
        assert_eq!(TimeZoneName::parse("  ").expect("empty is the browser's"), None);
        for bad in ["../etc/passwd", "Europe/", "<script>", "Europe London", "/London", &"A".repeat(65)] {
            assert!(TimeZoneName::parse(bad).is_err(), "{bad}");
        }
    }
}
