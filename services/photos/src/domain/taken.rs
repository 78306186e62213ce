//! When a photo was taken, as its camera recorded it (ADR 0067): the camera's own clock, with
//! its offset from UTC when the EXIF says (`OffsetTimeOriginal`). Without an offset the zone is
//! unknown, so the clock is shown as it was, never moved into anyone's zone.

use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A time taken: `at` in Unix seconds (the camera's clock read as UTC when `offset_minutes`
/// is unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakenAt {
    pub at: i64,
    pub offset_minutes: Option<i16>,
}

impl TakenAt {
    #[must_use]
    pub fn new(at: i64, offset_minutes: Option<i64>) -> Self {
        Self { at, offset_minutes: offset_minutes.and_then(|minutes| i16::try_from(minutes).ok()) }
    }

    /// The camera's clock when the photo was taken.
    #[must_use]
    pub fn clock(self) -> Option<PrimitiveDateTime> {
        let offset = match self.offset_minutes {
            Some(minutes) => UtcOffset::from_whole_seconds(i32::from(minutes) * 60).ok()?,
            None => UtcOffset::UTC,
        };
        let instant = OffsetDateTime::from_unix_timestamp(self.at).ok()?.to_offset(offset);
        Some(PrimitiveDateTime::new(instant.date(), instant.time()))
    }

    /// `Sunday 14 July 2024, 15:30 (UTC+02:00)`, or `… 15:30 (camera's clock)` when the
    /// camera did not say which zone its clock was in.
    #[must_use]
    pub fn as_recorded(self) -> String {
        let Some(clock) = self.clock() else {
            return "unknown".to_owned();
        };
        let format = format_description!("[weekday] [day padding:none] [month repr:long] [year], [hour]:[minute]");
        let shown = clock.format(format).unwrap_or_else(|_| "unknown".to_owned());
        match self.offset_minutes {
            Some(minutes) => format!("{shown} ({})", offset_label(minutes)),
            None => format!("{shown} (camera's clock)"),
        }
    }
}

/// `UTC+02:00`, `UTC−05:30`, `UTC`.
fn offset_label(minutes: i16) -> String {
    if minutes == 0 {
        return "UTC".to_owned();
    }
    let sign = if minutes < 0 { '−' } else { '+' };
    let minutes = minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The day a time falls on, as the timeline heads it: `Sunday 14 July 2024`.
#[must_use]
pub fn day_label(clock: PrimitiveDateTime) -> String {
    let format = format_description!("[weekday] [day padding:none] [month repr:long] [year]");
    clock.format(format).unwrap_or_else(|_| "Unknown date".to_owned())
}

/// A Unix time in UTC, as a clock: for what was not taken by a camera (an upload).
#[must_use]
pub fn utc_clock(unix_seconds: i64) -> Option<PrimitiveDateTime> {
    let instant = OffsetDateTime::from_unix_timestamp(unix_seconds).ok()?;
    Some(PrimitiveDateTime::new(instant.date(), instant.time()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_with_an_offset_is_shown_at_that_offset() {
        // 2024-07-14 13:30:00 UTC, taken at UTC+02:00.
        let taken = TakenAt::new(1_720_963_800, Some(120));
        assert_eq!(taken.as_recorded(), "Sunday 14 July 2024, 15:30 (UTC+02:00)");
        let west = TakenAt::new(981_173_106 + 5 * 3600 + 30 * 60, Some(-330));
        assert_eq!(west.as_recorded(), "Saturday 3 February 2001, 04:05 (UTC−05:30)");
    }

    #[test]
    fn a_time_without_one_is_the_camera_clock_as_it_was() {
        let taken = TakenAt::new(981_173_106, None);
        assert_eq!(taken.as_recorded(), "Saturday 3 February 2001, 04:05 (camera's clock)");
        assert_eq!(TakenAt::new(0, Some(0)).as_recorded(), "Thursday 1 January 1970, 00:00 (UTC)");
    }

    #[test]
    fn a_late_evening_photo_is_on_its_own_day() {
        // 2024-07-14 23:30 at UTC+02:00 is 21:30 UTC: still the 14th for the camera.
        let clock = TakenAt::new(1_720_992_600, Some(120)).clock().expect("a clock");
        assert_eq!(day_label(clock), "Sunday 14 July 2024");
        let at_utc = utc_clock(1_720_992_600 + 3 * 3600).expect("a clock");
        assert_eq!(day_label(at_utc), "Monday 15 July 2024");
    }

    #[test]
    fn impossible_offsets_are_unknown() {
        assert_eq!(TakenAt::new(0, Some(100_000)).offset_minutes, None);
    }
}
