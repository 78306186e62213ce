//! The project list (with the admin's forms) and issue lists with the query box. A list opens
//! on the open issues; a query that does not parse is explained under the box, on a normal
//! 200 page, and one that names a label or person nobody has used says so.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Redirect, Response};
use axum::{Form, response::IntoResponse};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::layout::PageContext;
use hearth_shared::layout::render;
use hearth_shared::{AppError, AppResult, CurrentUser, Identity};
use serde::Deserialize;

use super::{LabelChip, Nav, form_error, page, when};
use crate::AppState;
use crate::db::issues::Cursor;
use crate::db::labels::LabelRow;
use crate::db::projects::{CountedProject, ProjectRow};
use crate::db::views::ViewRow;
use crate::domain::query::{IssueQuery, QueryError, Sort};
use crate::domain::{Colour, LabelName, Priority, ProjectKey, ProjectName, Status};
use crate::tracker::{Page as IssuePage, ProjectInput};

/// Issues on one page of a list.
const LIST_PAGE: i64 = 50;

/// What a list shows before anything is typed into its box.
const DEFAULT_QUERY: &str = "is:open";

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    ctx: PageContext,
    nav: Nav,
    projects: Vec<CountedProject>,
    labels: Vec<LabelChip>,
    views: Vec<ViewRow>,
    error: Option<String>,
}

async fn projects_page(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    error: Option<String>,
) -> AppResult<Response> {
    let projects = state.tracker.projects(&user).await?;
    let labels =
        state.tracker.labels().await?.into_iter().map(|l: LabelRow| LabelChip::new(l.name, &l.colour)).collect();
    let views = state.tracker.views(&user).await?;
    let nav = Nav::load(state, &user, "projects").await?;
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    hearth_shared::layout::render_with_status(
        status,
        &ProjectsPage { ctx: page("Bugs", user, csrf), nav, projects, labels, views, error },
    )
}

pub async fn projects(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
) -> AppResult<Response> {
    projects_page(&state, user, &csrf, None).await
}

#[derive(Deserialize)]
pub struct ProjectForm {
    key: String,
    name: String,
    #[serde(default)]
    description: String,
    admins_only: Option<String>,
}

pub async fn create_project(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ProjectForm>,
) -> AppResult<Response> {
    let created = async {
        let input = ProjectInput {
            key: ProjectKey::parse(&form.key)?,
            name: ProjectName::parse(&form.name)?,
            description: form.description.clone(),
            admins_only: form.admins_only.is_some(),
        };
        state.tracker.create_project(&user, &input).await
    }
    .await;
    match created {
        Ok(created) => Ok(Redirect::to(&format!("/bugs/p/{}", created.project.key)).into_response()),
        Err(e) => projects_page(&state, user, &csrf, Some(form_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct LabelForm {
    name: String,
    colour: String,
}

pub async fn save_label(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Form(form): Form<LabelForm>,
) -> AppResult<Response> {
    let saved = async {
        let (name, colour) = (LabelName::parse(&form.name)?, Colour::parse(&form.colour)?);
        state.tracker.save_label(&user, &name, &colour).await
    }
    .await;
    match saved {
        Ok(()) => Ok(Redirect::to("/bugs/").into_response()),
        Err(e) => projects_page(&state, user, &csrf, Some(form_error(e)?)).await,
    }
}

#[derive(Deserialize)]
pub struct ViewForm {
    name: String,
    q: String,
}

pub async fn save_view(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Form(form): Form<ViewForm>,
) -> AppResult<Response> {
    match state.tracker.save_view(&user, &form.name, &form.q).await {
        Ok(()) => Ok(Redirect::to("/bugs/").into_response()),
        Err(e) => projects_page(&state, user, &csrf, Some(form_error(e)?)).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    /// The query; absent (not empty) it is [`DEFAULT_QUERY`].
    q: Option<String>,
    /// Overrides the query's `sort:`.
    sort: Option<String>,
    after: Option<String>,
}

/// One row of a list.
struct Row {
    reference: String,
    url: String,
    title: String,
    status: &'static str,
    status_class: &'static str,
    priority: &'static str,
    labels: Vec<LabelChip>,
    assignee: String,
    updated: hearth_shared::layout::Timestamp,
}

#[derive(Template)]
#[template(path = "issues.html")]
struct ListPage {
    ctx: PageContext,
    nav: Nav,
    project: Option<ProjectRow>,
    /// Where the list lives (`/bugs/issues` or `/bugs/p/HOME`).
    base: String,
    q: String,
    sort: &'static str,
    sorts: Vec<(&'static str, &'static str)>,
    error: Option<QueryError>,
    /// Parts of the query that name what does not exist.
    notices: Vec<String>,
    rows: Vec<Row>,
    next: Option<String>,
}

/// `1732550000.42` ↔ `(1732550000, 42)`.
#[must_use]
pub fn cursor_text(cursor: Cursor) -> String {
    format!("{}.{}", cursor.0, cursor.1)
}

/// # Errors
/// A cursor that is not two whole numbers.
pub fn parse_cursor(raw: Option<&str>) -> AppResult<Option<Cursor>> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    raw.split_once('.').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))).map(Some).ok_or_else(|| {
        AppError::BadRequest(format!("The page cursor {raw:?} is not valid; start from the first page."))
    })
}

fn rows(page: IssuePage) -> Vec<Row> {
    page.issues
        .into_iter()
        .map(|issue| {
            let status = Status::parse(&issue.status).unwrap_or(Status::Open);
            Row {
                reference: format!("{}-{}", issue.project_key, issue.number),
                url: format!("/bugs/p/{}/{}", issue.project_key, issue.number),
                labels: page
                    .labels
                    .iter()
                    .filter(|l| l.issue_id == issue.id)
                    .map(|l| LabelChip::new(l.name.clone(), &l.colour))
                    .collect(),
                title: issue.title,
                status: status.label(),
                status_class: status.as_str(),
                priority: Priority::from_rank(issue.priority).label(),
                assignee: issue.assignee_name.unwrap_or_default(),
                updated: when(issue.updated_at),
            }
        })
        .collect()
}

async fn list(
    state: &AppState,
    user: Identity,
    csrf: &CsrfToken,
    project: Option<ProjectRow>,
    params: ListParams,
) -> AppResult<Response> {
    let base = project.as_ref().map_or_else(|| "/bugs/issues".to_owned(), |p| format!("/bugs/p/{}", p.key));
    let q = params.q.unwrap_or_else(|| DEFAULT_QUERY.to_owned());
    let parsed = IssueQuery::parse(&q).map(|mut query| {
        if let Some(sort) = params.sort.as_deref().and_then(|s| Sort::ALL.iter().find(|o| o.as_str() == s)) {
            query.sort = *sort;
        }
        query
    });
    let cursor = super::lists::parse_cursor(params.after.as_deref())?;
    let (rows, next, error, notices, sort) = match parsed {
        Ok(query) => {
            let notices = state.tracker.unknown_names(&query).await?;
            let query = match &project {
                Some(p) => ProjectKey::parse(&p.key).map_or(query.clone(), |key| query.in_project(&key)),
                None => query,
            };
            let found = state.tracker.search(&user, &query, cursor, LIST_PAGE).await?;
            let next = found.next.map(cursor_text);
            (rows(found), next, None, notices, query.sort)
        }
        Err(error) => (Vec::new(), None, Some(error), Vec::new(), Sort::default()),
    };
    let title = project.as_ref().map_or_else(|| "All issues".to_owned(), |p| p.name.clone());
    let nav = Nav::load(state, &user, "issues").await?;
    render(&ListPage {
        ctx: page(title, user, csrf),
        nav,
        project,
        base,
        q,
        sort: sort.as_str(),
        sorts: Sort::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        error,
        notices,
        rows,
        next,
    })
}

pub async fn all_issues(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    list(&state, user, &csrf, None, params).await
}

pub async fn project_issues(
    State(state): State<AppState>,
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
    Query(params): Query<ListParams>,
) -> AppResult<Response> {
    let project = state.tracker.project(&user, &key).await?;
    list(&state, user, &csrf, Some(project), params).await
}
