//! The routes every service serves besides its own: `/healthz`, `/readyz`, `/metrics`, the
//! OpenAPI document and docs page, and the static assets, all under the service's prefix.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use utoipa::openapi::OpenApi;

use crate::db::Database;
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
    api: &OpenApi,
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
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "the database is not answering",
                        )
                    }
                }
            }),
        )
        .route(&format!("{prefix}/metrics"), get(metrics::render))
        .merge(openapi::routes(
            prefix,
            info.title,
            &openapi::with_security(api.clone()),
        ))
        .merge(layout::static_routes(prefix))
}
