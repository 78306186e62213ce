//! "Your account": where you are logged in (by device, with "sign out everywhere else"), the
//! time zone of times on pages, changing the password, personal API tokens (a new one shown at
//! the top of the page).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::auth::request_token;
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::db::unix_now;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{NewSecret, PageContext, Timestamp, render_with_status};
use hearth_shared::tokens::hash_token;
use hearth_shared::{AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::{form_outcome, page};
use crate::AppState;
use crate::domain::Device;

struct SessionView {
    id: String,
    /// "Firefox on Android".
    device: String,
    address: String,
    last_seen: Timestamp,
    current: bool,
}

struct TokenView {
    id: String,
    name: String,
    created: Timestamp,
    last_used: Option<Timestamp>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageContext,
    notice: Option<&'static str>,
    error: Option<String>,
    sessions: Vec<SessionView>,
    tokens: Vec<TokenView>,
    time_zone: Option<String>,
}

impl AccountPage {
    fn others(&self) -> usize {
        self.sessions.iter().filter(|s| !s.current).count()
    }
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// Messages for `?done=` after a redirect.
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "password" => Some("Your password is changed. Your other devices have been logged out."),
        "session" => Some("That device is logged out."),
        "others" => Some("You are logged out everywhere else. This device stays logged in."),
        "token" => Some("The token is revoked; scripts using it stop working now."),
        "zone" => Some("Your time zone is saved: times on every page follow it."),
        _ => None,
    }
}

/// What the page shows beside its lists.
#[derive(Default)]
struct Extras {
    notice: Option<&'static str>,
    error: Option<String>,
    new_token: Option<String>,
}

async fn account_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    headers: &HeaderMap,
    extras: Extras,
) -> AppResult<AccountPage> {
    let current_hash = request_token(headers).map(|t| hash_token(&t)).unwrap_or_default();
    let now = unix_now();
    let mut sessions: Vec<SessionView> = state
        .accounts
        .sessions(&user)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.token_hash == current_hash,
            id: s.id,
            device: Device::from_user_agent(&s.user_agent).to_string(),
            address: s.client_ip,
            last_seen: Timestamp::ago(s.last_seen_at, now),
        })
        .collect();
    sessions.sort_by_key(|s| !s.current);
    let tokens = state
        .accounts
        .api_tokens(&user)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created: Timestamp::at(t.created_at),
            last_used: t.last_used_at.map(|at| Timestamp::ago(at, now)),
        })
        .collect();
    let time_zone = state.accounts.time_zone(&user).await?;
    let secret = extras.new_token.map(|value| NewSecret {
        id: "new-token".to_owned(),
        title: "Your new API token".to_owned(),
        value,
        note: "Copy it now: it is not shown again. Send it as Authorization: Bearer <token>.".to_owned(),
    });
    Ok(AccountPage {
        ctx: page("Your account", Some(user), csrf).with_secret(secret).with_time_zone(time_zone.as_deref()),
        notice: extras.notice,
        error: extras.error,
        sessions,
        tokens,
        time_zone,
    })
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    flash: Flash,
    Query(query): Query<DoneQuery>,
) -> AppResult<Response> {
    let extras = Extras { notice: notice(query.done.as_deref()), new_token: flash.take(), ..Extras::default() };
    let page = render_with_status(StatusCode::OK, &account_page(&state, user, &csrf, &headers, extras).await?)?;
    Ok((flash, page).into_response())
}

/// The page again, with the form's error.
async fn with_error(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    headers: &HeaderMap,
    (status, message): (StatusCode, String),
) -> AppResult<Response> {
    let extras = Extras { error: Some(message), ..Extras::default() };
    render_with_status(status, &account_page(state, user, csrf, headers, extras).await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let token = request_token(&headers).unwrap_or_default();
    let result = state.accounts.change_password(&user, &token, &form.current_password, &form.new_password).await;
    match form_outcome(result)? {
        Ok(()) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(error) => with_error(&state, user, &csrf, &headers, error).await,
    }
}

#[derive(Deserialize)]
pub struct TimeZoneForm {
    #[serde(default)]
    time_zone: String,
}

pub async fn set_time_zone(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Form(form): Form<TimeZoneForm>,
) -> AppResult<Response> {
    match form_outcome(state.accounts.set_time_zone(&user, &form.time_zone).await)? {
        Ok(_) => Ok(Redirect::to("/account?done=zone").into_response()),
        Err(error) => with_error(&state, user, &csrf, &headers, error).await,
    }
}

pub async fn revoke_session(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state.accounts.revoke_session(&user, &id).await?;
    Ok(Redirect::to("/account?done=session").into_response())
}

pub async fn sign_out_others(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> AppResult<Response> {
    let token = request_token(&headers).unwrap_or_default();
    state.accounts.sign_out_everywhere_else(&user, &token).await?;
    Ok(Redirect::to("/account?done=others").into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    match form_outcome(state.accounts.create_api_token(&user, &form.name).await)? {
        Ok((token, _)) => Ok(flash::redirect("/account", &token, secure_for(&headers, state.config.secure_cookies))),
        Err(error) => with_error(&state, user, &csrf, &headers, error).await,
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state.accounts.revoke_api_token(&user, &id).await?;
    Ok(Redirect::to("/account?done=token").into_response())
}
