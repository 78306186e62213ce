//! Times that are not a camera's (an upload, a deletion, a link's expiry) as pages show them:
//! `<time datetime="2026-11-24T09:30:00Z">2026-11-24 09:30 UTC</time>`, which the shared
//! script rewrites into the viewer's own zone; without script the UTC text stays. A photo's
//! time taken is not one of these: it is shown as the camera recorded it
//! ([`crate::domain::TakenAt`]).

use hearth_shared::layout::format_time;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A moment, for a `<time>` element.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Moment {
    /// RFC 3339 in UTC, for the `datetime` attribute.
    pub datetime: String,
    /// As read without script: `2026-11-24 09:30 UTC`.
    pub text: String,
}

impl Moment {
    #[must_use]
    pub fn at(unix_seconds: i64) -> Self {
        let datetime = OffsetDateTime::from_unix_timestamp(unix_seconds)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default();
        Self { datetime, text: format_time(unix_seconds) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_rfc_3339_in_utc_and_readable_without_script() {
        let moment = Moment::at(1_796_117_400);
        assert_eq!(moment.datetime, "2026-12-01T09:30:00Z");
        assert_eq!(moment.text, "2026-12-01 09:30 UTC");
    }
}
