//! Pages that open and close sessions: first-run setup, login, logout, accepting an invite.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::auth::{MaybeUser, request_token};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, render_with_status};
use hearth_shared::{AppError, AppResult};
use serde::Deserialize;

use super::{form_outcome, page, safe_next, with_session_cookie};
use crate::AppState;
use crate::accounts::{ClientInfo, Signup};

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: PageContext,
    error: Option<String>,
    username: String,
    display_name: String,
}

#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

impl SignupForm {
    fn signup(&self) -> Signup<'_> {
        Signup { username: &self.username, display_name: &self.display_name, password: &self.password }
    }
}

pub async fn setup_form(State(state): State<AppState>, csrf: CsrfToken) -> AppResult<Response> {
    if !state.accounts.needs_setup().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let page = SetupPage {
        ctx: page("Welcome", None, &csrf),
        error: None,
        username: String::new(),
        display_name: String::new(),
    };
    render_with_status(StatusCode::OK, &page)
}

pub async fn setup(
    State(state): State<AppState>,
    csrf: CsrfToken,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    match form_outcome(state.accounts.setup(&form.signup(), &client).await)? {
        Ok(session) => Ok(with_session_cookie(&state, &headers, Some(&session.token), "/")),
        Err((status, message)) => {
            let page = SetupPage {
                ctx: page("Welcome", None, &csrf),
                error: Some(message),
                username: form.username,
                display_name: form.display_name,
            };
            render_with_status(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: PageContext,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    MaybeUser(user): MaybeUser,
    Query(query): Query<NextQuery>,
) -> AppResult<Response> {
    if state.accounts.needs_setup().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let page = LoginPage { ctx: page("Log in", None, &csrf), error: None, username: String::new(), next };
    render_with_status(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    csrf: CsrfToken,
    client: ClientInfo,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    let result = state.accounts.login(&form.username, &form.password, &client).await;
    let retry_after = match &result {
        Err(AppError::TooManyRequests { retry_after_secs, .. }) => Some(*retry_after_secs),
        _ => None,
    };
    match form_outcome(result)? {
        Ok(session) => Ok(with_session_cookie(&state, &headers, Some(&session.token), &next)),
        Err((status, message)) => {
            let page =
                LoginPage { ctx: page("Log in", None, &csrf), error: Some(message), username: form.username, next };
            let mut response = render_with_status(status, &page)?;
            if let Some(secs) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Ok(response)
        }
    }
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> AppResult<Response> {
    if let Some(token) = request_token(&headers) {
        state.accounts.logout(&token).await?;
    }
    Ok(with_session_cookie(&state, &headers, None, "/login"))
}

#[derive(Template)]
#[template(path = "invite.html")]
struct InvitePage {
    ctx: PageContext,
    error: Option<String>,
    username: String,
    display_name: String,
    role: String,
}

pub async fn invite_form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let invite = state.accounts.open_invite(&token).await?;
    let page = InvitePage {
        ctx: page("Join the family", None, &csrf),
        error: None,
        username: String::new(),
        display_name: String::new(),
        role: invite.role,
    };
    render_with_status(StatusCode::OK, &page)
}

pub async fn accept_invite(
    State(state): State<AppState>,
    csrf: CsrfToken,
    client: ClientInfo,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    match state.accounts.accept_invite(&token, &form.signup(), &client).await {
        Ok(session) => Ok(with_session_cookie(&state, &headers, Some(&session.token), "/")),
        Err(e @ (AppError::NotFound(_) | AppError::Gone(_))) => Err(e),
        Err(e) => {
            let Some(message) = e.form_message() else {
                return Err(e);
            };
            let invite = state.accounts.open_invite(&token).await?;
            let page = InvitePage {
                ctx: page("Join the family", None, &csrf),
                error: Some(message),
                username: form.username,
                display_name: form.display_name,
                role: invite.role,
            };
            render_with_status(e.status(), &page)
        }
    }
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    ctx: PageContext,
    error: Option<String>,
    display_name: String,
    username: String,
}

pub async fn reset_form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let open = state.accounts.open_password_reset(&token).await?;
    let page = ResetPage {
        ctx: page("Choose a new password", None, &csrf),
        error: None,
        display_name: open.user.display_name,
        username: open.user.username,
    };
    render_with_status(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new_password: String,
}

pub async fn reset_password(
    State(state): State<AppState>,
    csrf: CsrfToken,
    client: ClientInfo,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    match state.accounts.use_password_reset(&token, &form.new_password, &client).await {
        Ok(session) => Ok(with_session_cookie(&state, &headers, Some(&session.token), "/?done=password")),
        Err(e @ (AppError::NotFound(_) | AppError::Gone(_))) => Err(e),
        Err(e) => {
            let Some(message) = e.form_message() else {
                return Err(e);
            };
            let open = state.accounts.open_password_reset(&token).await?;
            let page = ResetPage {
                ctx: page("Choose a new password", None, &csrf),
                error: Some(message),
                display_name: open.user.display_name,
                username: open.user.username,
            };
            render_with_status(e.status(), &page)
        }
    }
}
