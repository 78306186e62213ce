//! CSRF guard. Every browser gets a random `hearth_csrf` cookie (SameSite=Strict); every
//! form carries the same value in a hidden `csrf_token` field (or scripts send it in the
//! `X-CSRF-Token` header, or uploads in the query). A state-changing request whose token is
//! missing or different is refused with 403. Requests that authenticate with
//! `Authorization: Bearer`, and cookie-less requests that are not forms, cannot be forged by
//! another site and are not checked.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::SameSite;

use crate::config::SecureCookies;
use crate::cookies;
use crate::error::AppError;
use crate::tokens::{constant_time_eq, random_token};

pub const CSRF_COOKIE: &str = "hearth_csrf";
pub const CSRF_FIELD: &str = "csrf_token";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The request's CSRF token, for templates to put in their forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Self>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the CSRF layer is not installed")))
    }
}

#[derive(Clone, Copy)]
pub struct CsrfSettings {
    pub secure_cookies: SecureCookies,
    /// Largest form body read to find the token.
    pub body_limit: usize,
}

/// Middleware: checks unsafe requests, and gives every browser its token.
pub async fn guard(State(settings): State<CsrfSettings>, request: Request, next: Next) -> Response {
    let existing = CookieJar::from_headers(request.headers())
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| t.len() >= 32);
    let secure = cookies::secure_for(request.headers(), settings.secure_cookies);
    let token = existing.clone().unwrap_or_else(random_token);
    let mut response = match check(request, existing.as_deref(), settings.body_limit).await {
        Ok(mut request) => {
            request.extensions_mut().insert(CsrfToken(token.clone()));
            next.run(request).await
        }
        Err(refusal) => refusal,
    };
    if existing.is_none() {
        let cookie = cookies::set_cookie(CSRF_COOKIE, &token, SameSite::Strict, secure, None);
        cookies::append(response.headers_mut(), cookie);
    }
    response
}

async fn check(request: Request, expected: Option<&str>, body_limit: usize) -> Result<Request, Response> {
    if request.method().is_safe() || !forgeable(request.headers()) {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let (submitted, body) = submitted_token(&parts, body, body_limit).await?;
    match (expected, submitted) {
        (Some(expected), Some(submitted)) if constant_time_eq(expected.as_bytes(), submitted.as_bytes()) => {
            Ok(Request::from_parts(parts, body))
        }
        _ => Err(AppError::Forbidden(
            "This form has expired or was sent from another site. Reload the page and send it again.".to_owned(),
        )
        .into_response()),
    }
}

/// Another site can make a browser send a form (url-encoded, multipart or plain text, with
/// or without our cookies) or any request that carries our cookies. It cannot add an
/// `Authorization` header, nor send a cookie-less JSON body we would act on.
fn forgeable(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::AUTHORIZATION) {
        return false;
    }
    let content_type = content_type(headers);
    let form_like = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]
        .iter()
        .any(|simple| content_type.starts_with(simple));
    form_like || headers.contains_key(header::COOKIE)
}

fn content_type(headers: &HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn submitted_token(parts: &Parts, body: Body, body_limit: usize) -> Result<(Option<String>, Body), Response> {
    if let Some(token) = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return Ok((Some(token.to_owned()), body));
    }
    if let Some(token) = parts.uri.query().and_then(|q| field(q.as_bytes())) {
        return Ok((Some(token), body));
    }
    if content_type(&parts.headers).starts_with("application/x-www-form-urlencoded") {
        let bytes = axum::body::to_bytes(body, body_limit).await.map_err(|_| {
            (StatusCode::PAYLOAD_TOO_LARGE, "The form is larger than the server accepts.").into_response()
        })?;
        return Ok((field(&bytes), Body::from(bytes)));
    }
    Ok((None, body))
}

fn field(form: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(form).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned())
}
