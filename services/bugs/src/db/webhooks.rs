//! The `webhooks` and `webhook_deliveries` tables: who wants issue events, and the queue of
//! events still to deliver.

use hearth_shared::db::begin_write;
use sqlx::{AnyPool, FromRow};

/// A webhook and how its deliveries are going.
#[derive(Debug, Clone, FromRow)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub project_key: Option<String>,
    pub created_at: i64,
    pub delivered: i64,
    /// Waiting for their first or next attempt.
    pub pending: i64,
    /// Given up after every attempt failed.
    pub failed: i64,
    /// Why the latest failed attempt failed.
    pub last_error: Option<String>,
}

pub async fn insert(
    pool: &AnyPool,
    url: &str,
    secret: &str,
    project_id: Option<i64>,
    created_by: i64,
    now: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO webhooks (url, secret, project_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(url)
    .bind(secret)
    .bind(project_id)
    .bind(created_by)
    .bind(now)
    .fetch_one(pool)
    .await
}

pub async fn all(pool: &AnyPool) -> sqlx::Result<Vec<WebhookRow>> {
    sqlx::query_as(
        "SELECT w.id, w.url, p.key AS project_key, w.created_at, \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_ms IS NOT NULL) AS delivered, \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.delivered_ms IS NULL AND d.gave_up = 0) \
           AS pending, \
         (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.gave_up = 1) AS failed, \
         (SELECT d.last_error FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.last_error IS NOT NULL \
           ORDER BY d.id DESC LIMIT 1) AS last_error \
         FROM webhooks w LEFT JOIN projects p ON p.id = w.project_id ORDER BY w.id",
    )
    .fetch_all(pool)
    .await
}

/// Removes a webhook and its deliveries; `false` when there was none with that id.
pub async fn delete(pool: &AnyPool, id: i64) -> sqlx::Result<bool> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1").bind(id).execute(&mut *tx).await?;
    let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(deleted > 0)
}

/// Queues one event for every webhook of the project (or of all projects).
pub async fn enqueue(pool: &AnyPool, project_id: i64, event: &str, payload: &str, now_ms: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event, payload, next_attempt_ms) \
         SELECT id, $2, $3, $4 FROM webhooks WHERE project_id IS NULL OR project_id = $1",
    )
    .bind(project_id)
    .bind(event)
    .bind(payload)
    .bind(now_ms)
    .execute(pool)
    .await?
    .rows_affected())
}

/// A delivery that is due, with where it goes.
#[derive(Debug, Clone, FromRow)]
pub struct DueDelivery {
    pub id: i64,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
}

pub async fn due(pool: &AnyPool, now_ms: i64, limit: i64) -> sqlx::Result<Vec<DueDelivery>> {
    sqlx::query_as(
        "SELECT d.id, d.event, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d \
         JOIN webhooks w ON w.id = d.webhook_id \
         WHERE d.delivered_ms IS NULL AND d.gave_up = 0 AND d.next_attempt_ms <= $1 \
         ORDER BY d.next_attempt_ms, d.id LIMIT $2",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn delivered(pool: &AnyPool, id: i64, now_ms: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET delivered_ms = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1",
    )
    .bind(id)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed attempt: try again at `next_attempt_ms`, or give up when it is `None`.
pub async fn failed(pool: &AnyPool, id: i64, error: &str, next_attempt_ms: Option<i64>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2, \
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

/// Where the soonest pending delivery is due, if any.
pub async fn next_due(pool: &AnyPool) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(next_attempt_ms) FROM webhook_deliveries WHERE delivered_ms IS NULL AND gave_up = 0")
        .fetch_one(pool)
        .await
}
