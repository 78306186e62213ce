//! Where "back" goes after a selection's action or from the viewer: a page of this service,
//! given by the page the person was on. Anything else (another site, another service, a
//! scheme) is refused for the timeline, so a crafted form can send no one elsewhere.

/// A path of the photos service (`/photos/…`), with its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    /// The timeline, where back goes when nothing better is known.
    #[must_use]
    pub fn timeline() -> Self {
        Self("/photos/".to_owned())
    }

    /// `raw` when it is a path of this service, else the timeline.
    #[must_use]
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        let local = raw.starts_with("/photos/")
            && !raw.contains("//")
            && !raw.contains('\\')
            && !raw.contains("/../")
            && raw.chars().all(|c| c.is_ascii_graphic());
        if local { Self(raw.to_owned()) } else { Self::timeline() }
    }

    /// The path with its query, for a link or a redirect.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path alone, without the query or fragment.
    #[must_use]
    pub fn path(&self) -> &str {
        self.0.split(['?', '#']).next().unwrap_or("/photos/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_of_this_service_are_kept() {
        assert_eq!(ReturnPath::parse("/photos/albums/3").as_str(), "/photos/albums/3");
        let search = ReturnPath::parse("/photos/search?q=beach&from=2026-07-01");
        assert_eq!((search.as_str(), search.path()), ("/photos/search?q=beach&from=2026-07-01", "/photos/search"));
    }

    #[test]
    fn anywhere_else_is_the_timeline() {
        for elsewhere in [
            "https://example.com/photos/",
            "//example.com/photos/",
            "/photos//example.com",
            "/photos/\\example.com",
            "/bugs/",
            "/photos/../admin",
            "/photos/a b",
            "",
        ] {
            assert_eq!(ReturnPath::parse(elsewhere), ReturnPath::timeline(), "{elsewhere}");
        }
    }
}
