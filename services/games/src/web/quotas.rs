//! The quotas page (admins only): each member's usage and limits, and a form per member to
//! set them. A value that does not parse comes back on the page beside that member's form.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, render, render_with_status};
use hearth_shared::{AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::pages::page;
use crate::AppState;
use crate::domain::Quota;
use crate::manager::MemberQuota;

/// A member's row: the form shows their quota, or what was just typed when it was refused.
struct QuotaLine {
    member: MemberQuota,
    max_running: String,
    max_memory_mb: String,
    error: Option<String>,
}

/// A form that did not parse: whose, what was typed, and why.
struct Refused {
    user_id: i64,
    form: QuotaForm,
    message: String,
}

#[derive(Template)]
#[template(path = "quotas.html")]
struct QuotasPage {
    ctx: PageContext,
    lines: Vec<QuotaLine>,
    refused: Option<Refused>,
    most_running: u32,
    most_memory_mb: u32,
}

#[derive(Deserialize)]
pub struct QuotaForm {
    #[serde(default)]
    max_running: String,
    #[serde(default)]
    max_memory_mb: String,
}

async fn quotas_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    refused: Option<Refused>,
) -> AppResult<QuotasPage> {
    let members = state.manager.member_quotas(&user).await?;
    let lines = members
        .into_iter()
        .map(|member| match refused.as_ref().filter(|r| r.user_id == member.user_id) {
            Some(refused) => QuotaLine {
                max_running: refused.form.max_running.clone(),
                max_memory_mb: refused.form.max_memory_mb.clone(),
                error: Some(refused.message.clone()),
                member,
            },
            None => QuotaLine {
                max_running: member.quota.max_running.to_string(),
                max_memory_mb: member.quota.max_memory_mb.to_string(),
                error: None,
                member,
            },
        })
        .collect();
    Ok(QuotasPage {
        ctx: page("Quotas", user, csrf),
        lines,
        refused,
        most_running: Quota::MOST_RUNNING,
        most_memory_mb: Quota::MOST_MEMORY_MB,
    })
}

pub async fn show(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    render(&quotas_page(&state, user, &csrf, None).await?)
}

/// Sets a member's quota; a value that does not parse comes back on the page (422).
pub async fn set(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path(user_id): Path<i64>,
    Form(form): Form<QuotaForm>,
) -> AppResult<Response> {
    match Quota::parse(&form.max_running, &form.max_memory_mb) {
        Ok(quota) => {
            state.manager.set_quota(&user, user_id, quota).await?;
            Ok(Redirect::to(&format!("/games/quotas#member-{user_id}")).into_response())
        }
        Err(message) => {
            let refused = Refused { user_id, form, message };
            render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &quotas_page(&state, user, &csrf, Some(refused)).await?,
            )
        }
    }
}
