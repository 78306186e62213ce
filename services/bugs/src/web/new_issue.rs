//! The family form: title, what happened, and an optional screenshot (picked, dropped or
//! pasted), with priority, labels and assignee folded away under "More fields". Sent as one
//! multipart form; a mistake redirects back to the form, which shows what to fix and what was
//! typed (kept as a draft), so the form's address never stays in the address bar (ADR 0059).

use askama::Template;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::Flash;
use hearth_shared::http::body::multipart_error;
use hearth_shared::layout::{PageContext, render_with_status};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::{Deserialize, Serialize};

use super::{Nav, page, parse_labels, refusal, refuse};
use crate::AppState;
use crate::db::people::PersonRow;
use crate::db::projects::ProjectRow;
use crate::domain::{IssueTitle, Priority};
use crate::tracker::{IssueInput, Upload};

/// What was typed, to show again (a file cannot be put back into a form: it is chosen again).
#[derive(Default, Serialize, Deserialize)]
struct Typed {
    title: String,
    description: String,
    priority: String,
    labels: String,
    assignee: String,
    #[serde(skip)]
    screenshot: Option<Upload>,
}

#[derive(Template)]
#[template(path = "new_issue.html")]
struct NewIssuePage {
    ctx: PageContext,
    nav: Nav,
    project: ProjectRow,
    typed: Typed,
    people: Vec<PersonRow>,
    priorities: Vec<(&'static str, &'static str)>,
    max_attachment_mb: usize,
    error: Option<String>,
}

async fn show(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    project: ProjectRow,
    typed: Typed,
    (status, error): (StatusCode, Option<String>),
) -> AppResult<Response> {
    let nav = Nav::load(state, &user, "issues").await?;
    render_with_status(
        status,
        &NewIssuePage {
            ctx: page(format!("New issue · {}", project.key), user, csrf),
            nav,
            people: state.tracker.people().await?,
            priorities: Priority::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
            max_attachment_mb: state.tracker.max_attachment_bytes() / (1024 * 1024),
            project,
            typed,
            error,
        },
    )
}

/// Where a refused filing's draft is kept.
fn draft_place(key: &str) -> String {
    format!("new:{key}")
}

pub async fn form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    flash: Flash,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let project = state.tracker.project(&user, &key).await?;
    let fresh = || Typed { priority: Priority::Normal.as_str().to_owned(), ..Typed::default() };
    let (typed, shown) = match refusal(&flash) {
        Some(refusal) => {
            let kept: Option<Typed> = state.tracker.take_draft(&user, &draft_place(&project.key)).await?;
            (kept.unwrap_or_else(fresh), (refusal.status(), Some(refusal.message)))
        }
        None => (fresh(), (StatusCode::OK, None)),
    };
    let page = show(&state, user, &csrf, project, typed, shown).await?;
    Ok((flash, page).into_response())
}

/// Reads the form into `typed`, field by field, so what arrived before a failure is kept.
async fn read_form(mut form: Multipart, max_attachment_bytes: usize, typed: &mut Typed) -> AppResult<()> {
    let broke = |e: MultipartError| multipart_error(&e, "The screenshot", max_attachment_bytes);
    while let Some(field) = form.next_field().await.map_err(broke)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "screenshot" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(broke)?;
            if !bytes.is_empty() {
                typed.screenshot = Some(Upload { name: file_name, bytes });
            }
            continue;
        }
        let value = field.text().await.map_err(broke)?;
        match name.as_str() {
            "title" => typed.title = value,
            "description" => typed.description = value,
            "priority" => typed.priority = value,
            "labels" => typed.labels = value,
            "assignee" => typed.assignee = value,
            _ => {}
        }
    }
    Ok(())
}

fn input(typed: &Typed) -> AppResult<IssueInput> {
    Ok(IssueInput {
        title: IssueTitle::parse(&typed.title)?,
        description: typed.description.clone(),
        priority: if typed.priority.trim().is_empty() { Priority::Normal } else { Priority::parse(&typed.priority)? },
        labels: parse_labels(&typed.labels)?,
        assignee: Some(typed.assignee.clone()).filter(|a| !a.trim().is_empty()),
    })
}

pub async fn file(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Path(key): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let project = state.tracker.project(&user, &key).await?;
    let mut typed = Typed::default();
    let filed = async {
        read_form(form, state.tracker.max_attachment_bytes(), &mut typed).await?;
        let input = input(&typed)?;
        if let Some(screenshot) = &typed.screenshot {
            state.tracker.check(screenshot)?;
        }
        let issue = state.tracker.file(&user, &project.key, &input).await?;
        if let Some(screenshot) = typed.screenshot.take() {
            state.tracker.attach(&user, &project.key, issue.number, screenshot).await?;
        }
        Ok::<_, AppError>(issue)
    }
    .await;
    match filed {
        Ok(issue) => Ok(Redirect::to(&format!("/bugs/p/{}/{}", issue.project_key, issue.number)).into_response()),
        Err(error) => {
            state.tracker.keep_draft(&user, &draft_place(&project.key), &typed).await?;
            refuse(&state, &headers, &format!("/bugs/p/{}/new", project.key), error)
        }
    }
}
