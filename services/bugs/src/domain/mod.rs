//! The bug tracker's types and rules, without I/O: every value from a form or the API is
//! parsed into one of these at the edge, and code behind the edge accepts only them.

pub mod fields;
pub mod markdown;
pub mod query;
pub mod workflow;

pub use fields::{AttachmentName, Colour, IssueTitle, LabelName, ProjectKey, ProjectName};
pub use query::{IssueQuery, QueryError, Sort};
pub use workflow::{LinkKind, Priority, Resolution, Status};

/// Text as it is stored and searched: lowercase, whitespace folded. Lowercased here, not by
/// the database, so SQLite and PostgreSQL compare the same keys (docs/adr/0020).
#[must_use]
pub fn search_key(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A LIKE pattern matching `needle` anywhere, with LIKE's own characters escaped (`\`).
#[must_use]
pub fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_are_lowercase_and_folded() {
        assert_eq!(search_key("  Paper\tJAM  Été "), "paper jam été");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
