//! The photos pages (timeline, the viewer, albums, search, trash, the upload form, what a
//! share link's guests see), the actions on a selection, and the files themselves
//! (originals, thumbnails, previews, zips). Handlers parse, call [`crate::library`], render.

mod albums;
mod files;
mod guest;
mod pages;
mod search;
mod selection;
mod tiles;
mod viewer;
mod zip_stream;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use hearth_shared::cookies::secure_for;
use hearth_shared::flash;
use hearth_shared::http::public_origin;
use hearth_shared::layout::NewSecret;
use hearth_shared::{AppError, AppResult};
use serde::Deserialize;

use crate::AppState;
use crate::db::shares::ShareRow;
use crate::domain::ShareOptions;

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    expires_in_days: String,
    #[serde(default)]
    password: String,
    show_location: Option<String>,
}

impl ShareForm {
    pub(super) fn options(&self) -> AppResult<ShareOptions> {
        let days = match self.expires_in_days.trim() {
            "" => None,
            days => Some(days.parse().map_err(|_| AppError::Invalid("Days must be a whole number.".to_owned()))?),
        };
        ShareOptions::parse(days, Some(&self.password), self.show_location.is_some())
    }
}

/// The full address of a share link, to send to a guest.
fn share_url(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    format!("{}/photos/s/{token}", public_origin(&state.service.config, headers))
}

/// Answers the form that made a share link: back to `page`, which shows the link once, at
/// its top (carried there by [`hearth_shared::flash`]).
fn show_new_link(state: &AppState, headers: &HeaderMap, page: &str, token: &str, share: &ShareRow) -> Response {
    let until = share.expires_at.map_or_else(
        || "until you withdraw it".to_owned(),
        |at| match (at - share.created_at) / 86_400 {
            1 => "for 1 day".to_owned(),
            days => format!("for {days} days"),
        },
    );
    let link = NewSecret {
        id: "share-url".to_owned(),
        title: "Your new share link".to_owned(),
        value: share_url(state, headers, token),
        note: format!("Send it to whoever should see this. It works {until}; it is not shown again."),
    };
    flash::redirect(page, &link, secure_for(headers, state.service.config.secure_cookies))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/photos/", get(pages::timeline))
        .route("/photos/trash", get(pages::trash))
        .route("/photos/search", get(search::search))
        .route("/photos/items/{id}", get(viewer::item))
        .route("/photos/items/{id}/trash", post(pages::trash_item))
        .route("/photos/items/{id}/restore", post(pages::restore_item))
        .route("/photos/items/{id}/purge", post(pages::purge_item))
        .route("/photos/items/{id}/visibility", post(pages::set_visibility))
        .route("/photos/items/{id}/albums", post(albums::add_from_item))
        .route("/photos/items/{id}/shares", post(viewer::share_item))
        .route("/photos/albums", get(albums::list).post(albums::create))
        .route("/photos/albums/{id}", get(albums::show).post(albums::change))
        .route("/photos/albums/{id}/cover", get(albums::cover))
        .route("/photos/albums/{id}/delete", post(albums::delete))
        .route("/photos/albums/{id}/items", post(albums::add_items))
        .route("/photos/albums/{id}/arrange", post(albums::arrange))
        .route("/photos/albums/{id}/shares", post(albums::share))
        .route("/photos/albums/{id}/revoke", post(albums::revoke))
        .route("/photos/selection/album", post(selection::add_to_album))
        .route("/photos/selection/trash", post(selection::trash))
        .route("/photos/selection/restore", post(selection::restore))
        .route("/photos/selection/visibility", post(selection::visibility))
        .route("/photos/s/{token}", get(guest::show).post(guest::unlock))
        .route("/photos/s/{token}/items/{id}", get(guest::item))
        .route("/photos/static/photos.js", get(files::script))
        .route("/photos/static/photos.css", get(files::stylesheet))
}

/// Uploads and file downloads, which may take longer than the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new()
        .route("/photos/upload", post(pages::upload_form).layer(DefaultBodyLimit::disable()))
        .route("/photos/items/{id}/original", get(files::original))
        .route("/photos/albums/{id}/album.zip", get(albums::download))
        .route("/photos/selection/zip", post(selection::download))
        .route("/photos/items/{id}/thumbnail", get(files::thumbnail))
        .route("/photos/items/{id}/preview", get(files::preview))
        .route("/photos/s/{token}/items/{id}/thumbnail", get(guest::thumbnail))
        .route("/photos/s/{token}/items/{id}/preview", get(guest::preview))
        .route("/photos/s/{token}/items/{id}/download", get(guest::download))
        .route("/photos/s/{token}/album.zip", get(guest::download_all))
}
