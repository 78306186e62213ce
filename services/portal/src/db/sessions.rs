//! The `sessions` table: browser logins and tokens from the login API.

use sqlx::{AnyPool, FromRow};

use super::users::{JOINED_COLUMNS, TokenUser};

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_agent: String,
    pub client_ip: String,
}

pub async fn insert(pool: &AnyPool, session: &SessionRow) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, client_ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&session.id)
    .bind(&session.token_hash)
    .bind(session.user_id)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .bind(&session.user_agent)
    .bind(&session.client_ip)
    .execute(pool)
    .await?;
    Ok(())
}

/// The enabled user behind an unexpired session token.
pub async fn user_for_token(pool: &AnyPool, token_hash: &str, now: i64) -> sqlx::Result<Option<TokenUser>> {
    sqlx::query_as(&format!(
        "SELECT {JOINED_COLUMNS}, s.last_seen_at AS last_used_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Records activity.
pub async fn touch(pool: &AnyPool, token_hash: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn list_for_user(pool: &AnyPool, user_id: i64, now: i64) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "SELECT id, token_hash, user_id, created_at, last_seen_at, expires_at, user_agent, client_ip \
         FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(pool)
    .await
}

pub async fn delete_by_token(pool: &AnyPool, token_hash: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
    Ok(result.rows_affected() > 0)
}

/// Deletes one of a user's sessions; false when it is not theirs or does not exist.
pub async fn delete_for_user(pool: &AnyPool, user_id: i64, id: &str) -> sqlx::Result<bool> {
    let result =
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id = $2").bind(user_id).bind(id).execute(pool).await?;
    Ok(result.rows_affected() > 0)
}

/// Ends every session of the user but the one whose token hashes to `keep_hash`; how many.
pub async fn delete_others(pool: &AnyPool, user_id: i64, keep_hash: &str) -> sqlx::Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_hash)
        .execute(pool)
        .await?;
    Ok(result.rows_affected())
}

/// How many live sessions the user has.
pub async fn count_for_user(pool: &AnyPool, user_id: i64, now: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND expires_at > $2")
        .bind(user_id)
        .bind(now)
        .fetch_one(pool)
        .await
}

/// Deletes the sessions that have expired; how many.
pub async fn delete_expired(pool: &AnyPool, now: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected())
}
