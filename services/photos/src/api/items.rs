//! Items: upload (streamed), the timeline, one item, visibility, the trash.

use std::fmt::Display;
use std::str::FromStr;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::TryStreamExt as _;
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::db::items::ItemRow;
use crate::domain::{SearchQuery, Visibility};
use crate::library::Page;
use hearth_shared::display::human_size;

/// An item as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemInfo {
    pub id: i64,
    pub file_name: String,
    /// photo, video, document or other.
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub visibility: String,
    pub owner_id: i64,
    pub uploaded_at: i64,
    pub taken_at: Option<i64>,
    /// The camera clock's offset from UTC when the photo was taken, in minutes, when its EXIF
    /// says; without it `taken_at` is the camera's clock read as UTC.
    pub taken_offset_minutes: Option<i64>,
    /// Seconds as the camera recorded them: `1/250`, `2`.
    pub exposure_time: Option<String>,
    pub f_number: Option<f64>,
    pub iso: Option<i64>,
    pub focal_length_mm: Option<f64>,
    pub focal_length_35mm: Option<i64>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub gps: Option<[f64; 2]>,
    /// pending, ready or none.
    pub preview: String,
    /// Why there is no preview: for good when `preview` is none, for now when it is pending
    /// (an attempt failed for a reason of Hearth's own and will be made again).
    pub preview_error: Option<String>,
    pub deleted_at: Option<i64>,
    pub original_url: String,
    pub thumbnail_url: String,
    pub preview_url: String,
}

impl From<ItemRow> for ItemInfo {
    fn from(row: ItemRow) -> Self {
        let base = format!("/photos/items/{}", row.id);
        Self {
            id: row.id,
            gps: row.gps_lat.zip(row.gps_lon).map(|(lat, lon)| [lat, lon]),
            file_name: row.file_name,
            kind: row.kind,
            content_type: row.content_type,
            size: row.size,
            sha256: row.sha256,
            visibility: row.visibility,
            owner_id: row.owner_id,
            uploaded_at: row.uploaded_at,
            taken_at: row.taken_at,
            taken_offset_minutes: row.taken_offset_minutes,
            exposure_time: row.exposure_time,
            f_number: row.f_number_hundredths.map(|n| n as f64 / 100.0),
            iso: row.iso,
            focal_length_mm: row.focal_length_hundredths.map(|mm| mm as f64 / 100.0),
            focal_length_35mm: row.focal_length_35mm,
            width: row.width,
            height: row.height,
            camera: row.camera,
            lens: row.lens,
            preview: row.preview,
            preview_error: row.preview_error,
            deleted_at: row.deleted_at,
            original_url: format!("{base}/original"),
            thumbnail_url: format!("{base}/thumbnail"),
            preview_url: format!("{base}/preview"),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UploadParams {
    /// The file's name as the user knows it (made safe before it is stored).
    file_name: String,
    /// private (default) or family.
    visibility: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadAnswer {
    item: ItemInfo,
    /// True when you already had these bytes: `item` is the one you have (made private if you
    /// asked for private now; kept private if you kept it so before).
    duplicate: bool,
    /// Set when `item` is not seen by whom you asked: you had it already, private.
    notice: Option<String>,
}

/// Upload one file as the request body, streamed to storage.
#[utoipa::path(post, path = "/photos/api/items", tag = "items", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = UploadAnswer, description = "Stored"), (status = 200, body = UploadAnswer, description = "Already there (duplicate)"),
              (status = 413, body = Problem, description = "Larger than the upload limit")))]
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<UploadAnswer>)> {
    let visibility = Visibility::parse(params.visibility.as_deref().unwrap_or("private"))?;
    refuse_oversize(&headers, state.library.max_upload_bytes())?;
    let mut stream = body.into_data_stream().map_err(std::io::Error::other);
    let uploaded = state.library.upload(&user, &params.file_name, visibility, &mut stream).await?;
    let status = if uploaded.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    let notice = uploaded.kept_private.then(|| KEPT_PRIVATE.to_owned());
    Ok((status, Json(UploadAnswer { item: uploaded.item.into(), duplicate: uploaded.duplicate, notice })))
}

/// Why an upload asked to be shared stays private.
pub const KEPT_PRIVATE: &str =
    "You already had this file and kept it private; it stays so. Share it with the family from its page.";

/// Answers 413 at once when the declared length is over the limit.
pub fn refuse_oversize(headers: &HeaderMap, limit: u64) -> AppResult<()> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > limit => {
            Err(AppError::PayloadTooLarge(format!("The file is larger than the limit of {}.", human_size(limit))))
        }
        _ => Ok(()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListParams {
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// At most 200; 50 by default.
    limit: Option<i64>,
}

impl ListParams {
    #[must_use]
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemPage {
    items: Vec<ItemInfo>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// Parses a cursor made by [`cursor_of`].
///
/// # Errors
/// A cursor we did not make.
pub fn parse_cursor<Id: FromStr>(raw: Option<&str>) -> AppResult<Option<(i64, Id)>> {
    let Some(raw) = raw.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let parsed = raw.split_once('_').and_then(|(key, id)| Some((key.parse().ok()?, id.parse().ok()?)));
    parsed.map(Some).ok_or_else(|| {
        AppError::BadRequest("That cursor is not one we gave out. Start from the first page.".to_owned())
    })
}

#[must_use]
pub fn cursor_of<Id: Display>(next: (i64, Id)) -> String {
    format!("{}_{}", next.0, next.1)
}

impl From<Page<ItemRow>> for ItemPage {
    fn from(page: Page<ItemRow>) -> Self {
        Self { items: page.items.into_iter().map(Into::into).collect(), next_cursor: page.next.map(cursor_of) }
    }
}

/// The timeline: items you can see, newest (by date taken) first.
#[utoipa::path(get, path = "/photos/api/items", tag = "items", params(ListParams),
    responses((status = 200, body = ItemPage), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<ListParams>,
) -> AppResult<Json<ItemPage>> {
    let cursor = parse_cursor(params.cursor.as_deref())?;
    Ok(Json(state.library.timeline(&user, cursor, params.limit()).await?.into()))
}

/// One item.
#[utoipa::path(get, path = "/photos/api/items/{id}", tag = "items", params(("id" = i64, Path)),
    responses((status = 200, body = ItemInfo), (status = 404, body = Problem)))]
pub async fn get_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ItemInfo>> {
    Ok(Json(state.library.item(&user, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemUpdate {
    visibility: Visibility,
}

/// Share an item with the family, or make it private (the uploader only).
#[utoipa::path(patch, path = "/photos/api/items/{id}", tag = "items", params(("id" = i64, Path)), request_body = ItemUpdate,
    responses((status = 200, body = ItemInfo), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(update): Json<ItemUpdate>,
) -> AppResult<Json<ItemInfo>> {
    Ok(Json(state.library.set_visibility(&user, id, update.visibility).await?.into()))
}

/// Move an item to the trash (the uploader, or an admin). It can be restored for 30 days.
#[utoipa::path(delete, path = "/photos/api/items/{id}", tag = "trash", params(("id" = i64, Path)),
    responses((status = 204, description = "In the trash"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn trash_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.library.trash(&user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Bring one of your items back from the trash.
#[utoipa::path(post, path = "/photos/api/items/{id}/restore", tag = "trash", params(("id" = i64, Path)),
    responses((status = 200, body = ItemInfo), (status = 404, body = Problem)))]
pub async fn restore_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ItemInfo>> {
    Ok(Json(state.library.restore(&user, id).await?.into()))
}

/// Your items in the trash, most recently deleted first.
#[utoipa::path(get, path = "/photos/api/trash", tag = "trash", params(ListParams),
    responses((status = 200, body = ItemPage), (status = 400, body = Problem)))]
pub async fn list_trash(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<ListParams>,
) -> AppResult<Json<ItemPage>> {
    let cursor = parse_cursor(params.cursor.as_deref())?;
    Ok(Json(state.library.trashed(&user, cursor, params.limit()).await?.into()))
}

/// Delete one of your trashed items for good.
#[utoipa::path(delete, path = "/photos/api/trash/{id}", tag = "trash", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = Problem)))]
pub async fn purge_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.library.purge(&user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct SearchParams {
    /// Words in the file name, camera, lens or document text (all must match).
    pub q: String,
    /// Part of the camera's name.
    pub camera: String,
    /// Part of the name of an album the item is in.
    pub album: String,
    /// First day, YYYY-MM-DD (date taken, else uploaded).
    pub from: String,
    /// Last day, YYYY-MM-DD.
    pub to: String,
    /// At most 200; 50 by default.
    pub limit: Option<i64>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl SearchParams {
    /// # Errors
    /// A bad date or range.
    pub fn query(&self) -> AppResult<SearchQuery> {
        SearchQuery::parse(&self.q, &self.camera, &self.album, &self.from, &self.to)
    }
}

/// Find items you can see by words, camera, album and dates; the same results on every
/// database backend.
#[utoipa::path(get, path = "/photos/api/search", tag = "items", params(SearchParams),
    responses((status = 200, body = ItemPage), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<ItemPage>> {
    let cursor = parse_cursor(params.cursor.as_deref())?;
    Ok(Json(state.library.search(&user, &params.query()?, cursor, params.limit.unwrap_or(50)).await?.into()))
}
