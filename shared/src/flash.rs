//! Secrets shown once, across a redirect (Post/Redirect/Get). A form that makes something
//! shown only once (a share link, an invite link, an API token) answers with a redirect to
//! the page that shows it, carrying the secret in a short-lived HttpOnly cookie meant for that
//! page only; the page takes it and clears it. A reload then neither posts the form again nor
//! shows the secret again.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, IntoResponseParts, Redirect, Response, ResponseParts};
use axum_extra::extract::CookieJar;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::SecureCookies;
use crate::cookies::{self, SameSite};

const FLASH_COOKIE: &str = "hearth_flash";
/// Long enough for the redirect, short enough that a secret does not linger.
const FLASH_SECS: i64 = 60;

#[derive(Serialize, Deserialize)]
struct Envelope<T> {
    page: String,
    value: T,
}

/// A 303 redirect to `page` (a path) carrying `value` for it.
#[must_use]
pub fn redirect<T: Serialize>(page: &str, value: &T, secure: bool) -> Response {
    let envelope = Envelope { page: page.to_owned(), value };
    let encoded = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&envelope).unwrap_or_default());
    let mut response = Redirect::to(page).into_response();
    cookies::append(
        response.headers_mut(),
        cookies::set_cookie(FLASH_COOKIE, &encoded, SameSite::Strict, secure, Some(FLASH_SECS)),
    );
    response
}

/// Extractor: what was flashed to this page, if anything. Return it with the page (it is
/// [`IntoResponseParts`]) so the cookie is cleared.
pub struct Flash {
    value: Option<serde_json::Value>,
    clear: Option<bool>,
}

impl Flash {
    /// The flashed value, when there is one for this page and it has the expected shape.
    #[must_use]
    pub fn take<T: DeserializeOwned>(&self) -> Option<T> {
        self.value.clone().and_then(|value| serde_json::from_value(value).ok())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Flash {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(cookie) = CookieJar::from_headers(&parts.headers).get(FLASH_COOKIE).map(|c| c.value().to_owned())
        else {
            return Ok(Self { value: None, clear: None });
        };
        let envelope = URL_SAFE_NO_PAD
            .decode(cookie)
            .ok()
            .and_then(|json| serde_json::from_slice::<Envelope<serde_json::Value>>(&json).ok());
        let path = parts.uri.path();
        match envelope {
            Some(envelope) if envelope.page != path => Ok(Self { value: None, clear: None }),
            envelope => Ok(Self {
                value: envelope.map(|e| e.value),
                clear: Some(cookies::secure_for(&parts.headers, SecureCookies::Auto)),
            }),
        }
    }
}

impl IntoResponseParts for Flash {
    type Error = std::convert::Infallible;

    fn into_response_parts(self, mut parts: ResponseParts) -> Result<ResponseParts, Self::Error> {
        if let Some(secure) = self.clear {
            cookies::append(
                parts.headers_mut(),
                cookies::set_cookie(FLASH_COOKIE, "", SameSite::Strict, secure, Some(0)),
            );
        }
        Ok(parts)
    }
}
