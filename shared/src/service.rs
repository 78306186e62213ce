//! The routes every service serves besides its own: `/healthz`, `/readyz`, `/metrics`, the
//! OpenAPI document and docs page, and the static assets, all under the service's prefix.

use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::routing::get;
use utoipa::openapi::OpenApi;

use std::sync::Arc;

use crate::auth::AuthClient;
use crate::config::Config;
use crate::db::{Database, Migrations};
use crate::{layout, metrics, openapi};

/// A service's name, title and URL prefix (`""` for the portal).
#[derive(Debug, Clone, Copy)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub prefix: &'static str,
}

/// Health, readiness, metrics, API docs and static assets of one service.
pub fn standard_routes<S: Clone + Send + Sync + 'static>(
    info: ServiceInfo,
    db: Database,
    api: fn() -> OpenApi,
) -> Router<S> {
    let prefix = info.prefix;
    Router::new()
        .route(&format!("{prefix}/healthz"), get(|| async { "ok" }))
        .route(
            &format!("{prefix}/readyz"),
            get(move || {
                let db = db.clone();
                async move {
                    if db.is_ready().await {
                        (StatusCode::OK, "ready")
                    } else {
                        (StatusCode::SERVICE_UNAVAILABLE, "the database is not answering")
                    }
                }
            }),
        )
        .route(&format!("{prefix}/metrics"), get(metrics::render))
        .merge(openapi::routes(prefix, info.title, api))
        .merge(layout::static_routes(prefix))
}

/// What every service's state holds: who it is, its database, how it resolves identities,
/// and the settings it was started with.
#[derive(Clone)]
pub struct ServiceContext {
    pub info: ServiceInfo,
    pub db: Database,
    pub auth: AuthClient,
    pub config: Arc<Config>,
}

impl ServiceContext {
    /// Connects to the service's database (its own SQLite file, or its schema in
    /// PostgreSQL), applies its migrations, and makes its files private
    /// ([`crate::files::protect_service_files`]).
    ///
    /// # Errors
    /// The database cannot be reached or migrated.
    pub async fn connect(
        info: ServiceInfo,
        config: Config,
        auth: AuthClient,
        migrations: &Migrations,
    ) -> anyhow::Result<Self> {
        let db = Database::connect(&config.database_url_for(info.name), info.name, migrations).await?;
        crate::files::protect_service_files(&config, info.name)?;
        Ok(Self { info, db, auth, config: Arc::new(config) })
    }
}

impl FromRef<ServiceContext> for AuthClient {
    fn from_ref(context: &ServiceContext) -> Self {
        context.auth.clone()
    }
}
