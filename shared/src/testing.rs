//! Test helpers for every crate: a fresh database of either backend, a service on a random
//! port, an HTTP client that behaves like a browser (cookies, CSRF field), and loud skips.
//!
//! PostgreSQL tests need `HEARTH_TEST_POSTGRES_URL` (an admin URL; `make test` starts a
//! throwaway server and sets it). Without it they are skipped with a loud message, or fail
//! when `HEARTH_REQUIRE_ALL=1` (as in CI).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use reqwest::cookie::{CookieStore as _, Jar};
use sqlx::Connection as _;
use tempfile::TempDir;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::csrf::{CSRF_COOKIE, CSRF_FIELD};
use crate::db::Backend;

/// Generates one `#[tokio::test]` per backend for each listed `async fn name(Backend)`:
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::db::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::db::Backend::Postgres).await;
            }
        }
    )*};
}

/// True when CI asked that nothing be skipped.
#[must_use]
pub fn require_all() -> bool {
    std::env::var("HEARTH_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Skips loudly, or fails when `HEARTH_REQUIRE_ALL=1`.
///
/// # Panics
/// When `HEARTH_REQUIRE_ALL=1`.
pub fn skip(reason: &str) {
    assert!(!require_all(), "HEARTH_REQUIRE_ALL=1 and this test cannot run: {reason}");
    eprintln!("\n!!! SKIPPED: {reason} (set HEARTH_REQUIRE_ALL=1 to make this a failure)\n");
}

/// A database of its own for one test, and a data folder beside it.
pub struct TestDatabase {
    pub backend: Backend,
    /// The PostgreSQL database, or the portal's SQLite file (each service has its own file
    /// in `data_dir`).
    pub url: String,
    pub data_dir: TempDir,
}

/// Sends the warnings and errors of the code under test to the test's own output, which the
/// test runner shows when the test fails (e.g. why a background job gave up).
fn capture_logs() {
    let _ = tracing_subscriber::fmt().with_env_filter("warn").with_test_writer().try_init();
}

impl TestDatabase {
    /// A fresh database, or `None` (after a loud skip) when the backend is not available.
    ///
    /// # Panics
    /// When PostgreSQL is configured but a database cannot be created in it.
    pub async fn create(backend: Backend) -> Option<Self> {
        capture_logs();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", data_dir.path().join("portal.db").display()),
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("HEARTH_TEST_POSTGRES_URL") else {
                    skip("PostgreSQL is not available (HEARTH_TEST_POSTGRES_URL is unset; `make test` sets it)");
                    return None;
                };
                create_postgres_database(&admin_url).await
            }
        };
        Some(Self { backend, url, data_dir })
    }

    /// Settings for services under test: this database, its folder, an ephemeral port.
    #[must_use]
    pub fn config(&self) -> Config {
        let mut config = Config::from_lookup(|_| None).expect("default config");
        config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.data_dir = PathBuf::from(self.data_dir.path());
        config.database_url = (self.backend == Backend::Postgres).then(|| self.url.clone());
        config
    }

    /// The URL of one service's database (its SQLite file, or the shared PostgreSQL one).
    #[must_use]
    pub fn url_for(&self, service: &str) -> String {
        self.config().database_url_for(service)
    }
}

async fn create_postgres_database(admin_url: &str) -> String {
    sqlx::any::install_default_drivers();
    let name = format!("hearth_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(admin_url).await.expect("connect to HEARTH_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("HEARTH_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

/// A router served on a random local port for the life of the value.
pub struct TestServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves `app` as `hearth serve` does, with the default limits.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(app: Router) -> Self {
        let defaults = Config::from_lookup(|_| None).expect("default config");
        Self::start_with(app, crate::server::Limits::from_config(&defaults)).await
    }

    /// Serves `app` with the given connection limits.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start_with(app: Router, limits: crate::server::Limits) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a local port");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let _ = crate::server::serve_until(app, listener, limits, std::future::pending()).await;
        });
        Self { addr, task }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A fresh browser-like client for this server.
    #[must_use]
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.url(""))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An HTTP client that keeps cookies like a browser and fills in the CSRF field of forms.
#[derive(Clone)]
pub struct TestClient {
    pub base: String,
    pub http: reqwest::Client,
    jar: Arc<Jar>,
}

impl TestClient {
    /// # Panics
    /// When the client cannot be built.
    #[must_use]
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self { base: base.trim_end_matches('/').to_owned(), http, jar }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// # Panics
    /// When the server cannot be reached.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).header("accept", "text/html").send().await.expect("GET")
    }

    /// Gives the client a session, as if it had logged in.
    ///
    /// # Panics
    /// When the base URL is not a URL.
    pub fn sign_in(&self, session_token: &str) {
        let url = reqwest::Url::parse(&self.base).expect("base URL");
        self.jar.add_cookie_str(&format!("{}={session_token}; Path=/", crate::auth::SESSION_COOKIE), &url);
    }

    /// The value of a cookie this client holds.
    #[must_use]
    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = reqwest::Url::parse(&self.base).ok()?;
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
    }

    /// Posts a form as a browser would, with the CSRF token the server gave this client.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        if self.cookie(CSRF_COOKIE).is_none() {
            self.get("/healthz").await;
        }
        let token = self.cookie(CSRF_COOKIE).unwrap_or_default();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push((CSRF_FIELD, &token));
        self.http.post(self.url(path)).header("accept", "text/html").form(&form).send().await.expect("POST form")
    }

    /// Posts a form without any CSRF token, as a forged cross-site form would.
    ///
    /// # Panics
    /// When the server cannot be reached.
    pub async fn post_form_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(self.url(path)).header("accept", "text/html").form(fields).send().await.expect("POST")
    }
}
