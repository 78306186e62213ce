//! The portal: Hearth's front door. It owns the family's accounts and sessions (one login for
//! every service), invites, personal API tokens and the home page, and answers the other
//! services' introspection requests.
//!
//! Map: [`accounts`] holds the use cases, [`domain`] the rules without I/O, [`db`] all SQL,
//! [`web`] the pages and [`api`] the JSON API.

pub mod accounts;
pub mod api;
pub mod db;
pub mod domain;
#[cfg(feature = "testing")]
pub mod testing;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use hearth_shared::db::Migrations;
use hearth_shared::http::timed;
use hearth_shared::service::{ServiceInfo, standard_routes};
use hearth_shared::{AuthClient, Config, Database};

pub use accounts::Accounts;

pub const SERVICE: ServiceInfo = ServiceInfo { name: "portal", title: "Hearth", prefix: "" };

pub static MIGRATIONS: Migrations = hearth_shared::migrations!();

/// Everything the portal's handlers share.
#[derive(Clone)]
pub struct AppState {
    pub accounts: Accounts,
    pub auth: AuthClient,
    pub config: Arc<Config>,
}

impl FromRef<AppState> for AuthClient {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl AppState {
    /// Connects to the portal's database (migrating it) and resolves identities in-process.
    ///
    /// # Errors
    /// The database cannot be reached or migrated.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let db = Database::connect(&config.database_url_for(SERVICE.name), SERVICE.name, &MIGRATIONS).await?;
        hearth_shared::files::protect_service_files(&config, SERVICE.name)?;
        let accounts = Accounts::new(db);
        Ok(Self::with_accounts(accounts, config))
    }

    #[must_use]
    pub fn with_accounts(accounts: Accounts, config: Config) -> Self {
        let auth = AuthClient::new(Arc::new(accounts.clone()));
        Self { accounts, auth, config: Arc::new(config) }
    }
}

/// The portal's routes (without the standard layers, which the binary adds once).
pub fn router(state: AppState) -> Router {
    let db = state.accounts.database().clone();
    let config = Arc::clone(&state.config);
    let routes =
        web::routes().merge(api::routes()).with_state(state).merge(standard_routes(SERVICE, db, &api::openapi()));
    timed(routes, &config)
}
