//! The base HTML layout every page extends (`templates/layout.html`), the context it needs,
//! and the static assets (one stylesheet, one script) that every service serves under its
//! own prefix so pages work alone and behind an ingress alike.

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::auth::{Identity, Role};
use crate::error::AppError;

/// What the layout shows around every page.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub title: String,
    pub user: Option<Identity>,
    /// Token to put in every form (see [`crate::csrf`]).
    pub csrf_token: String,
    /// Prefix of the service that renders the page, for its static assets.
    pub prefix: &'static str,
}

impl PageContext {
    #[must_use]
    pub fn new(title: impl Into<String>, user: Option<Identity>, csrf_token: &str, prefix: &'static str) -> Self {
        Self { title: title.into(), user, csrf_token: csrf_token.to_owned(), prefix }
    }

    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
}

/// The error page rendered by [`crate::error::render_errors`].
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub ctx: PageContext,
    pub status: u16,
    pub detail: &'a str,
    pub request_id: &'a str,
}

/// Renders a page template to an HTML response.
///
/// # Errors
/// A template that fails to render (our bug, reported as an internal error).
pub fn render<T: Template>(page: &T) -> Result<Response, AppError> {
    render_with_status(StatusCode::OK, page)
}

/// Renders a page with a status other than 200, e.g. a form shown again with its error.
///
/// # Errors
/// A template that fails to render (our bug, reported as an internal error).
pub fn render_with_status<T: Template>(status: StatusCode, page: &T) -> Result<Response, AppError> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((status, Html(html)).into_response())
}

/// A Unix time as the family reads it: `2026-11-24 09:30 UTC`.
#[must_use]
pub fn format_time(unix_seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

const STYLESHEET: &str = include_str!("../static/hearth.css");
const SCRIPT: &str = include_str!("../static/hearth.js");

/// `{prefix}/static/hearth.css` and `{prefix}/static/hearth.js`.
pub fn static_routes<S: Clone + Send + Sync + 'static>(prefix: &str) -> Router<S> {
    Router::new()
        .route(&format!("{prefix}/static/hearth.css"), get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route(&format!("{prefix}/static/hearth.js"), get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
