//! The `shares` table: links that let a guest see one album or one item.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ShareRow {
    pub id: String,
    pub owner_id: i64,
    pub album_id: Option<i64>,
    pub item_id: Option<i64>,
    pub password_hash: Option<String>,
    pub show_location: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The sharer's name when the link was made, for its guests to read.
    pub owner_name: Option<String>,
}

const COLUMNS: &str =
    "id, owner_id, album_id, item_id, password_hash, show_location, created_at, expires_at, revoked_at, owner_name";

pub async fn insert(pool: &AnyPool, share: &ShareRow, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO shares (id, token_hash, owner_id, album_id, item_id, password_hash, show_location, created_at, \
         expires_at, owner_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&share.id)
    .bind(token_hash)
    .bind(share.owner_id)
    .bind(share.album_id)
    .bind(share.item_id)
    .bind(&share.password_hash)
    .bind(share.show_location)
    .bind(share.created_at)
    .bind(share.expires_at)
    .bind(&share.owner_name)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn by_token(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<ShareRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM shares WHERE token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(pool)
        .await
}

/// The owner's links that still work or have not been revoked, newest first.
pub async fn by_owner(
    pool: &AnyPool,
    owner_id: i64,
    after: Option<(i64, &str)>,
    limit: i64,
) -> sqlx::Result<Vec<ShareRow>> {
    let (created_at, id) = after.unwrap_or((i64::MAX, ""));
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM shares WHERE owner_id = $1 AND revoked_at IS NULL \
         AND (created_at < $2 OR (created_at = $2 AND id > $3)) ORDER BY created_at DESC, id LIMIT $4"
    ))
    .bind(owner_id)
    .bind(created_at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn for_album(pool: &AnyPool, owner_id: i64, album_id: i64) -> sqlx::Result<Vec<ShareRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM shares WHERE owner_id = $1 AND album_id = $2 AND revoked_at IS NULL ORDER BY created_at DESC, id"
    ))
    .bind(owner_id)
    .bind(album_id)
    .fetch_all(pool)
    .await
}

/// Revokes one of the owner's links; false when there is none.
pub async fn revoke(pool: &AnyPool, owner_id: i64, id: &str, now: i64) -> sqlx::Result<bool> {
    let result =
        sqlx::query("UPDATE shares SET revoked_at = $3 WHERE owner_id = $1 AND id = $2 AND revoked_at IS NULL")
            .bind(owner_id)
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
    Ok(result.rows_affected() == 1)
}
