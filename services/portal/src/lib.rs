//! The portal: Hearth's front door. It owns the family's accounts and sessions (one login for
//! every service), invites, personal API tokens and the home page, and answers the other
//! services' introspection requests.
//!
//! Map: [`accounts`] holds the use cases, [`domain`] the rules without I/O, [`db`] all SQL,
//! [`web`] the pages and [`api`] the JSON API; [`members`] is how the other services are asked
//! to remove a member's things (ADR 0053), [`config`] where a portal alone finds them.

pub mod accounts;
pub mod api;
pub mod config;
pub mod db;
pub mod domain;
pub mod members;
#[cfg(feature = "testing")]
pub mod testing;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use hearth_shared::db::Migrations;
use hearth_shared::http::timed;
use hearth_shared::service::{ServiceInfo, standard_routes};
use hearth_shared::{AuthClient, Config, Database};

pub use accounts::Accounts;

pub const SERVICE: ServiceInfo = ServiceInfo { name: "portal", title: "Hearth", prefix: "" };

pub static MIGRATIONS: Migrations = hearth_shared::migrations!();

/// How often expired sessions are deleted.
const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(3600);

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
    /// Connects to the portal's database (migrating it), resolves identities in-process,
    /// reaches the services named by `HEARTH_<SERVICE>_URL` over HTTP to delete members, and
    /// deletes expired sessions every hour.
    ///
    /// # Errors
    /// The database cannot be reached or migrated; a service URL that is not one.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        let db = Database::connect(&config.database_url_for(SERVICE.name), SERVICE.name, &MIGRATIONS).await?;
        hearth_shared::files::protect_service_files(&config, SERVICE.name)?;
        let services = config::services_over_http(|name| std::env::var(name).ok())?;
        let accounts = Accounts::new(db).with_services(services);
        tokio::spawn(sweep_sessions(accounts.clone()));
        Ok(Self::with_accounts(accounts, config))
    }

    /// The same portal, deleting members in `services` (the all-in-one process passes the
    /// services it runs, called directly).
    #[must_use]
    pub fn with_member_services(mut self, services: Vec<Arc<dyn members::MemberRemoval>>) -> Self {
        self.accounts = self.accounts.with_services(services);
        self
    }

    #[must_use]
    pub fn with_accounts(accounts: Accounts, config: Config) -> Self {
        let auth = AuthClient::new(Arc::new(accounts.clone()));
        Self { accounts, auth, config: Arc::new(config) }
    }
}

async fn sweep_sessions(accounts: Accounts) {
    let mut every = tokio::time::interval(SESSION_SWEEP_EVERY);
    loop {
        every.tick().await;
        match accounts.sweep_expired().await {
            Ok(0) => {}
            Ok(swept) => tracing::info!(swept, "deleted expired sessions"),
            Err(e) => tracing::error!(error = %e, "deleting expired sessions failed"),
        }
    }
}

/// The portal's routes (without the standard layers, which the binary adds once). Deleting an
/// account waits for every service (games stop servers first), so it is not bound by the
/// request timeout.
pub fn router(state: AppState) -> Router {
    let db = state.accounts.database().clone();
    let config = Arc::clone(&state.config);
    let routes =
        web::routes().merge(api::routes()).with_state(state.clone()).merge(standard_routes(SERVICE, db, api::openapi));
    timed(routes, &config).merge(web::long_routes().merge(api::long_routes()).with_state(state))
}
