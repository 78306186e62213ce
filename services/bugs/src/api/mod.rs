//! The bugs JSON API under `/bugs/api`, documented with utoipa: projects, issues (found with
//! the query language, a page at a time by cursor), edits, comments, status changes, links,
//! triage, attachments, notifications and webhooks. Errors are problem+json saying what to fix.

mod issues;
mod members;
mod notifications;
mod projects;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use hearth_shared::error::Problem;
use hearth_shared::{CurrentUser, Identity};
use utoipa::OpenApi;

use crate::AppState;
use crate::domain::{LinkKind, Priority, Resolution, Status};

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth bugs API", description = "The family's bug tracker."),
    paths(
        me, projects::list_projects, projects::create_project, projects::get_project, issues::search,
        issues::file_issue, issues::get_issue, issues::edit_issue, issues::add_comment, issues::change_status,
        issues::triage, issues::add_link, issues::attach, notifications::list, notifications::read_all,
        notifications::follow, webhooks::list_webhooks, webhooks::create_webhook,
        webhooks::delete_webhook, members::removal_plan, members::remove
    ),
    components(schemas(Problem, Identity, Status, Resolution, Priority, LinkKind)),
    security(("token" = []), ("session" = []))
)]
struct BugsApi;

/// The service's OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    BugsApi::openapi()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bugs/api/me", get(me))
        .route("/bugs/api/projects", get(projects::list_projects).post(projects::create_project))
        .route("/bugs/api/projects/{key}", get(projects::get_project))
        .route("/bugs/api/issues", get(issues::search))
        .route("/bugs/api/webhooks", get(webhooks::list_webhooks).post(webhooks::create_webhook))
        .route("/bugs/api/webhooks/{id}", delete(webhooks::delete_webhook))
        .route("/bugs/api/members/{id}/removal", get(members::removal_plan).post(members::remove))
        .route("/bugs/api/projects/{key}/issues", post(issues::file_issue))
        .route("/bugs/api/projects/{key}/issues/{number}", get(issues::get_issue).patch(issues::edit_issue))
        .route("/bugs/api/projects/{key}/issues/{number}/comments", post(issues::add_comment))
        .route("/bugs/api/projects/{key}/issues/{number}/status", post(issues::change_status))
        .route("/bugs/api/projects/{key}/issues/{number}/triage", post(issues::triage))
        .route("/bugs/api/projects/{key}/issues/{number}/links", post(issues::add_link))
        .route("/bugs/api/projects/{key}/issues/{number}/follow", post(notifications::follow))
        .route("/bugs/api/notifications", get(notifications::list))
        .route("/bugs/api/notifications/read", post(notifications::read_all))
}

/// Attachments sent through the API: not bound by the request timeout, only by the idle one.
pub fn long_routes(max_attachment_bytes: usize) -> Router<AppState> {
    Router::new().route(
        "/bugs/api/projects/{key}/issues/{number}/attachments",
        post(issues::attach).layer(DefaultBodyLimit::max(max_attachment_bytes)),
    )
}

/// Who am I, as this service sees me.
#[utoipa::path(get, path = "/bugs/api/me", tag = "account", responses((status = 200, body = Identity), (status = 401, body = Problem)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<Identity> {
    Json(user)
}
