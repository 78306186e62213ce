//! hearth-shared: what every Hearth service needs once — configuration, the database and its
//! migrations, login across services, errors, telemetry, metrics, the standard HTTP layers,
//! OpenAPI plumbing, the base HTML layout, and (with the `testing` feature) test helpers.
//!
//! It depends on no service. A service builds its `Router` with its own routes, adds
//! [`service::standard_routes`] for health, metrics and API docs, and hands the result to
//! [`http::app`] (which applies the layers) and [`startup::serve`] (which waits out a database
//! that is not there yet, then [`server::serve`]s).

pub mod allocator;
pub mod auth;
pub mod config;
pub mod cookies;
pub mod csrf;
pub mod db;
pub mod display;
pub mod download;
pub mod error;
pub mod files;
pub mod flash;
pub mod http;
pub mod layout;
pub mod metrics;
pub mod openapi;
pub mod passwords;
pub mod server;
pub mod service;
pub mod startup;
pub mod telemetry;
pub mod throttle;
pub mod tokens;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use auth::{AuthClient, CurrentUser, Identity, IdentityResolver, Role};
pub use config::Config;
pub use db::Database;
pub use error::{AppError, AppResult};
