//! Share links for an album or an item.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hearth_shared::error::Problem;
use hearth_shared::{AppError, AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ListParams, cursor_of, parse_cursor};
use crate::AppState;
use crate::db::shares::ShareRow;
use crate::domain::ShareOptions;
use crate::sharing::ShareTarget;

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareInfo {
    pub id: String,
    pub album_id: Option<i64>,
    pub item_id: Option<i64>,
    pub has_password: bool,
    pub show_location: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

impl From<ShareRow> for ShareInfo {
    fn from(row: ShareRow) -> Self {
        Self {
            id: row.id,
            album_id: row.album_id,
            item_id: row.item_id,
            has_password: row.password_hash.is_some(),
            show_location: row.show_location != 0,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SharePage {
    shares: Vec<ShareInfo>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// Your links that have not been revoked, newest first.
#[utoipa::path(get, path = "/photos/api/shares", tag = "shares", params(ListParams),
    responses((status = 200, body = SharePage), (status = 400, body = Problem)))]
pub async fn list_shares(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<ListParams>,
) -> AppResult<Json<SharePage>> {
    let page = state.library.shares(&user, parse_cursor(params.cursor.as_deref())?, params.limit()).await?;
    Ok(Json(SharePage {
        shares: page.items.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(cursor_of),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewShare {
    /// Share this album (yours)…
    album_id: Option<i64>,
    /// …or this item (yours).
    item_id: Option<i64>,
    /// 1–365; absent: until revoked.
    expires_in_days: Option<i64>,
    /// Guests must type it first (8–256 characters).
    password: Option<String>,
    /// Let guests see where photos were taken (off by default).
    #[serde(default)]
    show_location: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewShareAnswer {
    /// The secret part of the link, shown only in this answer.
    token: String,
    /// The guest page: `/photos/s/{token}`.
    path: String,
    info: ShareInfo,
}

/// Make a link that lets anyone who has it see one album or one item, without an account.
#[utoipa::path(post, path = "/photos/api/shares", tag = "shares", request_body = NewShare,
    responses((status = 201, body = NewShareAnswer), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_share(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<NewShare>,
) -> AppResult<(StatusCode, Json<NewShareAnswer>)> {
    let target = match (body.album_id, body.item_id) {
        (Some(album), None) => ShareTarget::Album(album),
        (None, Some(item)) => ShareTarget::Item(item),
        _ => {
            return Err(AppError::Invalid("Give either album_id or item_id.".to_owned()));
        }
    };
    let options = ShareOptions::parse(body.expires_in_days, body.password.as_deref(), body.show_location)?;
    let (token, share) = state.library.create_share(&user, target, options).await?;
    let path = format!("/photos/s/{token}");
    Ok((StatusCode::CREATED, Json(NewShareAnswer { token, path, info: share.into() })))
}

/// Stop a link from working, at once.
#[utoipa::path(delete, path = "/photos/api/shares/{id}", tag = "shares", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, body = Problem)))]
pub async fn revoke_share(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    state.library.revoke_share(&user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
