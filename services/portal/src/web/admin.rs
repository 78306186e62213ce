//! The family page (admins only): accounts, disabling and enabling them, invite links.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{PageContext, format_time, render_with_status};
use hearth_shared::{AppResult, CurrentUser, Identity, Role, http};
use serde::{Deserialize, Serialize};

use super::page;
use crate::AppState;

struct UserView {
    id: i64,
    display_name: String,
    username: String,
    role: String,
    disabled: bool,
    is_me: bool,
}

struct InviteView {
    id: String,
    role: String,
    expires: String,
}

/// A link just made, shown once.
#[derive(Serialize, Deserialize)]
struct NewInvite {
    url: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ctx: PageContext,
    users: Vec<UserView>,
    invites: Vec<InviteView>,
    new_invite: Option<NewInvite>,
}

async fn admin_page(
    state: &AppState,
    admin: Identity,
    csrf: &CsrfToken,
    new_invite: Option<NewInvite>,
) -> AppResult<AdminPage> {
    let users = state
        .accounts
        .users(&admin)
        .await?
        .into_iter()
        .map(|u| UserView {
            is_me: u.id == admin.user_id,
            id: u.id,
            display_name: u.display_name,
            username: u.username,
            role: u.role,
            disabled: u.disabled_at.is_some(),
        })
        .collect();
    let invites = state
        .accounts
        .open_invites(&admin)
        .await?
        .into_iter()
        .map(|i| InviteView { id: i.id, role: i.role, expires: format_time(i.expires_at) })
        .collect();
    Ok(AdminPage { ctx: page("Family", Some(admin), csrf), users, invites, new_invite })
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
) -> AppResult<Response> {
    let page = render_with_status(StatusCode::OK, &admin_page(&state, user, &csrf, flash.take()).await?)?;
    Ok((flash, page).into_response())
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default = "member")]
    role: String,
}

fn member() -> String {
    Role::Member.as_str().to_owned()
}

pub async fn create_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let role = Role::parse(&form.role)?;
    let (token, invite) = state.accounts.create_invite(&user, role).await?;
    let new_invite = NewInvite {
        url: format!("{}/invite/{token}", http::public_origin(&state.config, &headers)),
        expires: format_time(invite.expires_at),
    };
    Ok(flash::redirect("/admin", &new_invite, secure_for(&headers, state.config.secure_cookies)))
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state.accounts.revoke_invite(&user, &id).await?;
    Ok(Redirect::to("/admin").into_response())
}

pub async fn disable_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.accounts.set_disabled(&user, id, true).await?;
    Ok(Redirect::to("/admin").into_response())
}

pub async fn enable_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.accounts.set_disabled(&user, id, false).await?;
    Ok(Redirect::to("/admin").into_response())
}
