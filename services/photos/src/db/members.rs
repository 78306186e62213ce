//! What photos holds of one member, and handing it over when their account is deleted
//! (ADR 0053): one query to count, one transaction to hand over.

use serde::Serialize;
use sqlx::{AnyPool, FromRow};
use utoipa::ToSchema;

/// What is the member's, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, FromRow, Serialize, ToSchema)]
pub struct MemberHoldings {
    /// Items the family sees (not in the trash): they stay, the admin's now.
    pub family_items: i64,
    /// Private items and everything in their trash: deleted.
    pub private_items: i64,
    /// Albums the family sees: they stay, the admin's now.
    pub family_albums: i64,
    /// Private albums: deleted.
    pub private_albums: i64,
    /// Share links guests can still open: they stop.
    pub live_links: i64,
}

pub async fn holdings(pool: &AnyPool, member_id: i64, now: i64) -> sqlx::Result<MemberHoldings> {
    sqlx::query_as(
        "SELECT \
         (SELECT COUNT(*) FROM items WHERE owner_id = $1 AND visibility = 'family' AND deleted_at IS NULL) \
           AS family_items, \
         (SELECT COUNT(*) FROM items WHERE owner_id = $1 AND (visibility <> 'family' OR deleted_at IS NOT NULL)) \
           AS private_items, \
         (SELECT COUNT(*) FROM albums WHERE owner_id = $1 AND visibility = 'family') AS family_albums, \
         (SELECT COUNT(*) FROM albums WHERE owner_id = $1 AND visibility <> 'family') AS private_albums, \
         (SELECT COUNT(*) FROM shares WHERE owner_id = $1 AND revoked_at IS NULL \
           AND (expires_at IS NULL OR expires_at > $2)) AS live_links",
    )
    .bind(member_id)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Hands the member's photos over to `admin_id`, in one transaction: their share links go;
/// their private and trashed items go; of the items the family sees, those the admin already
/// has (the same bytes) give way to the admin's copy, which the family then sees in the same
/// albums, and the rest become the admin's; private albums go, family albums become the
/// admin's. Returns the hashes of the deleted items, whose bytes may now be unused.
pub async fn hand_over(pool: &AnyPool, member_id: i64, admin_id: i64) -> sqlx::Result<Vec<String>> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM shares WHERE owner_id = $1").bind(member_id).execute(&mut *tx).await?;
    let mut deleted: Vec<String> = sqlx::query_scalar(
        "DELETE FROM items WHERE owner_id = $1 AND (visibility <> 'family' OR deleted_at IS NOT NULL) RETURNING sha256",
    )
    .bind(member_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE items SET visibility = 'family', deleted_at = NULL \
         WHERE owner_id = $2 AND sha256 IN (SELECT sha256 FROM items WHERE owner_id = $1)",
    )
    .bind(member_id)
    .bind(admin_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO album_items (album_id, item_id, position, added_at) \
         SELECT entry.album_id, kept.id, entry.position, entry.added_at \
         FROM album_items entry \
         JOIN items theirs ON theirs.id = entry.item_id \
         JOIN items kept ON kept.owner_id = $2 AND kept.sha256 = theirs.sha256 \
         WHERE theirs.owner_id = $1 \
         ON CONFLICT (album_id, item_id) DO NOTHING",
    )
    .bind(member_id)
    .bind(admin_id)
    .execute(&mut *tx)
    .await?;
    let duplicates: Vec<String> = sqlx::query_scalar(
        "DELETE FROM items WHERE owner_id = $1 AND sha256 IN (SELECT sha256 FROM items WHERE owner_id = $2) \
         RETURNING sha256",
    )
    .bind(member_id)
    .bind(admin_id)
    .fetch_all(&mut *tx)
    .await?;
    deleted.extend(duplicates);
    sqlx::query("UPDATE items SET owner_id = $2 WHERE owner_id = $1")
        .bind(member_id)
        .bind(admin_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM albums WHERE owner_id = $1 AND visibility <> 'family'")
        .bind(member_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE albums SET owner_id = $2 WHERE owner_id = $1")
        .bind(member_id)
        .bind(admin_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(deleted)
}
