//! Attachments and the page script. An attachment is served with its stored (sniffed) type
//! and `nosniff`; only raster images and PDFs are shown inline, anything else downloads, and a
//! sandboxing CSP keeps even a mis-detected file from running script.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hearth_shared::download::content_disposition;
use hearth_shared::{AppResult, CurrentUser};

use crate::AppState;

const INLINE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];
const FILE_CSP: &str = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";
const SCRIPT: &str = include_str!("../../static/bugs.js");

const STYLE: &str = include_str!("../../static/bugs.css");

fn asset(content_type: &'static str, body: String, max_age: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(max_age));
    response
}

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT.to_owned(), "public, max-age=3600")
}

pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE.to_owned(), "public, max-age=3600")
}

/// One class per label colour: `.c-1f77b4 { --label: #1f77b4 }`.
pub async fn label_style(State(state): State<AppState>) -> AppResult<Response> {
    let mut css = String::new();
    for label in state.tracker.labels().await? {
        let class = super::colour_class(&label.colour);
        css.push_str(&format!(".{class} {{ --label: #{} }}\n", &class[2..]));
    }
    Ok(asset("text/css; charset=utf-8", css, "no-cache"))
}

pub async fn attachment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let file = state.tracker.attachment(&user, id).await?;
    let inline = INLINE_TYPES.contains(&file.row.content_type.as_str());
    let content_type = if inline { file.row.content_type.as_str() } else { "application/octet-stream" };
    let mut response = file.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(if inline { "inline" } else { "attachment" }, &file.row.file_name),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(FILE_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    Ok(response)
}
