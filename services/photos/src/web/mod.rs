//! The photos pages (timeline, one item, trash, the upload form) and the files themselves
//! (originals, thumbnails, previews). Handlers parse, call [`crate::library`], render.

mod files;
mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/photos/", get(pages::timeline))
        .route("/photos/trash", get(pages::trash))
        .route("/photos/items/{id}", get(pages::item))
        .route("/photos/items/{id}/trash", post(pages::trash_item))
        .route("/photos/items/{id}/restore", post(pages::restore_item))
        .route("/photos/items/{id}/purge", post(pages::purge_item))
        .route("/photos/items/{id}/visibility", post(pages::set_visibility))
        .route("/photos/static/photos.js", get(files::script))
}

/// Uploads and file downloads, which may take longer than the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/photos/upload",
            post(pages::upload_form).layer(DefaultBodyLimit::disable()),
        )
        .route("/photos/items/{id}/original", get(files::original))
        .route("/photos/items/{id}/thumbnail", get(files::thumbnail))
        .route("/photos/items/{id}/preview", get(files::preview))
}
