//! The bug tracker's types and rules, without I/O: every value from a form or the API is
//! parsed into one of these at the edge, and code behind the edge accepts only them.

pub mod change;
pub mod fields;
pub mod markdown;
pub mod query;
pub mod workflow;

pub use fields::{AttachmentName, Colour, EmailAddress, IssueTitle, LabelName, ProjectKey, ProjectName};
pub use query::{IssueQuery, QueryError, Sort};
pub use workflow::{LinkKind, Priority, Resolution, Status};

/// Text as it is stored and searched: lowercase, whitespace folded. Lowercased here, not by
/// the database, so SQLite and PostgreSQL compare the same keys (docs/adr/0020).
#[must_use]
pub fn search_key(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The search key of an issue's own text; each comment's key is appended to it.
#[must_use]
pub fn issue_search_key(title: &str, description: &str) -> String {
    search_key(&format!("{title} {description}"))
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

/// An FTS5 query (trigram tokenizer, `detail=none`) for the rows holding every trigram of
/// `needle`: a superset of those containing it, to narrow a LIKE (docs/adr/0022). `None` for
/// fewer than three characters, which have no trigram.
#[must_use]
pub fn trigram_match(needle: &str) -> Option<String> {
    let chars: Vec<char> = needle.chars().collect();
    let trigrams: Vec<String> = chars
        .windows(3)
        .map(|trigram| format!("\"{}\"", trigram.iter().collect::<String>().replace('"', "\"\"")))
        .collect();
    (!trigrams.is_empty()).then(|| trigrams.join(" AND "))
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

    #[test]
    fn trigram_queries_quote_every_trigram() {
        assert_eq!(trigram_match("jam").as_deref(), Some("\"jam\""));
        assert_eq!(trigram_match("été x").as_deref(), Some("\"été\" AND \"té \" AND \"é x\""));
        assert_eq!(trigram_match("a\"b").as_deref(), Some("\"a\"\"b\""));
        assert_eq!(trigram_match("ab"), None);
    }
}
