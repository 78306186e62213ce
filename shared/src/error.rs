//! The one error type of Hearth's handlers and the one place that renders every error
//! response, ours or a layer's: an HTML page for browsers, RFC 9457 problem+json for the API.
//!
//! Handlers return [`AppError`]; its `IntoResponse` only attaches an [`ErrorReport`]. The
//! [`render_errors`] middleware then logs the error once and renders it for the client that
//! asked, which is also how axum's own rejections (bad JSON, unknown route) and the body-limit
//! and timeout layers get a clear message.

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use thiserror::Error;

use crate::auth::SeenUser;
use crate::csrf::CsrfToken;
use crate::layout::{ErrorPage, PageContext};

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, Error)]
pub enum AppError {
    /// The request cannot be understood; the message says what to change.
    #[error("{0}")]
    BadRequest(String),
    /// A field's value breaks a rule; the message says which and how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// No valid session or token came with the request.
    #[error("Sign in to continue.")]
    Unauthenticated,
    /// Credentials were given but are wrong; the message says so without saying which part.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Existed once but is used up or expired (an invite link, a share link).
    #[error("{0}")]
    Gone(String),
    /// The body stopped arriving; the message says for how long.
    #[error("{0}")]
    RequestTimeout(String),
    /// The body is larger than this route accepts; the message gives the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_secs: u64 },
    /// Something we depend on is down; worth retrying.
    #[error("{0}")]
    Unavailable(String),
    /// Our failure: logged with its cause, shown to the user as a short apology.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl AppError {
    /// The message to show beside a form when this is the user's mistake; `None` when it is
    /// ours (then the error page is shown instead).
    #[must_use]
    pub fn form_message(&self) -> Option<String> {
        let status = self.status();
        (status.is_client_error() && status != StatusCode::UNAUTHORIZED || matches!(self, Self::Unauthorized(_)))
            .then(|| self.to_string())
    }

    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthenticated | Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// What an error response says, attached to the response for [`render_errors`].
#[derive(Debug, Clone)]
pub struct ErrorReport {
    /// Shown to the user.
    pub detail: String,
    /// Logged only: the cause of an internal error.
    pub cause: Option<String>,
    /// No session came with the request: browsers are sent to the login page.
    pub sign_in: bool,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (detail, cause) = match &self {
            Self::Internal(e) => (
                "Something went wrong on our side. Try again; if it keeps happening, tell the \
                 family admin the request id below."
                    .to_owned(),
                Some(format!("{e:#}")),
            ),
            other => (other.to_string(), None),
        };
        let mut response = (status, detail.clone()).into_response();
        if let Self::TooManyRequests { retry_after_secs, .. } = &self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        let sign_in = matches!(self, Self::Unauthenticated);
        response.extensions_mut().insert(ErrorReport { detail, cause, sign_in });
        response
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    pub request_id: String,
}

/// Settings the error renderer needs to explain layer errors.
#[derive(Clone, Copy)]
pub struct ErrorRendering {
    pub body_limit: usize,
}

/// Middleware: turns every 4xx/5xx response without a rendered body into a page or a
/// problem document, and logs it once.
pub async fn render_errors(State(settings): State<ErrorRendering>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let path_and_query = request.uri().path_and_query().map_or_else(|| path.clone(), ToString::to_string);
    let wants_json = wants_json(&path, request.headers());
    let request_id = request_id(request.headers());
    let csrf_token = request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let seen_user = SeenUser::default();
    request.extensions_mut().insert(seen_user.clone());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_rendered(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let report = match parts.extensions.get::<ErrorReport>() {
        Some(report) => report.clone(),
        None => {
            let text = axum::body::to_bytes(body, 16 * 1024).await.unwrap_or_default();
            let detail = explain(status, &method, &path, &String::from_utf8_lossy(&text), settings);
            ErrorReport { detail, cause: None, sign_in: false }
        }
    };
    log(status, &report);
    if report.sign_in && !wants_json {
        return Redirect::to(&login_redirect(&path_and_query)).into_response();
    }
    let mut response = if wants_json {
        problem_response(status, &report.detail, &path, &request_id)
    } else {
        let ctx = PageContext::new(status.canonical_reason().unwrap_or("Error"), seen_user.get(), &csrf_token, "");
        html_response(status, ctx, &report.detail, &request_id)
    };
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(value) = parts.headers.get(&name) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    if path.contains("/api/") || path.ends_with("/api") {
        return true;
    }
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

fn request_id(headers: &HeaderMap) -> String {
    headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
}

fn is_rendered(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/problem+json"))
}

fn explain(status: StatusCode, method: &Method, path: &str, text: &str, settings: ErrorRendering) -> String {
    match status {
        StatusCode::NOT_FOUND => {
            format!("There is nothing at {path}. Check the address or start from the home page.")
        }
        StatusCode::METHOD_NOT_ALLOWED => format!("{method} is not allowed on {path}."),
        StatusCode::REQUEST_TIMEOUT => "The request took too long and was stopped. Try again.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => {
            format!("The request body is larger than the limit of {} bytes. Send a smaller one.", settings.body_limit)
        }
        _ if !text.trim().is_empty() => text.trim().to_owned(),
        _ if status.is_server_error() => "Something went wrong on our side. Try again.".to_owned(),
        _ => status.canonical_reason().unwrap_or("The request was refused.").to_owned(),
    }
}

/// One line per error; the request span adds the method, path and request id.
fn log(status: StatusCode, report: &ErrorReport) {
    let code = status.as_u16();
    if status.is_server_error() {
        tracing::error!(status = code, cause = report.cause.as_deref().unwrap_or(&report.detail), "request failed");
    } else {
        tracing::info!(status = code, detail = %report.detail, "request refused");
    }
}

/// The login page, remembering where to come back to.
#[must_use]
pub fn login_redirect(next: &str) -> String {
    let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    format!("/login?next={next}")
}

fn problem_response(status: StatusCode, detail: &str, path: &str, request_id: &str) -> Response {
    let problem = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        instance: path.to_owned(),
        request_id: request_id.to_owned(),
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

fn html_response(status: StatusCode, ctx: PageContext, detail: &str, request_id: &str) -> Response {
    let page = ErrorPage { ctx, status: status.as_u16(), detail, request_id };
    match page.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => (status, Body::from(detail.to_owned())).into_response(),
    }
}
