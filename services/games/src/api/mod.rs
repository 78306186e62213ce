//! The games JSON API under `/games/api`, documented with utoipa: templates, servers and
//! their lifecycle, and the console. Members manage their own servers; admins see all.

mod backups;
mod members;
mod quotas;
mod servers;

use axum::routing::{get, post};
use axum::{Json, Router};
use hearth_shared::error::Problem;
use hearth_shared::{CurrentUser, Identity};
use utoipa::OpenApi;

use crate::AppState;
use crate::domain::settings::Choice;
use crate::domain::{DesiredState, PortSpec, Protocol, ServerState, SettingKind, SettingRule};
use crate::manager::Server;

pub use servers::{ServerView, TemplateInfo};

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearth games API", description = "Game servers for friends: templates, servers, their console."),
    paths(
        servers::templates, servers::list, servers::launch, servers::get_server, servers::delete_server,
        servers::start, servers::stop, servers::restart, servers::console, servers::send_command, quotas::get_quota, quotas::set_quota, backups::list, backups::make,
        backups::download, backups::restore, backups::set_schedule, members::removal_plan, members::remove, me
    ),
    components(schemas(
        Problem, Identity, Server, ServerView, TemplateInfo, ServerState, DesiredState, PortSpec, Protocol,
        SettingRule, SettingKind, Choice, crate::runtime::stats::ProcessStats, crate::domain::Quota, quotas::QuotaBody, crate::backups::Backup, backups::BackupSchedule, servers::LaunchBody, servers::MemoryRange, servers::ConsoleLines,
        servers::CommandBody
    )),
    security(("token" = []), ("session" = []))
)]
struct GamesApi;

/// The service's OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    GamesApi::openapi()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/games/api/me", get(me))
        .route("/games/api/templates", get(servers::templates))
        .route("/games/api/servers", get(servers::list).post(servers::launch))
        .route("/games/api/servers/{id}", get(servers::get_server))
        .route("/games/api/servers/{id}/start", post(servers::start))
        .route("/games/api/servers/{id}/stop", post(servers::stop))
        .route("/games/api/servers/{id}/console", get(servers::console).post(servers::send_command))
        .route("/games/api/quotas/{user_id}", get(quotas::get_quota).put(quotas::set_quota))
        .route("/games/api/servers/{id}/backup-schedule", axum::routing::put(backups::set_schedule))
        .route("/games/api/members/{id}/removal", get(members::removal_plan))
}

/// Routes that wait for a server to stop, which may take longer than the request timeout.
pub fn long_routes() -> Router<AppState> {
    Router::new()
        .route("/games/api/servers/{id}", axum::routing::delete(servers::delete_server))
        .route("/games/api/servers/{id}/restart", post(servers::restart))
        .route("/games/api/servers/{id}/backups", get(backups::list).post(backups::make))
        .route("/games/api/servers/{id}/backups/{name}", get(backups::download))
        .route("/games/api/servers/{id}/backups/{name}/restore", post(backups::restore))
        .route("/games/api/members/{id}/removal", post(members::remove))
}

/// Who am I, as this service sees me.
#[utoipa::path(get, path = "/games/api/me", tag = "account", responses((status = 200, body = Identity), (status = 401, body = Problem)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<Identity> {
    Json(user)
}
