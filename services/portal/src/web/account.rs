//! "Your account": sessions on other devices, personal API tokens, changing the password.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::auth::request_token;
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{PageContext, format_time, render_with_status};
use hearth_shared::tokens::hash_token;
use hearth_shared::{AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::{form_outcome, page};
use crate::AppState;

struct SessionView {
    id: String,
    device: String,
    address: String,
    last_seen: String,
    current: bool,
}

struct TokenView {
    id: String,
    name: String,
    created: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageContext,
    notice: Option<&'static str>,
    error: Option<String>,
    new_token: Option<String>,
    sessions: Vec<SessionView>,
    tokens: Vec<TokenView>,
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
        "token" => Some("The token is revoked; scripts using it stop working now."),
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
    let sessions = state
        .accounts
        .sessions(&user)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.token_hash == current_hash,
            id: s.id,
            device: s.user_agent,
            address: s.client_ip,
            last_seen: format_time(s.last_seen_at),
        })
        .collect();
    let tokens = state
        .accounts
        .api_tokens(&user)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created: format_time(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "never".to_owned(), format_time),
        })
        .collect();
    Ok(AccountPage {
        ctx: page("Your account", Some(user), csrf),
        notice: extras.notice,
        error: extras.error,
        new_token: extras.new_token,
        sessions,
        tokens,
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
        Err((status, message)) => {
            let extras = Extras { error: Some(message), ..Extras::default() };
            render_with_status(status, &account_page(&state, user, &csrf, &headers, extras).await?)
        }
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
        Err((status, message)) => {
            let extras = Extras { error: Some(message), ..Extras::default() };
            render_with_status(status, &account_page(&state, user, &csrf, &headers, extras).await?)
        }
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
