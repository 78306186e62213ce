//! The photos JSON API under `/photos/api`, documented with utoipa. Uploads stream: send the
//! file as the request body (`curl -T photo.jpg …`), never as a whole in memory.

mod albums;
mod items;
mod members;
mod shares;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use hearth_shared::error::Problem;
use hearth_shared::{CurrentUser, Identity};
use utoipa::OpenApi;

pub use items::{ItemInfo, ListParams, SearchParams, cursor_of, parse_cursor};

use crate::AppState;
use crate::domain::Visibility;

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth photos API", description = "The family's photos, videos and documents."),
    paths(
        items::upload, items::list, items::get_item, items::update_item, items::trash_item, items::restore_item,
        items::list_trash, items::purge_item, items::search, albums::list_albums, albums::create_album, albums::get_album,
        albums::change_album, albums::delete_album, albums::add_items, albums::remove_item, albums::reorder,
        shares::list_shares, shares::create_share, shares::revoke_share, members::removal_plan, members::remove, me
    ),
    components(schemas(Problem, Identity, Visibility)),
    security(("token" = []), ("session" = []))
)]
struct PhotosApi;

/// The service's OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    PhotosApi::openapi()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/photos/api/me", get(me))
        .route("/photos/api/items", get(items::list))
        .route("/photos/api/items/{id}", get(items::get_item).patch(items::update_item).delete(items::trash_item))
        .route("/photos/api/items/{id}/restore", post(items::restore_item))
        .route("/photos/api/trash", get(items::list_trash))
        .route("/photos/api/search", get(items::search))
        .route("/photos/api/trash/{id}", delete(items::purge_item))
        .route("/photos/api/albums", get(albums::list_albums).post(albums::create_album))
        .route(
            "/photos/api/albums/{id}",
            get(albums::get_album).patch(albums::change_album).delete(albums::delete_album),
        )
        .route("/photos/api/albums/{id}/items", post(albums::add_items))
        .route("/photos/api/albums/{id}/items/{item_id}", delete(albums::remove_item))
        .route("/photos/api/albums/{id}/order", axum::routing::put(albums::reorder))
        .route("/photos/api/shares", get(shares::list_shares).post(shares::create_share))
        .route("/photos/api/shares/{id}", delete(shares::revoke_share))
        .route("/photos/api/members/{id}/removal", get(members::removal_plan).post(members::remove))
}

/// Routes that may run longer than the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new().route("/photos/api/items", post(items::upload).put(items::upload).layer(DefaultBodyLimit::disable()))
}

/// Who am I, as this service sees me.
#[utoipa::path(get, path = "/photos/api/me", tag = "account", responses((status = 200, body = Identity), (status = 401, body = Problem)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<Identity> {
    Json(user)
}
