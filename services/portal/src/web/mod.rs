//! The portal's pages: first-run setup, login, invites and reset links, the home page, the
//! account page and the family (admin) page with deleting an account. Handlers parse the
//! form, call [`crate::accounts`], render.

mod account;
mod admin;
mod deletion;
mod home;
mod sign_in;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hearth_shared::auth::{SESSION_COOKIE, request_token};
use hearth_shared::cookies::SameSite;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::PageContext;
use hearth_shared::{AppError, Identity, cookies, http};

use crate::AppState;
use crate::accounts::{ClientInfo, SESSION_LIFETIME_SECS};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/setup", get(sign_in::setup_form).post(sign_in::setup))
        .route("/login", get(sign_in::login_form).post(sign_in::login))
        .route("/logout", post(sign_in::logout))
        .route("/invite/{token}", get(sign_in::invite_form).post(sign_in::accept_invite))
        .route("/reset/{token}", get(sign_in::reset_form).post(sign_in::reset_password))
        .route("/favicon.ico", get(hearth_shared::layout::favicon))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/time-zone", post(account::set_time_zone))
        .route("/account/sessions/{id}/revoke", post(account::revoke_session))
        .route("/account/sessions/others/revoke", post(account::sign_out_others))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/admin", get(admin::show))
        .route("/admin/invites", post(admin::create_invite))
        .route("/admin/invites/{id}/revoke", post(admin::revoke_invite))
        .route("/admin/resets/{id}/revoke", post(admin::revoke_reset))
        .route("/admin/users/{id}/disable", post(admin::disable_user))
        .route("/admin/users/{id}/enable", post(admin::enable_user))
        .route("/admin/users/{id}/reset", post(admin::create_reset))
        .route("/admin/users/{id}/role", post(admin::set_role))
        .route("/admin/users/{id}/delete", get(deletion::plan))
}

/// Deleting an account, which waits for every service (games stop servers first): not bound
/// by the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new().route("/admin/users/{id}/delete", post(deletion::delete))
}

/// The layout's context for a portal page.
fn page(title: &str, user: Option<Identity>, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, user, &csrf.0, "")
}

/// Splits a use-case result into "show this message on the form" and "show the error page".
fn form_outcome<T>(result: Result<T, AppError>) -> Result<Result<T, (StatusCode, String)>, AppError> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(e) => match e.form_message() {
            Some(message) => Ok(Err((e.status(), message))),
            None => Err(e),
        },
    }
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Self {
            ip: http::client_ip(&parts.headers, peer, state.config.trust_forwarded_for),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("unknown device")
                .to_owned(),
            replaces: request_token(&parts.headers),
        })
    }
}

/// A redirect that also sets (or, with `None`, clears) the session cookie.
fn with_session_cookie(state: &AppState, headers: &HeaderMap, token: Option<&str>, to: &str) -> Response {
    let secure = cookies::secure_for(headers, state.config.secure_cookies);
    let cookie = match token {
        Some(token) => cookies::set_cookie(SESSION_COOKIE, token, SameSite::Lax, secure, Some(SESSION_LIFETIME_SECS)),
        None => cookies::set_cookie(SESSION_COOKIE, "", SameSite::Lax, secure, Some(0)),
    };
    let mut response = Redirect::to(to).into_response();
    cookies::append(response.headers_mut(), cookie);
    response
}

/// Where to go after login: a path of this site, never another site. What a browser would
/// read differently from us (tabs, newlines and other control characters, which browsers strip;
/// backslashes, which they turn into slashes) sends the member home instead.
fn safe_next(next: Option<&str>) -> String {
    let home = || "/".to_owned();
    let Some(raw) = next.filter(|n| n.starts_with('/')) else { return home() };
    if raw.chars().any(|c| c.is_control() || c == '\\') {
        return home();
    }
    let Ok(base) = url::Url::parse("http://hearth.invalid/") else { return home() };
    match base.join(raw) {
        Ok(joined) if joined.origin() == base.origin() => joined[url::Position::BeforePath..].to_owned(),
        _ => home(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/photos/?album=3#top")), "/photos/?album=3#top");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "evil.example",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
