//! The inbox: someone's notifications, newest first, unread ones marked, "mark all as read",
//! and where their notification emails go.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, Timestamp, render_with_status};
use hearth_shared::{AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::{Nav, form_error, page, when};
use crate::AppState;
use crate::domain::EmailAddress;
use crate::tracker::EmailSettings;

/// One notification as the inbox shows it.
struct Row {
    summary: String,
    reference: String,
    title: String,
    url: String,
    when: Timestamp,
    unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ctx: PageContext,
    nav: Nav,
    rows: Vec<Row>,
    unread: i64,
    email: EmailSettings,
    /// What the address field shows: the saved address, or a refused one.
    typed_address: String,
    error: Option<String>,
}

async fn inbox_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    refused: Option<(String, String)>,
) -> AppResult<Response> {
    let inbox = state.tracker.inbox(&user).await?;
    let email = state.tracker.email_settings(&user).await?;
    let nav = Nav::load(state, &user, "inbox").await?;
    let rows = inbox
        .notifications
        .into_iter()
        .map(|n| Row {
            reference: format!("{}-{}", n.project_key, n.number),
            url: format!("/bugs/p/{}/{}", n.project_key, n.number),
            when: when(n.created_at),
            unread: n.read_at.is_none(),
            summary: n.summary,
            title: n.title,
        })
        .collect();
    let (status, typed_address, error) = match refused {
        Some((typed, message)) => (StatusCode::UNPROCESSABLE_ENTITY, typed, Some(message)),
        None => (StatusCode::OK, email.address.clone().unwrap_or_default(), None),
    };
    let page_data =
        InboxPage { ctx: page("Inbox", user, csrf), nav, rows, unread: inbox.unread, email, typed_address, error };
    render_with_status(status, &page_data)
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    inbox_page(&state, user, &csrf, None).await
}

pub async fn read_all(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> AppResult<Response> {
    state.tracker.mark_all_read(&user).await?;
    Ok(Redirect::to("/bugs/inbox").into_response())
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    address: String,
}

/// Saves where notification emails go; an empty address stops them.
pub async fn set_email(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Form(form): Form<EmailForm>,
) -> AppResult<Response> {
    let address = Some(form.address.trim()).filter(|a| !a.is_empty()).map(EmailAddress::parse).transpose();
    let saved = match address {
        Ok(address) => state.tracker.set_email(&user, address.as_ref()).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to("/bugs/inbox#email").into_response()),
        Err(e) => {
            let message = form_error(e)?;
            inbox_page(&state, user, &csrf, Some((form.address, message))).await
        }
    }
}
