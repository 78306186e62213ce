//! The trigram index that narrows a word search (docs/adr/0022): on SQLite, which of a
//! query's words are rare enough that reading only their candidate issues beats walking the
//! issues in the page's order. On PostgreSQL the GIN index serves the LIKE itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hearth_shared::Database;
use hearth_shared::db::Backend;

use crate::domain::query::{Filter, IssueQuery};
use crate::domain::trigram_match;

/// A word with at most this many candidate issues narrows the search; a commoner one is found
/// sooner by walking the issues in the page's order, which stops after a page.
const MAX_CANDIDATES: i64 = 1000;

/// How long a word found common is believed common without counting again.
const COMMON_FOR: Duration = Duration::from_secs(300);

/// At most this many common words are remembered; the memory starts afresh when full.
const REMEMBERED_WORDS: usize = 1024;

/// Words lately found to have more than [`MAX_CANDIDATES`] candidates. Counting reads every
/// trigram's list up to the limit, which for a common phrase costs about as much as the search
/// itself, and a common word seldom turns rare. Only speed depends on this memory, never
/// results: the LIKE decides which issues match either way.
#[derive(Debug, Clone, Default)]
pub struct CommonWords(Arc<Mutex<HashMap<String, Instant>>>);

impl CommonWords {
    fn contains(&self, trigrams: &str) -> bool {
        self.0.lock().is_ok_and(|words| words.get(trigrams).is_some_and(|found| found.elapsed() < COMMON_FOR))
    }

    fn insert(&self, trigrams: String) {
        if let Ok(mut words) = self.0.lock() {
            if words.len() >= REMEMBERED_WORDS {
                words.clear();
            }
            words.insert(trigrams, Instant::now());
        }
    }
}

/// The trigram queries (FTS5 `MATCH`) of the words in `query` that narrow it: words of at
/// least three characters, not negated, with few candidates. Empty on PostgreSQL.
pub async fn narrowing(db: &Database, query: &IssueQuery, common: &CommonWords) -> sqlx::Result<Vec<String>> {
    if db.backend() != Backend::Sqlite {
        return Ok(Vec::new());
    }
    let mut narrowing = Vec::new();
    for term in query.terms.iter().filter(|term| !term.negated) {
        let Filter::Text(text) = &term.filter else { continue };
        let Some(trigrams) = trigram_match(text) else { continue };
        if common.contains(&trigrams) {
            continue;
        }
        if candidates_at_most(db, &trigrams, MAX_CANDIDATES).await? {
            narrowing.push(trigrams);
        } else {
            common.insert(trigrams);
        }
    }
    Ok(narrowing)
}

/// Whether at most `limit` issues hold every trigram (one query, which stops at `limit + 1`).
async fn candidates_at_most(db: &Database, trigrams: &str, limit: i64) -> sqlx::Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT rowid FROM issue_search WHERE issue_search MATCH $1 LIMIT $2)",
    )
    .bind(trigrams)
    .bind(limit + 1)
    .fetch_one(db.pool())
    .await?;
    Ok(count <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_are_remembered_until_the_memory_is_full() {
        let common = CommonWords::default();
        common.insert("\"jam\"".to_owned());
        assert!(common.contains("\"jam\""));
        assert!(!common.contains("\"zeb\""));
        for n in 0..REMEMBERED_WORDS {
            common.insert(format!("\"{n}\""));
        }
        assert!(!common.contains("\"jam\""), "a full memory starts afresh");
    }
}
