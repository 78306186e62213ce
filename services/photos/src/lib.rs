//! Hearth photos service: The family's pictures, videos and papers: upload, albums, share links and search.
//!
//! This crate is the service's skeleton: its state, its database with (so far no)
//! migrations, a landing page and an authenticated API, under `/photos`. The issue for the
//! photos service fills it in.

use askama::Template;
use axum::routing::get;
use axum::{Json, Router};
use hearth_shared::csrf::CsrfToken;
use hearth_shared::db::Migrations;
use hearth_shared::error::Problem;
use hearth_shared::layout::{PageContext, render};
use hearth_shared::service::{ServiceContext, ServiceInfo, standard_routes};
use hearth_shared::{AppResult, AuthClient, Config, CurrentUser, Identity};
use utoipa::OpenApi;

pub mod media;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "photos",
    title: "Photos",
    prefix: "/photos",
};

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
#[openapi(info(title = "Hearth photos API"), paths(me), components(schemas(Identity, Problem)), security(("token" = []), ("session" = [])))]
struct ServiceApi;

/// The service's OpenAPI document.
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    ServiceApi::openapi()
}

/// The service's routes (without the standard layers, which the binary adds once).
pub fn router(state: AppState) -> Router {
    let db = state.db.clone();
    Router::new()
        .route("/photos/", get(landing))
        .route("/photos/api/me", get(me))
        .with_state(state)
        .merge(standard_routes(SERVICE, db, &openapi()))
}

#[derive(Template)]
#[template(path = "photos.html")]
struct LandingPage {
    ctx: PageContext,
}

async fn landing(
    csrf: CsrfToken,
    CurrentUser(user): CurrentUser,
) -> AppResult<axum::response::Response> {
    render(&LandingPage {
        ctx: PageContext::new(SERVICE.title, Some(user), &csrf.0, SERVICE.prefix),
    })
}

/// Who am I, as this service sees me.
#[utoipa::path(get, path = "/photos/api/me", tag = "photos", responses((status = 200, body = Identity), (status = 401, body = Problem)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<Identity> {
    Json(user)
}
