//! Serving stored files. Originals keep their stored content type, with Range support (so
//! videos seek), `nosniff`, and a sandboxing CSP; only types a browser shows safely are
//! served inline, everything else (HTML, SVG, unknown) downloads as an attachment.

use std::path::PathBuf;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hearth_shared::download::content_disposition;
use hearth_shared::{AppResult, CurrentUser};
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

use crate::AppState;
use crate::db::items::ItemRow;
use crate::storage::Derived;

/// Content types shown in the browser; anything else is a download.
const INLINE_TYPES: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "application/pdf",
    "text/plain",
];

/// Originals can do nothing even if a browser renders them: no script, no plugins, no forms.
const ORIGINAL_CSP: &str = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

const SCRIPT: &str = include_str!("../../static/photos.js");
const STYLESHEET: &str = include_str!("../../static/photos.css");

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// The photos pages' own styles: the grids, the viewer, the selection bar (beside the shared
/// stylesheet).
pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", STYLESHEET)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

pub async fn original(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    request: Request,
) -> AppResult<Response> {
    let (item, path) = state.library.original(&user, id).await?;
    serve_original(&item, path, request).await
}

/// Whether the browser is given files of this content type to show (sandboxed) rather than to
/// download.
#[must_use]
pub fn is_inline(content_type: &str) -> bool {
    INLINE_TYPES.contains(&content_type.split(';').next().unwrap_or_default().trim())
}

/// An original with its stored content type when it is safe inline, as a download otherwise.
pub async fn serve_original(item: &ItemRow, path: PathBuf, request: Request) -> AppResult<Response> {
    let inline = is_inline(&item.content_type);
    let content_type = if inline { item.content_type.as_str() } else { "application/octet-stream" };
    let disposition = content_disposition(if inline { "inline" } else { "attachment" }, &item.file_name);
    let mut response = serve(path, content_type, request).await?;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(ORIGINAL_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}

/// A preview offered as a download in place of an original.
pub async fn serve_preview_download(item: &ItemRow, path: PathBuf, request: Request) -> AppResult<Response> {
    let mut response = serve_derived(path, request).await?;
    let name = without_location_name(item);
    response.headers_mut().insert(header::CONTENT_DISPOSITION, content_disposition("attachment", &name));
    Ok(response)
}

/// The name of a preview handed out in place of an original: `IMG_1 (without location).jpg`.
#[must_use]
pub fn without_location_name(item: &ItemRow) -> String {
    let stem = item.file_name.rsplit_once('.').map_or(item.file_name.as_str(), |(stem, _)| stem);
    format!("{stem} (without location).jpg")
}

pub async fn thumbnail(
    state: State<AppState>,
    user: CurrentUser,
    id: Path<i64>,
    request: Request,
) -> AppResult<Response> {
    derived(state, user, id, Derived::Thumbnail, request).await
}

pub async fn preview(
    state: State<AppState>,
    user: CurrentUser,
    id: Path<i64>,
    request: Request,
) -> AppResult<Response> {
    derived(state, user, id, Derived::Preview, request).await
}

async fn derived(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    kind: Derived,
    request: Request,
) -> AppResult<Response> {
    let item = state.library.item(&user, id).await?;
    serve_derived(state.library.derived_of(&item, kind).await?, request).await
}

/// A thumbnail or preview: a JPEG we made, cacheable by the browser.
pub async fn serve_derived(path: PathBuf, request: Request) -> AppResult<Response> {
    let mut response = serve(path, "image/jpeg", request).await?;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400"));
    Ok(response)
}

/// Streams a file with Range and conditional-request support.
async fn serve(path: PathBuf, content_type: &str, request: Request) -> AppResult<Response> {
    let mime: mime::Mime = content_type.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    let response = ServeFile::new_with_mime(path, &mime).oneshot(request).await.map_err(|e| anyhow::anyhow!(e))?;
    Ok(response.into_response())
}
