//! The cookies Hearth sets, built one way: HttpOnly, path `/`, `Secure` when the request
//! came over https (or the operator says always).

use axum::http::{HeaderMap, HeaderValue, header};
use axum_extra::extract::cookie::Cookie;
pub use axum_extra::extract::cookie::SameSite;

use crate::config::SecureCookies;

/// Whether cookies on the answer to this request get the `Secure` attribute.
#[must_use]
pub fn secure_for(headers: &HeaderMap, mode: SecureCookies) -> bool {
    match mode {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https")),
    }
}

/// A `Set-Cookie` value. `max_age` of `None` makes a browser-session cookie; `Some(0)` deletes.
#[must_use]
pub fn set_cookie(name: &str, value: &str, same_site: SameSite, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut cookie = Cookie::build((name.to_owned(), value.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(secure);
    if let Some(secs) = max_age {
        cookie = cookie.max_age(time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&cookie.build().to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Appends a `Set-Cookie` header.
pub fn append(headers: &mut HeaderMap, value: HeaderValue) {
    headers.append(header::SET_COOKIE, value);
}
