//! The family form: title, what happened, and an optional screenshot (picked, dropped or
//! pasted), with priority, labels and assignee folded away under "More fields". Sent as one
//! multipart form; a mistake shows the form again with what was typed and what to fix.

use askama::Template;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bytes::Bytes;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::http::body::multipart_error;
use hearth_shared::layout::{PageContext, render_with_status};
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};

use super::{form_error, page, parse_labels};
use crate::AppState;
use crate::db::people::PersonRow;
use crate::db::projects::ProjectRow;
use crate::domain::{IssueTitle, Priority};
use crate::tracker::IssueInput;

/// What was typed, to show again.
#[derive(Default)]
struct Typed {
    title: String,
    description: String,
    priority: String,
    labels: String,
    assignee: String,
    screenshot: Option<(String, Bytes)>,
}

#[derive(Template)]
#[template(path = "new_issue.html")]
struct NewIssuePage {
    ctx: PageContext,
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
    error: Option<String>,
) -> AppResult<Response> {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_with_status(
        status,
        &NewIssuePage {
            ctx: page(format!("New issue · {}", project.key), user, csrf),
            people: state.tracker.people().await?,
            priorities: Priority::ALL.iter().map(|p| (p.as_str(), p.label())).collect(),
            max_attachment_mb: state.tracker.max_attachment_bytes() / (1024 * 1024),
            project,
            typed,
            error,
        },
    )
}

pub async fn form(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
) -> AppResult<Response> {
    let project = state.tracker.project(&user, &key).await?;
    let typed = Typed { priority: Priority::Normal.as_str().to_owned(), ..Typed::default() };
    show(&state, user, &csrf, project, typed, None).await
}

async fn read_form(mut form: Multipart, max_attachment_bytes: usize) -> AppResult<Typed> {
    let broke = |e: MultipartError| multipart_error(&e, "The screenshot", max_attachment_bytes);
    let mut typed = Typed::default();
    while let Some(field) = form.next_field().await.map_err(broke)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "screenshot" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(broke)?;
            if !bytes.is_empty() {
                typed.screenshot = Some((file_name, bytes));
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
    Ok(typed)
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
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
    form: Multipart,
) -> AppResult<Response> {
    let project = state.tracker.project(&user, &key).await?;
    let mut typed = read_form(form, state.tracker.max_attachment_bytes()).await?;
    let filed = async {
        let input = input(&typed)?;
        let issue = state.tracker.file(&user, &project.key, &input).await?;
        if let Some((name, bytes)) = typed.screenshot.take() {
            state.tracker.attach(&user, &project.key, issue.number, &name, bytes).await?;
        }
        Ok::<_, AppError>(issue)
    }
    .await;
    match filed {
        Ok(issue) => Ok(Redirect::to(&format!("/bugs/p/{}/{}", issue.project_key, issue.number)).into_response()),
        Err(e) => {
            let message = form_error(e)?;
            show(&state, user, &csrf, project, typed, Some(message)).await
        }
    }
}
