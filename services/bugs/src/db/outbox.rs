//! The `outbox` table: notification emails still to send, until sent or given up.

use sqlx::{AnyPool, FromRow};

/// An email that is due.
#[derive(Debug, Clone, FromRow)]
pub struct DueEmail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn due(pool: &AnyPool, now_ms: i64, limit: i64) -> sqlx::Result<Vec<DueEmail>> {
    sqlx::query_as(
        "SELECT id, to_address, subject, body, attempts FROM outbox \
         WHERE sent_ms IS NULL AND gave_up = 0 AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, id LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn sent(pool: &AnyPool, id: i64, now_ms: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET sent_ms = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(now_ms)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a failed attempt: try again at `next_attempt_ms`, or give up when it is `None`.
pub async fn failed(pool: &AnyPool, id: i64, error: &str, next_attempt_ms: Option<i64>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2, \
         next_attempt_ms = COALESCE($3, next_attempt_ms), gave_up = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(next_attempt_ms)
    .bind(i64::from(next_attempt_ms.is_none()))
    .execute(pool)
    .await?;
    Ok(())
}

/// When the soonest email still to send is due, if any.
pub async fn next_due(pool: &AnyPool) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(next_attempt_ms) FROM outbox WHERE sent_ms IS NULL AND gave_up = 0")
        .fetch_one(pool)
        .await
}
