//! Projects: list, create (admins), one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hearth_shared::error::Problem;
use hearth_shared::{AppResult, CurrentUser};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::db::projects::CountedProject;
use crate::domain::{ProjectKey, ProjectName};
use crate::tracker::ProjectInput;

/// A project as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectInfo {
    pub key: String,
    pub name: String,
    pub description: String,
    /// family or admins.
    pub visibility: String,
    pub open_issues: i64,
    pub created_at: i64,
}

impl From<CountedProject> for ProjectInfo {
    fn from(CountedProject { project: row, open_issues }: CountedProject) -> Self {
        Self {
            key: row.key,
            name: row.name,
            description: row.description,
            visibility: row.visibility,
            open_issues,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewProjectBody {
    /// 2–10 letters or digits starting with a letter, like HOME.
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Only family admins see it.
    #[serde(default)]
    pub admins_only: bool,
}

/// The projects you see.
#[utoipa::path(get, path = "/bugs/api/projects", tag = "projects",
    responses((status = 200, body = Vec<ProjectInfo>), (status = 401, body = Problem)))]
pub async fn list_projects(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<Json<Vec<ProjectInfo>>> {
    Ok(Json(state.tracker.projects(&user).await?.into_iter().map(Into::into).collect()))
}

/// Creates a project (family admins only).
#[utoipa::path(post, path = "/bugs/api/projects", tag = "projects", request_body = NewProjectBody,
    responses((status = 201, body = ProjectInfo), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_project(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(body): Json<NewProjectBody>,
) -> AppResult<(StatusCode, Json<ProjectInfo>)> {
    let input = ProjectInput {
        key: ProjectKey::parse(&body.key)?,
        name: ProjectName::parse(&body.name)?,
        description: body.description,
        admins_only: body.admins_only,
    };
    let project = state.tracker.create_project(&user, &input).await?;
    Ok((StatusCode::CREATED, Json(project.into())))
}

/// One project.
#[utoipa::path(get, path = "/bugs/api/projects/{key}", tag = "projects", params(("key" = String, Path)),
    responses((status = 200, body = ProjectInfo), (status = 404, body = Problem)))]
pub async fn get_project(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
) -> AppResult<Json<ProjectInfo>> {
    Ok(Json(state.tracker.counted_project(&user, &key).await?.into()))
}
