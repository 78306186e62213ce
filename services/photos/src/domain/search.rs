//! Search: the query a person gives, and the keys stored beside each item so that SQLite and
//! PostgreSQL find the same things (both compare text we lowercased, with LIKE).

use hearth_shared::AppError;
use time::macros::format_description;

/// What to look for; every part is optional and all given parts must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Words that must all appear in the file name, camera, lens or document text.
    pub words: Vec<String>,
    /// Part of the camera's name.
    pub camera: Option<String>,
    /// Part of an album's name the item is in.
    pub album: Option<String>,
    /// From the start of this day (Unix seconds, UTC)…
    pub from: Option<i64>,
    /// …to the end of this one.
    pub to: Option<i64>,
}

impl SearchQuery {
    /// Parses the search form's fields; dates are `YYYY-MM-DD`.
    ///
    /// # Errors
    /// A date that is not a date, or a range that ends before it starts.
    pub fn parse(text: &str, camera: &str, album: &str, from: &str, to: &str) -> Result<Self, AppError> {
        let words = key(text).split_whitespace().take(10).map(str::to_owned).collect();
        let optional = |raw: &str| Some(key(raw)).filter(|k| !k.is_empty());
        let from = parse_day(from, "From")?;
        let to = parse_day(to, "To")?.map(|day| day + 24 * 3600 - 1);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(AppError::Invalid("The end date is before the start date.".to_owned()));
        }
        Ok(Self { words, camera: optional(camera), album: optional(album), from, to })
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn parse_day(raw: &str, which: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    time::Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .map(|date| Some(date.midnight().assume_utc().unix_timestamp()))
        .map_err(|_| AppError::Invalid(format!("{which} must be a date like 2026-07-31, not {raw:?}.")))
}

/// Text as it is stored and searched: lowercase, whitespace folded.
#[must_use]
pub fn key(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// A LIKE pattern matching `needle` anywhere, with LIKE's own characters escaped (`\`).
#[must_use]
pub fn contains_pattern(needle: &str) -> String {
    let escaped: String =
        needle.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

/// The words of a document around a match: the text before it, the match as the text has it,
/// the text after; `…` where the text goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub before: String,
    pub hit: String,
    pub after: String,
}

impl Snippet {
    /// The part of `text` (a piece cut from a document, maybe mid-word at its end, and at its
    /// start when `cut` says it does not start the document) around the first place `word`
    /// (lowercase) appears; the piece's start, unmarked, when it does not.
    #[must_use]
    pub fn around(text: &str, word: &str, cut: bool) -> Self {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let lowered = text.to_lowercase();
        // Offsets in the lowercased text hold in the text itself only when lowercasing kept
        // every character's length; otherwise nothing is marked.
        let found = (lowered.len() == text.len()).then(|| lowered.find(word)).flatten().filter(|_| !word.is_empty());
        let Some(start) = found else {
            return Self { before: String::new(), hit: String::new(), after: trimmed_end(&text) };
        };
        let end = start + word.len();
        let before = &text[..start];
        let before = match before.split_once(' ') {
            Some((_, whole_words)) if cut => format!("…{whole_words}"),
            _ if cut => "…".to_owned(),
            _ => before.to_owned(),
        };
        Self { before, hit: text[start..end].to_owned(), after: trimmed_end(&text[end..]) }
    }
}

/// The text up to its last whole word, with `…` when it was cut.
fn trimmed_end(text: &str) -> String {
    match text.rsplit_once(' ') {
        Some((whole_words, _)) if text.len() > 120 => format!("{whole_words}…"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_lowercased_and_dates_checked() {
        let query = SearchQuery::parse("  Été  PLAGE ", "Pixel", "", "2026-07-01", "2026-07-31").expect("valid");
        assert_eq!(query.words, ["été", "plage"]);
        assert_eq!(query.camera.as_deref(), Some("pixel"));
        assert_eq!(query.to.expect("to") - query.from.expect("from"), 31 * 24 * 3600 - 1);
        assert!(SearchQuery::parse("", "", "", "31/07/2026", "").is_err());
        assert!(SearchQuery::parse("", "", "", "2026-08-01", "2026-07-01").is_err());
        assert!(SearchQuery::parse(" ", "", "", "", "").expect("empty").is_empty());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn a_snippet_marks_the_word_between_whole_words() {
        let snippet = Snippet::around("nce on   your Insurance renewal for 2027 is due", "insurance", true);
        assert_eq!(snippet.before, "…on your ");
        assert_eq!(snippet.hit, "Insurance");
        assert_eq!(snippet.after, " renewal for 2027 is due");
        let long = format!("Renewal {}", "word ".repeat(40));
        let snippet = Snippet::around(&long, "renewal", false);
        assert_eq!((snippet.before.as_str(), snippet.hit.as_str()), ("", "Renewal"));
        assert!(snippet.after.ends_with("word…"), "{}", snippet.after);
    }

    #[test]
    fn without_the_word_the_snippet_is_the_start() {
        let snippet = Snippet::around("Dear Anna, thank you", "scan", false);
        assert_eq!(
            snippet,
            Snippet { before: String::new(), hit: String::new(), after: "Dear Anna, thank you".to_owned() }
        );
    }
}
