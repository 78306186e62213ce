//! The query language of the search box: `is:open label:printer -label:wontfix assignee:me
//! priority:high project:HOME "paper jam" sort:priority`. Every part must match (AND); a
//! leading `-` negates a part. Errors say what is wrong and at which column, for display
//! right under the box.

use std::fmt;

use super::fields::{LabelName, ProjectKey};
use super::search_key;
use super::workflow::{Priority, Status};

/// Most parts in one query: more is a mistake, not a search.
const MAX_TERMS: usize = 20;

/// Someone a query names: the person asking, nobody (unassigned), or a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonRef {
    Me,
    Nobody,
    Username(String),
}

/// What one part of a query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `is:open` (open or in progress), `is:closed` (resolved or closed), `status:…`.
    Statuses(Vec<Status>),
    Label(LabelName),
    Assignee(PersonRef),
    Reporter(PersonRef),
    Priority(Priority),
    Project(ProjectKey),
    /// A bare word or a quoted phrase, lowercased: found in titles, descriptions and comments.
    Text(String),
}

/// One part of a query, maybe negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub filter: Filter,
}

/// The order of results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Most recently changed first (the default).
    #[default]
    Updated,
    /// Newest first.
    Created,
    /// Oldest first.
    Oldest,
    /// Most urgent first, then newest.
    Priority,
}

impl Sort {
    pub const ALL: &'static [Self] = &[Self::Updated, Self::Created, Self::Oldest, Self::Priority];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Updated => "updated",
            Self::Created => "created",
            Self::Oldest => "oldest",
            Self::Priority => "priority",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Updated => "Recently updated",
            Self::Created => "Newest",
            Self::Oldest => "Oldest",
            Self::Priority => "Most urgent",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == word)
    }
}

/// A parsed query: all terms must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueQuery {
    pub terms: Vec<Term>,
    pub sort: Sort,
}

/// What is wrong with a query, and where (1-based column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub column: usize,
    pub length: usize,
}

impl QueryError {
    /// Spaces then carets, to show under the query in a monospace font.
    #[must_use]
    pub fn pointer(&self) -> String {
        format!("{}{}", " ".repeat(self.column.saturating_sub(1)), "^".repeat(self.length.max(1)))
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.column)
    }
}

impl std::error::Error for QueryError {}

/// A piece of the raw query: its text (quotes removed), where it starts, how long it was.
struct Token {
    text: String,
    /// Where (in `text`) quoted text starts: a `:` after it is not a filter's.
    quote_at: Option<usize>,
    column: usize,
    length: usize,
}

impl IssueQuery {
    /// Parses what was typed in the search box.
    ///
    /// # Errors
    /// An unknown filter, a value the filter does not take, an unclosed quote, or too many parts.
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let mut query = Self::default();
        let mut sorted_at: Option<usize> = None;
        for token in tokenize(raw)? {
            let is_sort = token.text.get(..5).is_some_and(|k| k.eq_ignore_ascii_case("sort:"))
                && token.quote_at.is_none_or(|q| q >= 5);
            if let Some(word) = token.text.get(5..).filter(|_| is_sort) {
                if let Some(first) = sorted_at {
                    return Err(error(&token, format!("Sort once only; the query already sorts at column {first}.")));
                }
                query.sort = Sort::parse(&word.to_ascii_lowercase()).ok_or_else(|| {
                    error(&token, format!("sort: takes updated, created, oldest or priority, not {word:?}."))
                })?;
                sorted_at = Some(token.column);
                continue;
            }
            if query.terms.len() == MAX_TERMS {
                return Err(error(&token, format!("A query can have at most {MAX_TERMS} parts.")));
            }
            query.terms.push(term(&token)?);
        }
        Ok(query)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The query with a project filter added (the project's own issue list).
    #[must_use]
    pub fn in_project(mut self, key: &ProjectKey) -> Self {
        self.terms.push(Term { negated: false, filter: Filter::Project(key.clone()) });
        self
    }
}

fn error(token: &Token, message: String) -> QueryError {
    QueryError { message, column: token.column, length: token.length }
}

/// Splits on whitespace, keeping quoted phrases (and `key:"quoted value"`) whole.
fn tokenize(raw: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = raw.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut text = String::new();
        let mut quote_at = None;
        while i < chars.len() && !chars[i].is_whitespace() {
            if chars[i] == '"' {
                let Some(close) = chars[i + 1..].iter().position(|c| *c == '"') else {
                    return Err(QueryError {
                        message: "This quote is never closed; add a \" at the end of the phrase.".to_owned(),
                        column: i + 1,
                        length: 1,
                    });
                };
                quote_at.get_or_insert(text.len());
                text.extend(&chars[i + 1..i + 1 + close]);
                i += close + 2;
            } else {
                text.push(chars[i]);
                i += 1;
            }
        }
        tokens.push(Token { text, quote_at, column: start + 1, length: i - start });
    }
    Ok(tokens)
}

fn term(token: &Token) -> Result<Term, QueryError> {
    let (negated, body) = match token.text.strip_prefix('-') {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, token.text.as_str()),
    };
    let offset = token.text.len() - body.len();
    let key_colon = body.find(':').filter(|colon| token.quote_at.is_none_or(|quote| offset + colon < quote));
    let filter = match key_colon {
        Some(colon) => filter(token, &body[..colon], &body[colon + 1..])?,
        _ => {
            let text = search_key(body);
            if text.is_empty() {
                return Err(error(token, "This phrase is empty; put words between the quotes.".to_owned()));
            }
            Filter::Text(text)
        }
    };
    Ok(Term { negated, filter })
}

fn filter(token: &Token, key: &str, value: &str) -> Result<Filter, QueryError> {
    let key = key.to_ascii_lowercase();
    if value.is_empty() {
        return Err(error(token, format!("{key}: needs a value, like {}.", example(&key))));
    }
    let value_lower = value.to_lowercase();
    let refuse = |e: hearth_shared::AppError| error(token, e.to_string());
    Ok(match key.as_str() {
        "is" => match value_lower.as_str() {
            "open" => Filter::Statuses(vec![Status::Open, Status::InProgress]),
            "closed" | "done" => Filter::Statuses(vec![Status::Resolved, Status::Closed]),
            _ => match Status::parse(value) {
                Ok(status) => Filter::Statuses(vec![status]),
                Err(_) => {
                    return Err(error(
                        token,
                        format!("is: takes open, closed, in_progress or resolved, not {value:?}."),
                    ));
                }
            },
        },
        "status" => Filter::Statuses(vec![Status::parse(value).map_err(refuse)?]),
        "label" => Filter::Label(LabelName::parse(value).map_err(refuse)?),
        "assignee" => Filter::Assignee(person(value)),
        "reporter" | "author" => Filter::Reporter(person(value)),
        "priority" => Filter::Priority(Priority::parse(value).map_err(refuse)?),
        "project" => Filter::Project(ProjectKey::parse(value).map_err(refuse)?),
        _ => {
            return Err(error(
                token,
                format!(
                    "There is no filter {key:?}. Use is:, status:, label:, assignee:, reporter:, priority:, \
                     project: or sort:, or put the words in quotes to search for them."
                ),
            ));
        }
    })
}

fn person(value: &str) -> PersonRef {
    match value.to_lowercase().as_str() {
        "me" => PersonRef::Me,
        "none" | "nobody" => PersonRef::Nobody,
        name => PersonRef::Username(name.to_owned()),
    }
}

fn example(key: &str) -> &'static str {
    match key {
        "is" => "is:open",
        "status" => "status:resolved",
        "label" => "label:printer",
        "assignee" => "assignee:me",
        "reporter" | "author" => "reporter:me",
        "priority" => "priority:high",
        "project" => "project:HOME",
        _ => "is:open",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> IssueQuery {
        IssueQuery::parse(raw).unwrap_or_else(|e| panic!("{raw:?} should parse: {e}"))
    }

    fn fails(raw: &str) -> QueryError {
        IssueQuery::parse(raw).expect_err("should fail")
    }

    fn plain(filter: Filter) -> Term {
        Term { negated: false, filter }
    }

    #[test]
    fn the_example_from_the_issue_parses() {
        let query = parse("is:open label:printer assignee:me priority:high \"paper jam\"");
        assert_eq!(
            query.terms,
            vec![
                plain(Filter::Statuses(vec![Status::Open, Status::InProgress])),
                plain(Filter::Label(LabelName::parse("printer").expect("label"))),
                plain(Filter::Assignee(PersonRef::Me)),
                plain(Filter::Priority(Priority::High)),
                plain(Filter::Text("paper jam".to_owned())),
            ]
        );
        assert_eq!(query.sort, Sort::Updated);
    }

    #[test]
    fn a_minus_negates() {
        let query = parse("-label:wontfix -printer");
        assert!(query.terms.iter().all(|t| t.negated));
        assert_eq!(query.terms[1].filter, Filter::Text("printer".to_owned()));
    }

    #[test]
    fn a_lone_minus_is_a_word() {
        assert_eq!(parse("-").terms, vec![plain(Filter::Text("-".to_owned()))]);
    }

    #[test]
    fn closed_means_resolved_or_closed() {
        assert_eq!(parse("is:closed").terms[0].filter, Filter::Statuses(vec![Status::Resolved, Status::Closed]));
        assert_eq!(parse("status:in_progress").terms[0].filter, Filter::Statuses(vec![Status::InProgress]));
        assert_eq!(parse("is:resolved").terms[0].filter, Filter::Statuses(vec![Status::Resolved]));
    }

    #[test]
    fn people_are_me_nobody_or_a_username() {
        let query = parse("assignee:none reporter:Mum author:me");
        assert_eq!(query.terms[0].filter, Filter::Assignee(PersonRef::Nobody));
        assert_eq!(query.terms[1].filter, Filter::Reporter(PersonRef::Username("mum".to_owned())));
        assert_eq!(query.terms[2].filter, Filter::Reporter(PersonRef::Me));
    }

    #[test]
    fn projects_and_sorts() {
        let query = parse("project:home sort:priority");
        assert_eq!(query.terms, vec![plain(Filter::Project(ProjectKey::parse("HOME").expect("key")))]);
        assert_eq!(query.sort, Sort::Priority);
        assert_eq!(parse("SORT:oldest").sort, Sort::Oldest);
        assert_eq!(parse("\"sort:oldest\"").terms[0].filter, Filter::Text("sort:oldest".to_owned()));
        assert_eq!(parse("sort:Created").sort, Sort::Created);
    }

    #[test]
    fn words_are_lowercased_and_phrases_kept_whole() {
        let query = parse("Printer \"PAPER   Jam\" été");
        let texts: Vec<_> = query.terms.iter().map(|t| t.filter.clone()).collect();
        assert_eq!(
            texts,
            vec![
                Filter::Text("printer".to_owned()),
                Filter::Text("paper jam".to_owned()),
                Filter::Text("été".to_owned())
            ]
        );
    }

    #[test]
    fn a_quoted_phrase_with_a_colon_is_text() {
        assert_eq!(parse("\"error: paper\"").terms[0].filter, Filter::Text("error: paper".to_owned()));
    }

    #[test]
    fn a_filter_value_may_be_quoted() {
        assert_eq!(parse("reporter:\"Mum\"").terms[0].filter, Filter::Reporter(PersonRef::Username("mum".to_owned())));
    }

    #[test]
    fn an_empty_query_is_everything() {
        assert!(parse("   ").is_empty());
        assert!(parse("").is_empty());
    }

    #[test]
    fn unknown_filters_say_where_and_what_to_use() {
        let e = fails("is:open colour:red");
        assert_eq!(e.column, 9);
        assert_eq!(e.length, 10);
        assert!(e.message.contains("no filter \"colour\""), "{}", e.message);
        assert!(e.message.contains("label:"), "{}", e.message);
        assert_eq!(e.pointer(), "        ^^^^^^^^^^");
    }

    #[test]
    fn bad_values_say_what_is_allowed() {
        let e = fails("priority:asap");
        assert!(e.message.contains("low, normal, high or urgent"), "{}", e.message);
        assert_eq!(e.column, 1);
        assert!(fails("is:sleeping").message.contains("open, closed"));
        assert!(fails("project:2X").message.contains("start with a letter"));
        assert!(fails("label:").message.contains("needs a value, like label:printer"));
        assert!(fails("sort:random").message.contains("updated, created, oldest or priority"));
        assert!(fails("sort:created sort:updated").message.contains("Sort once"));
    }

    #[test]
    fn unclosed_quotes_point_at_the_quote() {
        let e = fails("printer \"paper jam");
        assert_eq!(e.column, 9);
        assert!(e.message.contains("never closed"));
        assert!(fails("\"\"").message.contains("empty"));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(fails("été nope:x").column, 5);
    }

    #[test]
    fn too_many_parts_are_refused() {
        let long = vec!["word"; 21].join(" ");
        assert!(fails(&long).message.contains("at most 20"));
    }

    #[test]
    fn project_pages_add_their_project() {
        let key = ProjectKey::parse("HOME").expect("key");
        let query = parse("is:open").in_project(&key);
        assert_eq!(query.terms.last().map(|t| &t.filter), Some(&Filter::Project(key)));
    }
}
