//! Hearth games service: game servers for friends — launch from a form, watch the console,
//! never lose a world.
//!
//! Map: [`domain`] holds the rules without I/O (templates, settings, names, states),
//! [`catalog`] the templates offered, [`runtime`] how a server runs (the `process` runtime),
//! [`manager`] the use cases and the supervisor, [`query`] the games' own network queries
//! for who plays, [`db`] all SQL, [`web`] the pages and the
//! live console, [`api`] the JSON API.

pub mod api;
pub mod backups;
pub mod catalog;
pub mod config;
pub mod db;
pub mod domain;
pub mod manager;
pub mod query;
pub mod runtime;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use hearth_shared::db::Migrations;
use hearth_shared::http::timed;
use hearth_shared::service::{ServiceContext, ServiceInfo, standard_routes};
use hearth_shared::{AuthClient, Config};

use crate::catalog::Catalog;
use crate::config::GamesConfig;
use crate::manager::Manager;
use crate::runtime::process::ProcessRuntime;

pub const SERVICE: ServiceInfo = ServiceInfo { name: "games", title: "Games", prefix: "/games" };

pub static MIGRATIONS: Migrations = hearth_shared::migrations!();

/// Everything the service's handlers share.
#[derive(Clone)]
pub struct AppState {
    pub service: ServiceContext,
    pub manager: Manager,
}

impl FromRef<AppState> for AuthClient {
    fn from_ref(state: &AppState) -> Self {
        state.service.auth.clone()
    }
}

/// Connects with the games settings from the environment.
///
/// # Errors
/// Bad settings, a template that does not parse, or a database that cannot be opened.
pub async fn connect(config: Config, auth: AuthClient) -> anyhow::Result<AppState> {
    let games = GamesConfig::from_env(&config)?;
    AppState::new(config, games, auth).await
}

impl AppState {
    /// Opens the database, loads the templates, and brings back the servers that should run
    /// (in the background).
    ///
    /// # Errors
    /// A database that cannot be opened, a template that does not parse, a servers folder
    /// that cannot be made.
    pub async fn new(config: Config, games: GamesConfig, auth: AuthClient) -> anyhow::Result<Self> {
        let service = ServiceContext::connect(SERVICE, config, auth, &MIGRATIONS).await?;
        let catalog = Catalog::load(games.templates_dir.as_deref())?;
        std::fs::create_dir_all(&games.servers_dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", games.servers_dir.display()))?;
        open_for_games(&games.servers_dir)?;
        let manager = Manager::new(service.db.clone(), catalog, Arc::new(ProcessRuntime), games);
        let reconciling = manager.clone();
        tokio::spawn(async move { reconciling.reconcile().await });
        tokio::spawn(manager.clone().stop_idle_servers());
        tokio::spawn(manager.clone().make_scheduled_backups());
        Ok(Self { service, manager })
    }
}

/// The games folder and the servers folder let the games' users pass (not read, not write:
/// `0711`); the backups folder is root's alone (`0700`).
fn open_for_games(servers_dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    for folder in [Some(servers_dir), servers_dir.parent()].into_iter().flatten() {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o711))?;
    }
    let backups = servers_dir.with_file_name("backups");
    std::fs::create_dir_all(&backups)?;
    std::fs::set_permissions(&backups, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// The service's routes (without the standard layers, which the binary adds once). The live
/// console is not bound by the request timeout.
pub fn router(state: AppState) -> Router {
    let db = state.service.db.clone();
    let config = Arc::clone(&state.service.config);
    let routes =
        web::routes().merge(api::routes()).with_state(state.clone()).merge(standard_routes(SERVICE, db, api::openapi));
    timed(routes, &config).merge(web::long_routes().merge(api::long_routes()).with_state(state))
}
