//! The family page (admins only): everyone's account — a password reset link, their role,
//! disabling and enabling, deleting (in [`super::deletion`]) — and invite links. A link just
//! made is shown at the top of the page.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{NewSecret, PageContext, Timestamp, render_with_status};
use hearth_shared::{AppResult, CurrentUser, Identity, Role, http};
use serde::Deserialize;

use super::page;
use crate::AppState;

struct UserView {
    id: i64,
    display_name: String,
    username: String,
    role: String,
    disabled: bool,
    being_deleted: bool,
    is_me: bool,
    /// Their open reset link: its id and when it stops working.
    reset: Option<(String, Timestamp)>,
}

/// An open invite.
struct InviteView {
    id: String,
    role: String,
    expires: Timestamp,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    ctx: PageContext,
    notice: Option<&'static str>,
    users: Vec<UserView>,
    invites: Vec<InviteView>,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// Messages for `?done=` after a redirect.
fn notice(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "role" => Some("The role is changed. Every service sees it within a minute."),
        "disabled" => Some("The account is disabled: logged out everywhere, API tokens revoked."),
        "enabled" => Some("The account is enabled again. They log in with their password."),
        "withdrawn" => Some("The link is withdrawn; it no longer works."),
        _ => None,
    }
}

async fn admin_page(
    state: &AppState,
    admin: Identity,
    csrf: &CsrfToken,
    new_secret: Option<NewSecret>,
    notice: Option<&'static str>,
) -> AppResult<AdminPage> {
    let accounts = state.accounts.users(&admin).await?;
    let open_resets = state.accounts.open_password_resets(&admin).await?;
    let users = accounts
        .iter()
        .map(|u| UserView {
            is_me: u.id == admin.user_id,
            id: u.id,
            display_name: u.display_name.clone(),
            username: u.username.clone(),
            role: u.role.clone(),
            disabled: u.disabled_at.is_some(),
            being_deleted: u.deleting_at.is_some(),
            reset: open_resets.iter().find(|r| r.user_id == u.id).map(|r| (r.id.clone(), Timestamp::at(r.expires_at))),
        })
        .collect();
    let invites = state
        .accounts
        .open_invites(&admin)
        .await?
        .into_iter()
        .map(|i| InviteView { id: i.id, role: i.role, expires: Timestamp::at(i.expires_at) })
        .collect();
    Ok(AdminPage { ctx: page("Family", Some(admin), csrf).with_secret(new_secret), notice, users, invites })
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Query(query): Query<DoneQuery>,
) -> AppResult<Response> {
    let page = admin_page(&state, user, &csrf, flash.take(), notice(query.done.as_deref())).await?;
    Ok((flash, render_with_status(StatusCode::OK, &page)?).into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
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
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let role = Role::parse(&form.role)?;
    let (token, invite) = state.accounts.create_invite(&user, role).await?;
    let secret = NewSecret {
        id: "invite-url".to_owned(),
        title: "Your new invite link".to_owned(),
        value: format!("{}/invite/{token}", http::public_origin(&state.config, &headers)),
        note: format!(
            "Send it to the person you invite. It works once, for {}, and is not shown again.",
            lifetime(invite.expires_at - invite.created_at)
        ),
    };
    Ok(flash::redirect("/admin", &secret, secure_for(&headers, state.config.secure_cookies)))
}

pub async fn revoke_invite(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state.accounts.revoke_invite(&user, &id).await?;
    Ok(Redirect::to("/admin?done=withdrawn").into_response())
}

pub async fn create_reset(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (token, open) = state.accounts.create_password_reset(&user, id).await?;
    let secret = NewSecret {
        id: "reset-url".to_owned(),
        title: format!("A password reset link for {}", open.user.display_name),
        value: format!("{}/reset/{token}", http::public_origin(&state.config, &headers)),
        note: format!(
            "Send it to {} only. It works once, for {}: they choose a new password and are logged out everywhere \
             else. It is not shown again.",
            open.user.display_name,
            lifetime(open.reset.expires_at - open.reset.created_at)
        ),
    };
    Ok(flash::redirect("/admin", &secret, secure_for(&headers, state.config.secure_cookies)))
}

/// "24 hours", "7 days": how long a link works, in words that need no time zone.
fn lifetime(seconds: i64) -> String {
    match seconds / 3600 {
        hours @ 0..=48 => format!("{hours} hours"),
        hours => format!("{} days", hours / 24),
    }
}

pub async fn revoke_reset(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state.accounts.revoke_password_reset(&user, &id).await?;
    Ok(Redirect::to("/admin?done=withdrawn").into_response())
}

pub async fn set_role(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let role = Role::parse(&form.role)?;
    state.accounts.set_role(&user, id, role).await?;
    Ok(Redirect::to("/admin?done=role").into_response())
}

pub async fn disable_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.accounts.set_disabled(&user, id, true).await?;
    Ok(Redirect::to("/admin?done=disabled").into_response())
}

pub async fn enable_user(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.accounts.set_disabled(&user, id, false).await?;
    Ok(Redirect::to("/admin?done=enabled").into_response())
}
