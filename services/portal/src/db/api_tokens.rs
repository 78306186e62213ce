//! The `api_tokens` table: personal tokens for scripts, sent as `Authorization: Bearer`.

use sqlx::{AnyPool, FromRow};

use super::users::{JOINED_COLUMNS, TokenUser};

#[derive(Debug, Clone, FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub async fn insert(pool: &AnyPool, token: &ApiTokenRow, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&token.id)
        .bind(token.user_id)
        .bind(&token.name)
        .bind(token_hash)
        .bind(token.created_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// The enabled user who owns a token.
pub async fn user_for_token(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<TokenUser>> {
    sqlx::query_as(&format!(
        "SELECT {JOINED_COLUMNS}, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.disabled_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

/// Records use.
pub async fn touch(pool: &AnyPool, token_hash: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn list_for_user(pool: &AnyPool, user_id: i64) -> sqlx::Result<Vec<ApiTokenRow>> {
    sqlx::query_as(
        "SELECT id, user_id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// Revokes one of a user's tokens; false when it is not theirs or does not exist.
pub async fn delete_for_user(pool: &AnyPool, user_id: i64, id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// How many API tokens the user has.
pub async fn count_for_user(pool: &AnyPool, user_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1").bind(user_id).fetch_one(pool).await
}
