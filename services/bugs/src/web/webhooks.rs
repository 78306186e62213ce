//! The admins' webhooks page: every webhook with how its deliveries are going, a form to add
//! one (its secret shown once, at the top, after the redirect), and a button to remove one.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{NewSecret, PageContext, Timestamp, render_with_status};
use hearth_shared::{AppResult, CurrentUser, Identity};
use serde::{Deserialize, Serialize};

use super::{Nav, form_error, page, when};
use crate::AppState;
use crate::db::projects::CountedProject;

const PAGE: &str = "/bugs/webhooks";

/// One webhook as the page shows it.
struct Row {
    id: i64,
    url: String,
    project: String,
    created: Timestamp,
    delivered: i64,
    pending: i64,
    failed: i64,
    last_error: String,
}

/// A webhook just made: its secret, shown once.
#[derive(Serialize, Deserialize)]
struct NewWebhook {
    url: String,
    secret: String,
}

/// What the add form shows again after a mistake.
#[derive(Default)]
struct Typed {
    url: String,
    project: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    ctx: PageContext,
    nav: Nav,
    rows: Vec<Row>,
    projects: Vec<CountedProject>,
    typed: Typed,
    error: Option<String>,
}

async fn webhooks_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    new_webhook: Option<NewWebhook>,
    (typed, error): (Typed, Option<String>),
) -> AppResult<Response> {
    let rows = state
        .tracker
        .webhooks(&user)
        .await?
        .into_iter()
        .map(|w| Row {
            id: w.id,
            url: w.url,
            project: w.project_key.unwrap_or_else(|| "All projects".to_owned()),
            created: when(w.created_at),
            delivered: w.delivered,
            pending: w.pending,
            failed: w.failed,
            last_error: w.last_error.unwrap_or_default(),
        })
        .collect();
    let projects = state.tracker.projects(&user).await?;
    let nav = Nav::load(state, &user, "webhooks").await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let secret = new_webhook.map(|new| NewSecret {
        id: "webhook-secret".to_owned(),
        title: "Copy the webhook's secret now".to_owned(),
        value: new.secret,
        note: format!(
            "Events for {} are signed with it (X-Hearth-Signature-256). It is shown only this once.",
            new.url
        ),
    });
    let page_data =
        WebhooksPage { ctx: page("Webhooks", user, csrf).with_secret(secret), nav, rows, projects, typed, error };
    render_with_status(status, &page_data)
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
) -> AppResult<Response> {
    let page = webhooks_page(&state, user, &csrf, flash.take(), (Typed::default(), None)).await?;
    Ok((flash, page).into_response())
}

#[derive(Deserialize)]
pub struct WebhookForm {
    url: String,
    #[serde(default)]
    project: String,
    #[serde(default)]
    secret: String,
}

pub async fn create(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Form(form): Form<WebhookForm>,
) -> AppResult<Response> {
    let project = Some(form.project.as_str()).filter(|p| !p.is_empty());
    let secret = Some(form.secret.as_str()).filter(|s| !s.trim().is_empty());
    match state.tracker.create_webhook(&user, &form.url, project, secret).await {
        Ok((row, secret)) => {
            let secure = secure_for(&headers, state.service.config.secure_cookies);
            Ok(flash::redirect(PAGE, &NewWebhook { url: row.url, secret }, secure))
        }
        Err(e) => {
            let typed = Typed { url: form.url, project: form.project };
            webhooks_page(&state, user, &csrf, None, (typed, Some(form_error(e)?))).await
        }
    }
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    state.tracker.delete_webhook(&user, id).await?;
    Ok(Redirect::to(PAGE).into_response())
}
