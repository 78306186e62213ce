//! Albums: make, rename, share with the family, fill, order, delete.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_shared::error::Problem;
use hearth_shared::{AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ItemInfo, ListParams, cursor_of, parse_cursor};
use crate::AppState;
use crate::albums::AlbumChanges;
use crate::db::albums::AlbumRow;
use crate::domain::Visibility;

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumInfo {
    pub id: i64,
    pub name: String,
    pub visibility: String,
    pub owner_id: i64,
    pub cover_item_id: Option<i64>,
    /// Items in it that you see (none from the trash).
    pub item_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<AlbumRow> for AlbumInfo {
    fn from(row: AlbumRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            visibility: row.visibility,
            owner_id: row.owner_id,
            cover_item_id: row.cover_item_id,
            item_count: row.item_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumPage {
    albums: Vec<AlbumInfo>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// Albums you see: yours and the family's, the most recently changed first.
#[utoipa::path(get, path = "/photos/api/albums", tag = "albums", params(ListParams),
    responses((status = 200, body = AlbumPage), (status = 400, body = Problem)))]
pub async fn list_albums(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<ListParams>,
) -> AppResult<Json<AlbumPage>> {
    let page = state.library.albums(&user, parse_cursor(params.cursor.as_deref())?, params.limit()).await?;
    Ok(Json(AlbumPage {
        albums: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(cursor_of),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAlbum {
    name: String,
    /// private (default) or family.
    visibility: Option<Visibility>,
}

/// Make an album.
#[utoipa::path(post, path = "/photos/api/albums", tag = "albums", request_body = NewAlbum,
    responses((status = 201, body = AlbumInfo), (status = 422, body = Problem)))]
pub async fn create_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<NewAlbum>,
) -> AppResult<(StatusCode, Json<AlbumInfo>)> {
    let album = state.library.create_album(&user, &body.name, body.visibility.unwrap_or(Visibility::Private)).await?;
    Ok((StatusCode::CREATED, Json(album.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumWithItems {
    album: AlbumInfo,
    /// In the album's order; only those you may see.
    items: Vec<ItemInfo>,
}

/// One album and its items.
#[utoipa::path(get, path = "/photos/api/albums/{id}", tag = "albums", params(("id" = i64, Path)),
    responses((status = 200, body = AlbumWithItems), (status = 404, body = Problem)))]
pub async fn get_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<AlbumWithItems>> {
    let (album, items) = state.library.album(&user, id).await?;
    Ok(Json(AlbumWithItems { album: album.into(), items: items.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AlbumChange {
    name: Option<String>,
    visibility: Option<Visibility>,
    /// One of the album's items.
    cover_item_id: Option<i64>,
}

/// Rename, share or unshare an album, or set its cover (the album's maker only).
#[utoipa::path(patch, path = "/photos/api/albums/{id}", tag = "albums", params(("id" = i64, Path)), request_body = AlbumChange,
    responses((status = 200, body = AlbumInfo), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn change_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<AlbumChange>,
) -> AppResult<Json<AlbumInfo>> {
    let changes =
        AlbumChanges { name: body.name.as_deref(), visibility: body.visibility, cover_item_id: body.cover_item_id };
    Ok(Json(state.library.change_album(&user, id, changes).await?.into()))
}

/// Delete an album; its items stay in the library.
#[utoipa::path(delete, path = "/photos/api/albums/{id}", tag = "albums", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = Problem)))]
pub async fn delete_album(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    state.library.delete_album(&user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemIds {
    item_ids: Vec<i64>,
}

/// Add items to the end of an album.
#[utoipa::path(post, path = "/photos/api/albums/{id}/items", tag = "albums", params(("id" = i64, Path)), request_body = ItemIds,
    responses((status = 200, body = AlbumInfo), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn add_items(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<ItemIds>,
) -> AppResult<Json<AlbumInfo>> {
    Ok(Json(state.library.add_to_album(&user, id, &body.item_ids).await?.into()))
}

/// Take an item out of an album.
#[utoipa::path(delete, path = "/photos/api/albums/{id}/items/{item_id}", tag = "albums",
    params(("id" = i64, Path), ("item_id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 404, body = Problem)))]
pub async fn remove_item(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, item_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    state.library.remove_from_album(&user, id, item_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the order: the listed items first, in that order.
#[utoipa::path(put, path = "/photos/api/albums/{id}/order", tag = "albums", params(("id" = i64, Path)), request_body = ItemIds,
    responses((status = 204, description = "Reordered"), (status = 403, body = Problem)))]
pub async fn reorder(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Json(body): Json<ItemIds>,
) -> AppResult<StatusCode> {
    state.library.reorder_album(&user, id, &body.item_ids).await?;
    Ok(StatusCode::NO_CONTENT)
}
