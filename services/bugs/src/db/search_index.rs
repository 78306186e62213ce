//! The trigram index that narrows a word search (docs/adr/0022): on SQLite, which of a
//! query's words are rare enough that reading only their candidate issues beats walking the
//! issues in the page's order. On PostgreSQL the GIN index serves the LIKE itself.

use hearth_shared::Database;
use hearth_shared::db::Backend;

use crate::domain::query::{Filter, IssueQuery};
use crate::domain::trigram_match;

/// A word with at most this many candidate issues narrows the search; a commoner one is found
/// sooner by walking the issues in the page's order, which stops after a page.
const MAX_CANDIDATES: i64 = 1000;

/// The trigram queries (FTS5 `MATCH`) of the words in `query` that narrow it: words of at
/// least three characters, not negated, with few candidates. Empty on PostgreSQL.
pub async fn narrowing(db: &Database, query: &IssueQuery) -> sqlx::Result<Vec<String>> {
    if db.backend() != Backend::Sqlite {
        return Ok(Vec::new());
    }
    let mut narrowing = Vec::new();
    for term in query.terms.iter().filter(|term| !term.negated) {
        let Filter::Text(text) = &term.filter else { continue };
        let Some(trigrams) = trigram_match(text) else { continue };
        if candidates_at_most(db, &trigrams, MAX_CANDIDATES).await? {
            narrowing.push(trigrams);
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
