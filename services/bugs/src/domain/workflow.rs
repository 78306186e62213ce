//! An issue's life: its status, how it was resolved, how urgent it is, and how issues are
//! linked to each other. Each has one spelling in the database, the API and the query box.

use std::fmt;

use hearth_shared::AppError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($variant:ident = $word:literal / $label:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored and typed spelling.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word),+ }
            }

            /// How a page shows it.
            #[must_use]
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }

            /// # Errors
            /// A word that is none of the values (the message lists them).
            pub fn parse(raw: &str) -> Result<Self, AppError> {
                let word = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
                match word.as_str() {
                    $($word => Ok(Self::$variant),)+
                    _ => Err(AppError::Invalid(format!(
                        "{} must be one of {}, not {:?}.", $what, Self::choices(), raw.trim()
                    ))),
                }
            }

            /// The values, for messages: `low, normal, high or urgent`.
            #[must_use]
            pub fn choices() -> String {
                let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                match words.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => words.concat(),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

word_enum!(
    /// Where an issue is in its life.
    Status, "The status", {
        Open = "open" / "Open",
        InProgress = "in_progress" / "In progress",
        Resolved = "resolved" / "Resolved",
        Closed = "closed" / "Closed",
    }
);

impl Status {
    /// Resolved and closed issues are done; `is:closed` finds both.
    #[must_use]
    pub fn is_done(self) -> bool {
        matches!(self, Self::Resolved | Self::Closed)
    }
}

word_enum!(
    /// How urgent an issue is; sorts from urgent down.
    Priority, "The priority", {
        Low = "low" / "Low",
        Normal = "normal" / "Normal",
        High = "high" / "High",
        Urgent = "urgent" / "Urgent",
    }
);

impl Priority {
    /// A number that sorts (low 0 … urgent 3), as stored.
    #[must_use]
    pub fn rank(self) -> i64 {
        match self {
            Self::Low => 0,
            Self::Normal => 1,
            Self::High => 2,
            Self::Urgent => 3,
        }
    }

    /// The priority of a stored rank; unknown ranks read as normal.
    #[must_use]
    pub fn from_rank(rank: i64) -> Self {
        match rank {
            0 => Self::Low,
            2 => Self::High,
            3 => Self::Urgent,
            _ => Self::Normal,
        }
    }
}

word_enum!(
    /// How an issue was resolved. A duplicate also names the issue it duplicates (a link).
    Resolution, "The resolution", {
        Fixed = "fixed" / "Fixed",
        WontFix = "wont_fix" / "Won't fix",
        Duplicate = "duplicate" / "Duplicate",
    }
);

word_enum!(
    /// How one issue relates to another, read from the issue that has the link.
    LinkKind, "The link", {
        DuplicateOf = "duplicate_of" / "Duplicate of",
        RelatesTo = "relates_to" / "Relates to",
        Blocks = "blocks" / "Blocks",
    }
);

impl LinkKind {
    /// How the link reads from the other issue's side.
    #[must_use]
    pub fn reverse_label(self) -> &'static str {
        match self {
            Self::DuplicateOf => "Duplicated by",
            Self::RelatesTo => "Relates to",
            Self::Blocks => "Blocked by",
        }
    }
}

/// A status change someone asked for, checked for consistency: a resolution goes with
/// resolved or closed only, and a duplicate names the issue it duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub status: Status,
    pub resolution: Option<Resolution>,
    /// The number (in the same project) of the issue this one duplicates.
    pub duplicate_of: Option<i64>,
}

impl StatusChange {
    /// # Errors
    /// A resolution on an open issue, a duplicate without its issue number, or a number
    /// without the duplicate resolution.
    pub fn parse(status: Status, resolution: Option<Resolution>, duplicate_of: Option<i64>) -> Result<Self, AppError> {
        let resolution = match (status.is_done(), resolution) {
            (false, Some(_)) => {
                return Err(AppError::Invalid(format!(
                    "An issue that is {} has no resolution; choose resolved or closed to give one.",
                    status.label().to_lowercase()
                )));
            }
            (true, None) => Some(Resolution::Fixed),
            (_, resolution) => resolution,
        };
        match (resolution, duplicate_of) {
            (Some(Resolution::Duplicate), None) => {
                Err(AppError::Invalid("Say which issue this duplicates: its number, like 12.".to_owned()))
            }
            (Some(Resolution::Duplicate), Some(n)) if n < 1 => {
                Err(AppError::Invalid(format!("Issue numbers start at 1, not {n}.")))
            }
            (resolution, Some(_)) if resolution != Some(Resolution::Duplicate) => {
                Err(AppError::Invalid("An issue number only goes with the resolution duplicate.".to_owned()))
            }
            _ => Ok(Self { status, resolution, duplicate_of }),
        }
    }
}

/// An issue number as typed: `12`, `#12` or `HOME-12` (the key is checked by the caller).
///
/// # Errors
/// Not a positive whole number.
pub fn parse_issue_number(raw: &str) -> Result<i64, AppError> {
    let text = raw.trim();
    let digits = text.rsplit_once('-').map_or(text, |(_, n)| n).trim_start_matches('#');
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::Invalid(format!("{text:?} is not an issue number; write it like 12 or #12.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_in_any_case_and_spacing() {
        assert_eq!(Status::parse("In Progress").expect("valid"), Status::InProgress);
        assert_eq!(Status::parse("in-progress").expect("valid"), Status::InProgress);
        assert_eq!(Resolution::parse("won't fix").ok(), None);
        assert_eq!(Resolution::parse("wont fix").expect("valid"), Resolution::WontFix);
        assert_eq!(LinkKind::parse("duplicate of").expect("valid"), LinkKind::DuplicateOf);
        let message = Priority::parse("asap").expect_err("refused").to_string();
        assert_eq!(message, "The priority must be one of low, normal, high or urgent, not \"asap\".");
    }

    #[test]
    fn priorities_sort_by_rank() {
        for priority in Priority::ALL {
            assert_eq!(Priority::from_rank(priority.rank()), *priority);
        }
        assert!(Priority::Urgent > Priority::Low);
    }

    #[test]
    fn status_changes_are_consistent() {
        let fixed = StatusChange::parse(Status::Resolved, None, None).expect("valid");
        assert_eq!(fixed.resolution, Some(Resolution::Fixed));
        assert!(StatusChange::parse(Status::Open, Some(Resolution::Fixed), None).is_err());
        assert!(StatusChange::parse(Status::Closed, Some(Resolution::Duplicate), None).is_err());
        assert!(StatusChange::parse(Status::Closed, Some(Resolution::Fixed), Some(3)).is_err());
        let duplicate = StatusChange::parse(Status::Resolved, Some(Resolution::Duplicate), Some(3)).expect("valid");
        assert_eq!(duplicate.duplicate_of, Some(3));
        assert_eq!(StatusChange::parse(Status::Open, None, None).expect("valid").resolution, None);
    }

    #[test]
    fn issue_numbers_come_in_three_spellings() {
        assert_eq!(parse_issue_number("12").expect("valid"), 12);
        assert_eq!(parse_issue_number(" #12 ").expect("valid"), 12);
        assert_eq!(parse_issue_number("HOME-12").expect("valid"), 12);
        assert!(parse_issue_number("0").is_err());
        assert!(parse_issue_number("twelve").is_err());
    }
}
