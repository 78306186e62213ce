//! The `invites` table: one-time links that let a family member pick a password.

use sqlx::{Any, AnyPool, Executor, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct InviteRow {
    pub id: String,
    pub role: String,
    pub created_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_by: Option<i64>,
}

const COLUMNS: &str = "id, role, created_by, created_at, expires_at, used_at, used_by";

pub async fn insert(pool: &AnyPool, invite: &InviteRow, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO invites (id, token_hash, role, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&invite.id)
    .bind(token_hash)
    .bind(&invite.role)
    .bind(invite.created_by)
    .bind(invite.created_at)
    .bind(invite.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn by_token(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<InviteRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM invites WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(pool)
        .await
}

/// Marks an invite used; false when someone used it first.
pub async fn mark_used<'e>(
    executor: impl Executor<'e, Database = Any>,
    id: &str,
    user_id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let result = sqlx::query("UPDATE invites SET used_at = $3, used_by = $2 WHERE id = $1 AND used_at IS NULL")
        .bind(id)
        .bind(user_id)
        .bind(now)
        .execute(executor)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Invites not yet used and not expired, newest first.
pub async fn list_open(pool: &AnyPool, now: i64) -> sqlx::Result<Vec<InviteRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invites WHERE used_at IS NULL AND expires_at > $1 ORDER BY created_at DESC"
    ))
    .bind(now)
    .fetch_all(pool)
    .await
}

/// Withdraws an unused invite; false when there is none with that id.
pub async fn delete_open(pool: &AnyPool, id: &str) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM invites WHERE id = $1 AND used_at IS NULL").bind(id).execute(pool).await?;
    Ok(result.rows_affected() == 1)
}
