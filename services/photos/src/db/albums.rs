//! The `albums` and `album_items` tables.

use hearth_shared::db::begin_write;
use sqlx::{AnyPool, FromRow};

use super::items::{self, ItemRow};
use crate::domain::search;

#[derive(Debug, Clone, FromRow)]
pub struct AlbumRow {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub visibility: String,
    pub cover_item_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Items in the album that the viewer (`$1` of the query) sees, none from the trash.
    pub item_count: i64,
}

/// The columns of [`AlbumRow`], for the viewer `$1`.
fn columns() -> String {
    format!(
        "a.id, a.owner_id, a.name, a.visibility, a.cover_item_id, a.created_at, a.updated_at, \
         (SELECT COUNT(*) FROM album_items JOIN items ON items.id = album_items.item_id \
         WHERE album_items.album_id = a.id AND {} AND items.deleted_at IS NULL) AS item_count",
        items::MEMBER_SEES
    )
}

pub async fn insert(pool: &AnyPool, owner_id: i64, name: &str, visibility: &str, now: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO albums (owner_id, name, visibility, created_at, updated_at, name_key) \
         VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
    )
    .bind(owner_id)
    .bind(name)
    .bind(visibility)
    .bind(now)
    .bind(search::key(name))
    .fetch_one(pool)
    .await
}

/// The album, whoever may see it, with the items `viewer_id` sees counted.
pub async fn by_id(pool: &AnyPool, viewer_id: i64, id: i64) -> sqlx::Result<Option<AlbumRow>> {
    sqlx::query_as(&format!("SELECT {} FROM albums a WHERE a.id = $2", columns()))
        .bind(viewer_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Albums the user sees (their own and the family's), most recently changed first.
pub async fn visible_to(
    pool: &AnyPool,
    user_id: i64,
    after: Option<(i64, i64)>,
    limit: i64,
) -> sqlx::Result<Vec<AlbumRow>> {
    let (updated_at, id) = after.unwrap_or((i64::MAX, i64::MAX));
    sqlx::query_as(&format!(
        "SELECT {} FROM albums a WHERE (a.owner_id = $1 OR a.visibility = 'family') \
         AND (a.updated_at < $2 OR (a.updated_at = $2 AND a.id < $3)) ORDER BY a.updated_at DESC, a.id DESC LIMIT $4",
        columns()
    ))
    .bind(user_id)
    .bind(updated_at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn owned_by(pool: &AnyPool, user_id: i64) -> sqlx::Result<Vec<AlbumRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM albums a WHERE a.owner_id = $1 ORDER BY a.updated_at DESC, a.id DESC",
        columns()
    ))
    .bind(user_id)
    .fetch_all(pool)
    .await
}

pub async fn update(
    pool: &AnyPool,
    id: i64,
    name: &str,
    visibility: &str,
    cover_item_id: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE albums SET name = $2, visibility = $3, cover_item_id = $4, updated_at = $5, name_key = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .bind(visibility)
    .bind(cover_item_id)
    .bind(now)
    .bind(search::key(name))
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn delete(pool: &AnyPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM albums WHERE id = $1").bind(id).execute(pool).await?;
    Ok(())
}

/// Appends items (those not already in the album) in the given order.
pub async fn add_items(pool: &AnyPool, album_id: i64, item_ids: &[i64], now: i64) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM album_items WHERE album_id = $1")
        .bind(album_id)
        .fetch_one(&mut *tx)
        .await?;
    let mut position = last.unwrap_or(0);
    for item_id in item_ids {
        let present = sqlx::query("SELECT item_id FROM album_items WHERE album_id = $1 AND item_id = $2")
            .bind(album_id)
            .bind(item_id)
            .fetch_optional(&mut *tx)
            .await?;
        if present.is_none() {
            position += 1;
            sqlx::query("INSERT INTO album_items (album_id, item_id, position, added_at) VALUES ($1, $2, $3, $4)")
                .bind(album_id)
                .bind(item_id)
                .bind(position)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query("UPDATE albums SET updated_at = $2 WHERE id = $1").bind(album_id).bind(now).execute(&mut *tx).await?;
    tx.commit().await
}

pub async fn remove_item(pool: &AnyPool, album_id: i64, item_id: i64) -> sqlx::Result<bool> {
    let result = sqlx::query("DELETE FROM album_items WHERE album_id = $1 AND item_id = $2")
        .bind(album_id)
        .bind(item_id)
        .execute(pool)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Sets the order: `item_ids` first, in that order, then any others as they were.
/// The ids of an album's items (the trashed ones too), in order.
const ITEM_ORDER: &str = "SELECT item_id FROM album_items WHERE album_id = $1 ORDER BY position, item_id";

pub async fn item_order(pool: &AnyPool, album_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(ITEM_ORDER).bind(album_id).fetch_all(pool).await
}

pub async fn reorder(pool: &AnyPool, album_id: i64, item_ids: &[i64]) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    let current: Vec<i64> = sqlx::query_scalar(ITEM_ORDER).bind(album_id).fetch_all(&mut *tx).await?;
    let ordered =
        item_ids.iter().filter(|id| current.contains(id)).chain(current.iter().filter(|id| !item_ids.contains(id)));
    for (position, item_id) in (1_i64..).zip(ordered) {
        sqlx::query("UPDATE album_items SET position = $3 WHERE album_id = $1 AND item_id = $2")
            .bind(album_id)
            .bind(item_id)
            .bind(position)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// The album's items in order that the member sees ([`items::MEMBER_SEES`]), none from the
/// trash.
pub async fn items(pool: &AnyPool, album_id: i64, viewer_id: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM album_items JOIN items ON items.id = album_items.item_id \
         WHERE {} AND items.deleted_at IS NULL AND album_items.album_id = $2 ORDER BY album_items.position, items.id",
        items::COLUMNS,
        items::MEMBER_SEES,
    ))
    .bind(viewer_id)
    .bind(album_id)
    .fetch_all(pool)
    .await
}

/// The album's items in order that a guest of a share link sees ([`items::GUEST_SEES`]).
pub async fn items_seen_by_guests(pool: &AnyPool, album_id: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM album_items JOIN items ON items.id = album_items.item_id \
         WHERE {} AND album_items.album_id = $1 ORDER BY album_items.position, items.id",
        items::COLUMNS,
        items::GUEST_SEES,
    ))
    .bind(album_id)
    .fetch_all(pool)
    .await
}

/// One of the album's items, if a guest of a share link sees it ([`items::GUEST_SEES`]).
pub async fn item_seen_by_guests(pool: &AnyPool, album_id: i64, item_id: i64) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(&format!(
        "SELECT {} FROM album_items JOIN items ON items.id = album_items.item_id \
         WHERE {} AND album_items.album_id = $1 AND items.id = $2",
        items::COLUMNS,
        items::GUEST_SEES,
    ))
    .bind(album_id)
    .bind(item_id)
    .fetch_optional(pool)
    .await
}

pub async fn contains(pool: &AnyPool, album_id: i64, item_id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT item_id FROM album_items WHERE album_id = $1 AND item_id = $2")
        .bind(album_id)
        .bind(item_id)
        .fetch_optional(pool)
        .await?
        .is_some())
}
