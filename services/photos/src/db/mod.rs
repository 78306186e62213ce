//! All SQL of the photos service, one module per table group.

pub mod albums;
pub mod items;
pub mod shares;

use sqlx::{Any, AnyPool, Transaction};

/// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`, waiting out the busy timeout): a plain `BEGIN` that reads and then writes fails
/// at once with `SQLITE_BUSY_SNAPSHOT` (code 517) when another connection wrote in between,
/// as the preview worker does all the time. PostgreSQL's `BEGIN` already waits.
pub async fn begin_write(pool: &AnyPool) -> sqlx::Result<Transaction<'static, Any>> {
    let sqlite = pool.connect_options().database_url.scheme() == "sqlite";
    pool.begin_with(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" }).await
}
