//! Deleting an account (admins only, ADR 0053): a page that says what each service does with
//! what was the member's, a confirm button, and a page that says what each service did (or
//! which did not answer, with a button to finish).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hearth_shared::auth::request_token;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::{PageContext, render_with_status};
use hearth_shared::{AppResult, CurrentUser};

use super::page;
use crate::AppState;
use crate::accounts::family::{Deletion, ServiceAnswer};
use crate::members::Caller;

/// One part of the page: a service (or Hearth itself) and what it says.
struct PartView {
    name: &'static str,
    lines: Vec<String>,
    /// Why it could not say or do its part.
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "deletion.html")]
struct DeletionPage {
    ctx: PageContext,
    user_id: i64,
    name: String,
    parts: Vec<PartView>,
    /// True once it is done; false on the page before.
    done: bool,
    finished: bool,
    /// Services that did not answer, which blocks the deletion (before) or its end (after).
    failed: Vec<&'static str>,
}

fn parts(deletion: &Deletion) -> Vec<PartView> {
    let mut parts = vec![PartView { name: "Hearth", lines: deletion.portal.clone(), problem: None }];
    parts.extend(deletion.services.iter().map(|part| match &part.answer {
        ServiceAnswer::Said(lines) => PartView { name: part.service, lines: lines.clone(), problem: None },
        ServiceAnswer::Failed(reason) => {
            PartView { name: part.service, lines: Vec::new(), problem: Some(reason.clone()) }
        }
        ServiceAnswer::NotConnected { setting } => PartView {
            name: part.service,
            lines: vec![format!(
                "This portal runs without {}: {setting} is not set, so nothing is removed there.",
                part.service
            )],
            problem: None,
        },
    }));
    parts
}

fn deletion_page(ctx: PageContext, user_id: i64, deletion: &Deletion, done: bool) -> DeletionPage {
    DeletionPage {
        ctx,
        user_id,
        name: deletion.member.display_name.clone(),
        parts: parts(deletion),
        done,
        finished: deletion.finished,
        failed: deletion.failed(),
    }
}

pub async fn plan(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let token = request_token(&headers).unwrap_or_default();
    let deletion = state.accounts.deletion_plan(Caller { identity: &user, token: &token }, id).await?;
    let title = format!("Delete {}'s account?", deletion.member.display_name);
    render_with_status(StatusCode::OK, &deletion_page(page(&title, Some(user.clone()), &csrf), id, &deletion, false))
}

pub async fn delete(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let token = request_token(&headers).unwrap_or_default();
    let deletion = state.accounts.delete_account(Caller { identity: &user, token: &token }, id).await?;
    let (title, status) = if deletion.finished {
        (format!("{}'s account is deleted", deletion.member.display_name), StatusCode::OK)
    } else {
        (format!("{}'s account is not deleted yet", deletion.member.display_name), StatusCode::SERVICE_UNAVAILABLE)
    };
    render_with_status(status, &deletion_page(page(&title, Some(user.clone()), &csrf), id, &deletion, true))
}
