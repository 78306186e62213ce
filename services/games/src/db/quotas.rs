//! The `quotas` table, and what a member's servers hold against it.

use sqlx::AnyPool;

/// (max running servers, max total memory in MiB) set for `user_id`, if any.
pub async fn of(pool: &AnyPool, user_id: i64) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as("SELECT max_running, max_memory_mb FROM quotas WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await
}

pub async fn set(pool: &AnyPool, user_id: i64, max_running: i64, max_memory_mb: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO quotas (user_id, max_running, max_memory_mb, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id) DO UPDATE SET max_running = $2, max_memory_mb = $3, updated_at = $4",
    )
    .bind(user_id)
    .bind(max_running)
    .bind(max_memory_mb)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// How many of the owner's servers should run (a crashed one does not count), and their
/// memory, leaving out `except`.
pub async fn in_use(pool: &AnyPool, owner_id: i64, except: i64) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(memory_mb), 0) AS BIGINT) FROM servers \
         WHERE owner_id = $1 AND desired = 'running' AND state <> 'crashed' AND id <> $2",
    )
    .bind(owner_id)
    .bind(except)
    .fetch_one(pool)
    .await
}
