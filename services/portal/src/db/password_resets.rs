//! The `password_resets` table: one-time links an admin makes for a member who forgot their
//! password (ADR 0054).

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct PasswordResetRow {
    pub id: String,
    pub user_id: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, created_by, created_at, expires_at, used_at";

/// Stores a new link for the account, replacing any unused one: only the newest link works.
pub async fn replace(pool: &AnyPool, reset: &PasswordResetRow, token_hash: &str) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
        .bind(reset.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (id, token_hash, user_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&reset.id)
    .bind(token_hash)
    .bind(reset.user_id)
    .bind(reset.created_by)
    .bind(reset.created_at)
    .bind(reset.expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn by_token(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<PasswordResetRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM password_resets WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(pool)
        .await
}

/// Uses the link: sets the account's new password and ends every session and API token of
/// the account, in one transaction. False when the link was used first by someone else.
pub async fn redeem(pool: &AnyPool, reset: &PasswordResetRow, password_hash: &str, now: i64) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let claimed = sqlx::query("UPDATE password_resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(&reset.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    if claimed.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(reset.user_id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    super::users::end_sessions_and_tokens(&mut tx, reset.user_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// Links not yet used and not expired, newest first.
pub async fn list_open(pool: &AnyPool, now: i64) -> sqlx::Result<Vec<PasswordResetRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM password_resets WHERE used_at IS NULL AND expires_at > $1 ORDER BY created_at DESC"
    ))
    .bind(now)
    .fetch_all(pool)
    .await
}

/// Withdraws an unused link; false when there is none with that id.
pub async fn delete_open(pool: &AnyPool, id: &str) -> sqlx::Result<bool> {
    let result =
        sqlx::query("DELETE FROM password_resets WHERE id = $1 AND used_at IS NULL").bind(id).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}
