//! Hearth bugs service: The family's bug tracker: file a bug in three fields, find any bug in one query.
//!
//! This crate is the service's skeleton: its state, its database with (so far no)
//! migrations, a landing page and an authenticated API, under `/bugs`. The issue for the
//! bugs service fills it in.

use askama::Template;
use axum::routing::get;
use axum::{Json, Router};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::db::Migrations;
use hearth_shared::error::Problem;
use hearth_shared::http::timed;
use hearth_shared::layout::{PageContext, render};
use hearth_shared::service::{ServiceContext, ServiceInfo, standard_routes};
use hearth_shared::{AppResult, AuthClient, Config, CurrentUser, Identity};
use utoipa::OpenApi;

pub const SERVICE: ServiceInfo = ServiceInfo { name: "bugs", title: "Bugs", prefix: "/bugs" };

pub static MIGRATIONS: Migrations = hearth_shared::migrations!();

/// The skeleton's state is the common service context; the service's issue gives it a state
/// of its own when it needs more.
pub type AppState = ServiceContext;

/// Connects to the service's database and migrates it.
///
/// # Errors
/// The database cannot be reached or migrated.
pub async fn connect(config: Config, auth: AuthClient) -> anyhow::Result<AppState> {
    ServiceContext::connect(SERVICE, config, auth, &MIGRATIONS).await
}

#[derive(OpenApi)]
#[openapi(info(title = "Hearth bugs API"), paths(me), components(schemas(Identity, Problem)), security(("token" = []), ("session" = [])))]
struct ServiceApi;

/// The service's OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    ServiceApi::openapi()
}

/// The service's routes (without the standard layers, which the binary adds once).
pub fn router(state: AppState) -> Router {
    let db = state.db.clone();
    let config = std::sync::Arc::clone(&state.config);
    let routes = Router::new()
        .route("/bugs/", get(landing))
        .route("/bugs/api/me", get(me))
        .with_state(state)
        .merge(standard_routes(SERVICE, db, &openapi()));
    timed(routes, &config)
}

#[derive(Template)]
#[template(path = "bugs.html")]
struct LandingPage {
    ctx: PageContext,
}

async fn landing(csrf: CsrfToken, CurrentUser(user): CurrentUser) -> AppResult<axum::response::Response> {
    render(&LandingPage { ctx: PageContext::new(SERVICE.title, Some(user), &csrf.0, SERVICE.prefix) })
}

/// Who am I, as this service sees me.
#[utoipa::path(get, path = "/bugs/api/me", tag = "bugs", responses((status = 200, body = Identity), (status = 401, body = Problem)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<Identity> {
    Json(user)
}
