//! Hearth bugs service: the family's bug tracker — file a bug in three fields, find any bug
//! in one query.
//!
//! Map: [`tracker`] holds the use cases and who may do what, [`domain`] the types and rules
//! without I/O (the query language is [`domain::query`]), [`db`] all SQL (attachments' bytes
//! included), [`storage`] their digests and the move of older versions' files into the
//! database, [`webhooks`] the signed event deliveries, [`mail`] the notification emails,
//! [`web`] the pages, [`api`] the JSON API under `/bugs/api`.

pub mod api;
pub mod config;
pub mod db;
pub mod domain;
pub mod mail;
pub mod storage;
pub mod tracker;
pub mod web;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use hearth_shared::db::Migrations;
use hearth_shared::http::timed;
use hearth_shared::service::{ServiceContext, ServiceInfo, standard_routes};
use hearth_shared::{AuthClient, Config};

use crate::config::BugsConfig;
use crate::mail::Mailer;
use crate::tracker::{Outbound, Tracker};
use crate::webhooks::Webhooks;

pub const SERVICE: ServiceInfo = ServiceInfo { name: "bugs", title: "Bugs", prefix: "/bugs" };

pub static MIGRATIONS: Migrations = hearth_shared::migrations!();

/// Everything the service's handlers share.
#[derive(Clone)]
pub struct AppState {
    pub service: ServiceContext,
    pub tracker: Tracker,
}

impl FromRef<AppState> for AuthClient {
    fn from_ref(state: &AppState) -> Self {
        state.service.auth.clone()
    }
}

/// Connects with the bugs settings from the environment.
///
/// # Errors
/// Bad settings, or a database that cannot be opened.
pub async fn connect(config: Config, auth: AuthClient) -> anyhow::Result<AppState> {
    let bugs = BugsConfig::from_env(&config)?;
    AppState::new(config, bugs, auth).await
}

impl AppState {
    /// Opens the database, moves in the attachment files an older version kept, and starts
    /// the webhook and email workers.
    ///
    /// # Errors
    /// A database that cannot be opened, an old attachments folder that cannot be listed, or a
    /// mail server TLS cannot check.
    pub async fn new(config: Config, bugs: BugsConfig, auth: AuthClient) -> anyhow::Result<Self> {
        let service = ServiceContext::connect(SERVICE, config, auth, &MIGRATIONS).await?;
        storage::move_old_files_in(&service.db, &bugs.old_attachments_dir).await?;
        let outbound = Outbound {
            webhooks: Webhooks::start(service.db.clone(), bugs.webhook_backoff_ms)?,
            mailer: Mailer::start(service.db.clone(), bugs.smtp.as_ref(), bugs.webhook_backoff_ms)?,
            public_url: bugs.public_url,
        };
        let tracker = Tracker::new(service.db.clone(), bugs.max_attachment_bytes, outbound);
        Ok(Self { service, tracker })
    }
}

/// The service's routes (without the standard layers, which the binary adds once). Forms that
/// carry a file and attachments' downloads are not bound by the request timeout.
pub fn router(state: AppState) -> Router {
    let db = state.service.db.clone();
    let config = Arc::clone(&state.service.config);
    let max_attachment_bytes = state.tracker.max_attachment_bytes();
    let routes =
        web::routes().merge(api::routes()).with_state(state.clone()).merge(standard_routes(SERVICE, db, api::openapi));
    let long_routes = web::long_routes(max_attachment_bytes).merge(api::long_routes(max_attachment_bytes));
    timed(routes, &config).merge(long_routes.with_state(state))
}
