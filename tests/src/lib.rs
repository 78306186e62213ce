//! The black-box harness: start `hearth serve` (all services, or one) as a real process on a
//! free port with its own data folder, or point at a deployment with `HEARTH_E2E_URL`.
//!
//! The binary is `HEARTH_BIN`, else `target/debug/hearth` of this workspace (`make test`
//! builds it first).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod browser;
pub use hearth_shared::db::Backend;
pub use hearth_shared::testing::{TestClient, TestDatabase, skip};

/// The `hearth` binary under test.
///
/// # Panics
/// When it has not been built.
#[must_use]
pub fn hearth_binary() -> PathBuf {
    let path = std::env::var_os("HEARTH_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/hearth"), PathBuf::from);
    assert!(path.exists(), "{} does not exist: run `cargo build -p hearth` (make test does)", path.display());
    path
}

/// A free local port (the OS picks; the listener is closed before the process binds it).
///
/// # Panics
/// When no port can be bound.
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

/// Waits until `url` answers 2xx.
///
/// # Panics
/// When it does not within 30 seconds.
pub async fn wait_until_ok(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{url} did not answer 200 within 30 s");
}

/// Sets up a fresh Hearth at `base_url` (its first admin, "mum") and returns her API token.
///
/// # Panics
/// When the setup is refused (the instance was set up already) or does not answer.
pub async fn first_admin_token(http: &reqwest::Client, base_url: &str) -> String {
    let setup = http
        .post(format!("{base_url}/api/setup"))
        .json(&serde_json::json!({"username": "mum", "display_name": "Mum", "password": "admin password"}))
        .send()
        .await
        .expect("setup");
    assert_eq!(setup.status(), reqwest::StatusCode::CREATED, "the first-run setup");
    let setup: serde_json::Value = setup.json().await.expect("json");
    setup["token"].as_str().expect("token").to_owned()
}

/// A running `hearth serve` process, killed when dropped.
pub struct HearthProcess {
    pub base_url: String,
    child: Child,
    /// The data folder when the process owns it (removed with it).
    _data_dir: Option<tempfile::TempDir>,
}

impl HearthProcess {
    /// Starts `hearth serve <service>` (all services when `service` is `None`) with extra
    /// environment, and waits until `{prefix}/readyz` answers 200.
    ///
    /// # Panics
    /// When the process cannot start or is not ready within 30 seconds.
    pub async fn start(service: Option<&str>, env: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut process = Self::start_in(data_dir.path(), service, env).await;
        process._data_dir = Some(data_dir);
        process
    }

    /// Like [`HearthProcess::start`], with a data folder the caller keeps (to restart on it).
    ///
    /// # Panics
    /// When the process cannot start or is not ready within 30 seconds.
    pub async fn start_in(data_dir: &Path, service: Option<&str>, env: &[(&str, &str)]) -> Self {
        Self::start_at(data_dir, free_port(), service, env).await
    }

    /// Like [`HearthProcess::start`], on `port`: for processes that must know each other's
    /// addresses before they start (a portal and the services it asks).
    ///
    /// # Panics
    /// When the process cannot start or is not ready within 30 seconds.
    pub async fn start_on(port: u16, service: Option<&str>, env: &[(&str, &str)]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut process = Self::start_at(data_dir.path(), port, service, env).await;
        process._data_dir = Some(data_dir);
        process
    }

    async fn start_at(data_dir: &Path, port: u16, service: Option<&str>, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(hearth_binary());
        command.arg("serve");
        if let Some(service) = service {
            command.arg(service);
        }
        command
            .env("HEARTH_ADDR", format!("127.0.0.1:{port}"))
            .env("HEARTH_DATA_DIR", data_dir)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command.spawn().expect("start hearth");
        let process = Self { base_url: format!("http://127.0.0.1:{port}"), child, _data_dir: None };
        let prefix = match service {
            None | Some("portal") => String::new(),
            Some(name) => format!("/{name}"),
        };
        process.wait_ready(&format!("{prefix}/readyz")).await;
        process
    }

    async fn wait_ready(&self, path: &str) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("{}{path}", self.base_url);
        while Instant::now() < deadline {
            if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{url} did not answer 200 within 30 s");
    }

    /// Kills the process at once (SIGKILL), as a power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A fresh browser-like client for this process.
    #[must_use]
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base_url)
    }
}

impl Drop for HearthProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the suite runs against: `HEARTH_E2E_URL`, or a fresh all-in-one process.
pub enum Target {
    Deployment(String),
    Local(HearthProcess),
}

impl Target {
    /// # Panics
    /// When a local process cannot be started.
    pub async fn from_env(env: &[(&str, &str)]) -> Self {
        match std::env::var("HEARTH_E2E_URL") {
            Ok(url) if !url.is_empty() => Self::Deployment(url.trim_end_matches('/').to_owned()),
            _ => Self::Local(HearthProcess::start(None, env).await),
        }
    }

    #[must_use]
    pub fn base_url(&self) -> &str {
        match self {
            Self::Deployment(url) => url,
            Self::Local(process) => &process.base_url,
        }
    }

    #[must_use]
    pub fn client(&self) -> TestClient {
        TestClient::new(self.base_url())
    }
}
