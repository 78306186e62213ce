//! The `drafts` table: what someone typed into a form with a file that was refused, kept
//! across the redirect that answers it, until the page it leads to shows it again.

use hearth_shared::db::begin_write;
use sqlx::AnyPool;

/// Drafts older than this are never shown again; each new one removes them.
const KEPT_SECS: i64 = 24 * 3600;

/// Keeps `fields` (JSON) as `owner_id`'s draft of the form `place`, replacing an older one.
pub async fn keep(pool: &AnyPool, owner_id: i64, place: &str, fields: &str, now: i64) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query("DELETE FROM drafts WHERE saved_at < $1").bind(now - KEPT_SECS).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO drafts (owner_id, place, fields, saved_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (owner_id, place) DO UPDATE SET fields = $3, saved_at = $4",
    )
    .bind(owner_id)
    .bind(place)
    .bind(fields)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Takes (reads and removes) `owner_id`'s draft of `place`, if one was kept lately.
pub async fn take(pool: &AnyPool, owner_id: i64, place: &str, now: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("DELETE FROM drafts WHERE owner_id = $1 AND place = $2 AND saved_at >= $3 RETURNING fields")
        .bind(owner_id)
        .bind(place)
        .bind(now - KEPT_SECS)
        .fetch_optional(pool)
        .await
}
