//! The `items` table, and the one rule of who sees an item ([`MEMBER_SEES`], [`GUEST_SEES`]),
//! which every query that shows items to someone applies: pages, the API, files, albums,
//! search, share links and zips.

use hearth_shared::db::{Backend, begin_write};
use sqlx::{AnyPool, FromRow};

use crate::domain::search::{SearchQuery, contains_pattern};

#[derive(Debug, Clone, FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub owner_id: i64,
    pub sha256: String,
    pub size: i64,
    pub file_name: String,
    pub content_type: String,
    pub kind: String,
    pub visibility: String,
    pub uploaded_at: i64,
    pub taken_at: Option<i64>,
    pub sort_at: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub gps_lat: Option<f64>,
    pub gps_lon: Option<f64>,
    pub preview: String,
    pub preview_error: Option<String>,
    pub deleted_at: Option<i64>,
    /// The camera clock's offset from UTC, in minutes, when the EXIF said.
    pub taken_offset_minutes: Option<i64>,
    pub exposure_time: Option<String>,
    pub f_number_hundredths: Option<i64>,
    pub iso: Option<i64>,
    pub focal_length_hundredths: Option<i64>,
    pub focal_length_35mm: Option<i64>,
}

/// The columns of [`ItemRow`]; none clashes with `album_items`', so joins need no prefix.
pub(super) const COLUMNS: &str = "id, owner_id, sha256, size, file_name, content_type, kind, visibility, \
    uploaded_at, taken_at, sort_at, width, height, camera, lens, gps_lat, gps_lon, preview, preview_error, deleted_at, \
    taken_offset_minutes, exposure_time, f_number_hundredths, iso, focal_length_hundredths, focal_length_35mm";

/// Which way from a place in a list of items, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Towards {
    /// Later in the list: taken earlier.
    Older,
    /// Earlier in the list: taken later, nearest first.
    Newer,
}

impl Towards {
    /// The condition on `(sort_at, id)` against `$a`, `$b`, and the order, for this direction.
    fn clauses(self, a: usize, b: usize) -> (String, &'static str) {
        match self {
            Self::Older => {
                (format!("(sort_at < ${a} OR (sort_at = ${a} AND id < ${b}))"), "ORDER BY sort_at DESC, id DESC")
            }
            Self::Newer => {
                (format!("(sort_at > ${a} OR (sort_at = ${a} AND id > ${b}))"), "ORDER BY sort_at ASC, id ASC")
            }
        }
    }

    /// Where a list starts when no place is given.
    fn start(self) -> (i64, i64) {
        match self {
            Self::Older => (i64::MAX, i64::MAX),
            Self::Newer => (i64::MIN, i64::MIN),
        }
    }
}

/// What the member `$1` sees: their own items (those in their trash too, to restore them), and
/// anyone else's only while it is shared with the family and not in the trash.
pub(super) const MEMBER_SEES: &str =
    "(items.owner_id = $1 OR (items.visibility = 'family' AND items.deleted_at IS NULL))";

/// What a guest of a share link sees of what the link points at: what the family sees, never
/// an item that is private (even the sharer's own) or in the trash. A link never widens who
/// sees an item; making it private or trashing it stops every link at once.
pub(super) const GUEST_SEES: &str = "(items.visibility = 'family' AND items.deleted_at IS NULL)";

/// A new item's fields.
pub struct NewItem<'a> {
    pub owner_id: i64,
    pub sha256: &'a str,
    pub size: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub kind: &'a str,
    pub visibility: &'a str,
    pub now: i64,
    pub text_content: Option<&'a str>,
    /// Lowercased file name and text, for search.
    pub search_text: &'a str,
}

/// Inserts an item and returns it, or `None` when the owner already has these bytes.
pub async fn insert(pool: &AnyPool, item: &NewItem<'_>) -> sqlx::Result<Option<ItemRow>> {
    let result = sqlx::query_as(&format!(
        "INSERT INTO items (owner_id, sha256, size, file_name, content_type, kind, visibility, uploaded_at, sort_at, \
         preview, text_content, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 'pending', $9, $10) \
         RETURNING {COLUMNS}"
    ))
    .bind(item.owner_id)
    .bind(item.sha256)
    .bind(item.size)
    .bind(item.file_name)
    .bind(item.content_type)
    .bind(item.kind)
    .bind(item.visibility)
    .bind(item.now)
    .bind(item.text_content)
    .bind(item.search_text)
    .fetch_one(pool)
    .await;
    match result {
        Ok(row) => Ok(Some(row)),
        Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn by_owner_and_hash(pool: &AnyPool, owner_id: i64, sha256: &str) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM items WHERE owner_id = $1 AND sha256 = $2"))
        .bind(owner_id)
        .bind(sha256)
        .fetch_optional(pool)
        .await
}

/// Any item, whoever may see it: for the use cases' own bookkeeping, never to show.
pub async fn by_id(pool: &AnyPool, id: i64) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM items WHERE id = $1")).bind(id).fetch_optional(pool).await
}

/// The item, if the member sees it ([`MEMBER_SEES`]).
pub async fn seen_by(pool: &AnyPool, viewer_id: i64, id: i64) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM items WHERE {MEMBER_SEES} AND items.id = $2"))
        .bind(viewer_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The item a share link points at, if its guests see it ([`GUEST_SEES`]).
pub async fn seen_by_guests(pool: &AnyPool, id: i64) -> sqlx::Result<Option<ItemRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM items WHERE {GUEST_SEES} AND items.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// Items of the timeline a user sees from the place `(sort_at, id)` (not included), the
/// nearest first: a page after a cursor ([`Towards::Older`]), or the items shown before one
/// ([`Towards::Newer`]).
pub async fn timeline(
    pool: &AnyPool,
    user_id: i64,
    from: Option<(i64, i64)>,
    towards: Towards,
    limit: i64,
) -> sqlx::Result<Vec<ItemRow>> {
    let (sort_at, id) = from.unwrap_or(towards.start());
    let (place, order) = towards.clauses(2, 3);
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM items WHERE {MEMBER_SEES} AND deleted_at IS NULL AND {place} {order} LIMIT $4"
    ))
    .bind(user_id)
    .bind(sort_at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The user's own items in the trash, most recently deleted first.
pub async fn trash(pool: &AnyPool, user_id: i64, after: Option<(i64, i64)>, limit: i64) -> sqlx::Result<Vec<ItemRow>> {
    let (deleted_at, id) = after.unwrap_or((i64::MAX, i64::MAX));
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM items WHERE owner_id = $1 AND deleted_at IS NOT NULL \
         AND (deleted_at < $2 OR (deleted_at = $2 AND id < $3)) ORDER BY deleted_at DESC, id DESC LIMIT $4"
    ))
    .bind(user_id)
    .bind(deleted_at)
    .bind(id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Gives back an item to its owner who uploaded its bytes again: out of the trash, with the
/// visibility it keeps.
pub async fn upload_again(pool: &AnyPool, id: i64, visibility: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET deleted_at = NULL, visibility = $2 WHERE id = $1")
        .bind(id)
        .bind(visibility)
        .execute(pool)
        .await?;
    Ok(())
}

/// Moves an item to the trash (`Some(now)`) or back out of it (`None`).
pub async fn set_deleted(pool: &AnyPool, id: i64, deleted_at: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET deleted_at = $2 WHERE id = $1").bind(id).bind(deleted_at).execute(pool).await?;
    Ok(())
}

pub async fn set_visibility(pool: &AnyPool, id: i64, visibility: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET visibility = $2 WHERE id = $1").bind(id).bind(visibility).execute(pool).await?;
    Ok(())
}

/// Ids of items waiting for the preview worker (at start-up: work left from before).
pub async fn pending_previews(pool: &AnyPool) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM items WHERE preview = 'pending' ORDER BY id").fetch_all(pool).await
}

/// What the preview worker learned about a photo.
pub struct PhotoFacts<'a> {
    /// Lowercased file name, camera and lens, for search.
    pub search_text: &'a str,
    pub camera_key: &'a str,
    pub width: i64,
    pub height: i64,
    pub taken_at: Option<i64>,
    pub taken_offset_minutes: Option<i64>,
    pub camera: Option<&'a str>,
    pub lens: Option<&'a str>,
    pub gps: Option<(f64, f64)>,
    pub exposure: &'a crate::media::Exposure,
}

pub async fn set_photo_facts(pool: &AnyPool, id: i64, facts: &PhotoFacts<'_>) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query(
        "UPDATE items SET width = $2, height = $3, taken_at = $4, sort_at = COALESCE($4, uploaded_at), camera = $5, \
         lens = $6, search_text = $7, camera_key = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(facts.width)
    .bind(facts.height)
    .bind(facts.taken_at)
    .bind(facts.camera)
    .bind(facts.lens)
    .bind(facts.search_text)
    .bind(facts.camera_key)
    .execute(&mut *tx)
    .await?;
    let exposure = facts.exposure;
    sqlx::query(
        "UPDATE items SET taken_offset_minutes = $2, exposure_time = $3, f_number_hundredths = $4, iso = $5, \
         focal_length_hundredths = $6, focal_length_35mm = $7 WHERE id = $1",
    )
    .bind(id)
    .bind(facts.taken_offset_minutes)
    .bind(exposure.exposure_time.as_deref())
    .bind(exposure.f_number_hundredths.map(i64::from))
    .bind(exposure.iso.map(i64::from))
    .bind(exposure.focal_length_hundredths.map(i64::from))
    .bind(exposure.focal_length_35mm.map(i64::from))
    .execute(&mut *tx)
    .await?;
    // A statement of its own, never bound to NULL: PostgreSQL keeps the parameter types of a
    // statement's first use on a connection, and a NULL first then a float failed with
    // "incorrect binary data format in bind parameter".
    let location = match facts.gps {
        Some((lat, lon)) => {
            sqlx::query("UPDATE items SET gps_lat = $2, gps_lon = $3 WHERE id = $1").bind(id).bind(lat).bind(lon)
        }
        None => sqlx::query("UPDATE items SET gps_lat = NULL, gps_lon = NULL WHERE id = $1").bind(id),
    };
    location.execute(&mut *tx).await?;
    tx.commit().await
}

/// Records the preview outcome: `ready`, `pending` (to be made, with a reason when an attempt
/// failed) or `none` with a reason.
pub async fn set_preview(pool: &AnyPool, id: i64, preview: &str, error: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET preview = $2, preview_error = $3 WHERE id = $1")
        .bind(id)
        .bind(preview)
        .bind(error)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes items that have been in the trash since before `cutoff`; returns their hashes.
pub async fn purge_trashed_before(pool: &AnyPool, cutoff: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("DELETE FROM items WHERE deleted_at IS NOT NULL AND deleted_at < $1 RETURNING sha256")
        .bind(cutoff)
        .fetch_all(pool)
        .await
}

/// Deletes one item; returns its hash.
pub async fn delete(pool: &AnyPool, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("DELETE FROM items WHERE id = $1 RETURNING sha256").bind(id).fetch_optional(pool).await
}

/// Whether any item still uses the blob.
pub async fn blob_in_use(pool: &AnyPool, sha256: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query("SELECT id FROM items WHERE sha256 = $1 LIMIT 1").bind(sha256).fetch_optional(pool).await?.is_some())
}

/// Items the user sees that match every part of the query, from the place `(sort_at, id)`
/// (not included) in the direction asked, the nearest first.
pub async fn search(
    pool: &AnyPool,
    user_id: i64,
    query: &SearchQuery,
    from: Option<(i64, i64)>,
    towards: Towards,
    limit: i64,
) -> sqlx::Result<Vec<ItemRow>> {
    enum Value {
        Text(String),
        Int(i64),
    }
    let (sort_at, id) = from.unwrap_or(towards.start());
    let mut values = vec![Value::Int(user_id), Value::Int(sort_at), Value::Int(id)];
    let (place, order) = towards.clauses(2, 3);
    let mut sql = format!("SELECT {COLUMNS} FROM items WHERE {MEMBER_SEES} AND deleted_at IS NULL AND {place}");
    let mut push = |condition: &str, value: Value| {
        values.push(value);
        sql.push_str(&condition.replace('#', &format!("${}", values.len())));
    };
    for word in &query.words {
        push(" AND search_text LIKE # ESCAPE '\\'", Value::Text(contains_pattern(word)));
    }
    if let Some(camera) = &query.camera {
        push(" AND camera_key LIKE # ESCAPE '\\'", Value::Text(contains_pattern(camera)));
    }
    if let Some(album) = &query.album {
        push(
            " AND EXISTS (SELECT 1 FROM album_items ai JOIN albums a ON a.id = ai.album_id WHERE ai.item_id = items.id \
             AND (a.owner_id = $1 OR a.visibility = 'family') AND a.name_key LIKE # ESCAPE '\\')",
            Value::Text(contains_pattern(album)),
        );
    }
    if let Some(from) = query.from {
        push(" AND sort_at >= #", Value::Int(from));
    }
    if let Some(to) = query.to {
        push(" AND sort_at <= #", Value::Int(to));
    }
    push(&format!(" {order} LIMIT #"), Value::Int(limit));
    let mut statement = sqlx::query_as(&sql);
    for value in values {
        statement = match value {
            Value::Text(text) => statement.bind(text),
            Value::Int(number) => statement.bind(number),
        };
    }
    statement.fetch_all(pool).await
}

/// The first `chars` characters of a document's text, if it has any.
pub async fn text_excerpt(pool: &AnyPool, id: i64, chars: i64) -> sqlx::Result<Option<String>> {
    let excerpt: Option<Option<String>> =
        sqlx::query_scalar("SELECT substr(text_content, 1, CAST($2 AS INTEGER)) FROM items WHERE id = $1")
            .bind(id)
            .bind(chars)
            .fetch_optional(pool)
            .await?;
    Ok(excerpt.flatten().filter(|text| !text.trim().is_empty()))
}

/// Stores a document's extracted text and the search key made from it.
pub async fn set_text(pool: &AnyPool, id: i64, text: &str, search_text: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET text_content = $2, search_text = $3 WHERE id = $1")
        .bind(id)
        .bind(text)
        .bind(search_text)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records the size of what an item's preview shows when it is not a photo (a document's
/// first page), so that the grid gives it its shape.
pub async fn set_dimensions(pool: &AnyPool, id: i64, width: i64, height: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET width = $2, height = $3 WHERE id = $1")
        .bind(id)
        .bind(width)
        .bind(height)
        .execute(pool)
        .await?;
    Ok(())
}

/// Characters of a document's text shown around a word found in it.
pub const SNIPPET_CHARS: i64 = 240;
/// Of those, how many come before the word.
const SNIPPET_BEFORE: i64 = 80;

/// The part of a document's text around the first place where `word` (lowercase) appears,
/// or its beginning when it does not (the word was in its name), and whether it starts past
/// the text's beginning. The place is found in the text as the database lowercases it: for
/// letters it lowercases differently from Rust (ADR 0009, non-ASCII on SQLite), the snippet is
/// the text's beginning.
pub async fn text_around(
    pool: &AnyPool,
    backend: Backend,
    id: i64,
    word: &str,
) -> sqlx::Result<Option<(bool, String)>> {
    let position = match backend {
        Backend::Sqlite => "instr(lower(text_content), $2)",
        Backend::Postgres => "strpos(lower(text_content), $2)",
    };
    let start = format!("CASE WHEN {position} > {SNIPPET_BEFORE} THEN {position} - {SNIPPET_BEFORE} ELSE 1 END");
    let row: Option<(i64, Option<String>)> = sqlx::query_as(&format!(
        "SELECT {start}, substr(text_content, {start}, {SNIPPET_CHARS}) FROM items WHERE id = $1"
    ))
    .bind(id)
    .bind(word)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(start, text)| Some((start > 1, text?))).filter(|(_, text)| !text.trim().is_empty()))
}

/// Counts an attempt at reading an item's file, before the read starts (so that a read cut
/// short by the service stopping counts too); returns the attempts so far.
pub async fn count_preview_attempt(pool: &AnyPool, id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE items SET preview_attempts = preview_attempts + 1 WHERE id = $1 RETURNING preview_attempts",
    )
    .bind(id)
    .fetch_one(pool)
    .await
}

/// Gives back an attempt that failed for a reason of Hearth's own, not the file's.
pub async fn give_back_preview_attempt(pool: &AnyPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET preview_attempts = preview_attempts - 1 WHERE id = $1 AND preview_attempts > 0")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// Marks the items still pending after `attempts` attempts as having no preview, for
/// `reason`, instead of reading them again; returns how many.
pub async fn give_up_previews(pool: &AnyPool, attempts: i64, reason: &str) -> sqlx::Result<u64> {
    let result = sqlx::query(
        "UPDATE items SET preview = 'none', preview_error = $2 WHERE preview = 'pending' AND preview_attempts >= $1",
    )
    .bind(attempts)
    .bind(reason)
    .execute(pool)
    .await?;
    Ok(result.rows_affected())
}

/// Records an item's previews as made, its attempts counted from zero again (a preview
/// deleted later is made again with tries of its own).
pub async fn set_preview_ready(pool: &AnyPool, id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE items SET preview = 'ready', preview_error = NULL, preview_attempts = 0 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The hash of every blob an item uses (trashed ones too), for the start-up sweep of blobs no
/// item uses.
pub async fn blob_hashes(pool: &AnyPool) -> sqlx::Result<std::collections::HashSet<String>> {
    let hashes: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM items").fetch_all(pool).await?;
    Ok(hashes.into_iter().collect())
}
