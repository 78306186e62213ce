//! Hearth photos service: the family's pictures, videos and papers — upload, the timeline,
//! previews, and the trash.
//!
//! Map: [`library`] holds the use cases (with [`albums`], [`sharing`], [`selection`] for many
//! items at once and [`viewer`] for moving through a list), [`domain`] the rules without I/O, [`db`] all SQL,
//! [`storage`] the blob store, [`media`] what files are and the previews made from them,
//! [`decoder`] the child process that reads uploaded files for [`media`], [`worker`] the
//! background preview maker, [`web`] the pages and files, [`api`] the JSON API; [`members`]
//! what happens to a member's photos when their account is deleted.

pub mod albums;
pub mod api;
pub mod config;
pub mod db;
pub mod decoder;
pub mod domain;
pub mod library;
pub mod media;
pub mod members;
pub mod selection;
pub mod sharing;
pub mod storage;
pub mod viewer;
pub mod web;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use hearth_shared::db::Migrations;
use hearth_shared::http::timed;
use hearth_shared::service::{ServiceContext, ServiceInfo, standard_routes};
use hearth_shared::{AuthClient, Config};

use crate::config::PhotosConfig;
use crate::decoder::Decoder;
use crate::library::Library;
use crate::storage::{BlobStore, FsBlobStore};
use crate::worker::PreviewQueue;

pub const SERVICE: ServiceInfo = ServiceInfo { name: "photos", title: "Photos", prefix: "/photos" };

pub static MIGRATIONS: Migrations = hearth_shared::migrations!();

/// How often items past their time in the trash are deleted for good.
const TRASH_SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Everything the service's handlers share.
#[derive(Clone)]
pub struct AppState {
    pub service: ServiceContext,
    pub library: Library,
}

impl FromRef<AppState> for AuthClient {
    fn from_ref(state: &AppState) -> Self {
        state.service.auth.clone()
    }
}

/// Connects with the photos settings from the environment.
///
/// # Errors
/// Bad settings, or a database or storage folder that cannot be opened.
pub async fn connect(config: Config, auth: AuthClient) -> anyhow::Result<AppState> {
    let photos = PhotosConfig::from_env(&config)?;
    AppState::new(config, photos, auth).await
}

impl AppState {
    /// Opens the database and the blob store, sets aside blobs no item uses (before any upload
    /// can be in flight; deleted after the trash's days), starts the preview worker (picking up
    /// work left from before) and the hourly trash sweep.
    ///
    /// # Errors
    /// A database or storage folder that cannot be opened.
    pub async fn new(config: Config, photos: PhotosConfig, auth: AuthClient) -> anyhow::Result<Self> {
        let service = ServiceContext::connect(SERVICE, config, auth, &MIGRATIONS).await?;
        let blobs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::open(&photos.storage_dir)?);
        let keep_unused = Duration::from_secs(u64::try_from(photos.trash_days).unwrap_or(0).saturating_mul(24 * 3600));
        blobs.sweep_unused(db::items::blob_hashes(service.db.pool()).await?, keep_unused).await?;
        let decoder = Decoder::new(&photos.decoder);
        let previews =
            PreviewQueue::start(service.db.clone(), Arc::clone(&blobs), decoder, photos.preview_workers).await?;
        let library = Library::new(service.db.clone(), blobs, previews, Arc::new(photos));
        tokio::spawn(sweep_trash(library.clone()));
        Ok(Self { service, library })
    }
}

async fn sweep_trash(library: Library) {
    let mut every = tokio::time::interval(TRASH_SWEEP_EVERY);
    loop {
        every.tick().await;
        match library.purge_expired().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "emptied old items from the trash"),
            Err(e) => tracing::error!(error = %e, "emptying the trash failed"),
        }
    }
}

/// The service's routes (without the standard layers, which the binary adds once). Uploads
/// and file downloads are not bound by the request timeout.
pub fn router(state: AppState) -> Router {
    let db = state.service.db.clone();
    let config = Arc::clone(&state.service.config);
    let routes =
        web::routes().merge(api::routes()).with_state(state.clone()).merge(standard_routes(SERVICE, db, api::openapi));
    timed(routes, &config).merge(web::long_routes().merge(api::long_routes()).with_state(state))
}
