//! The games service with a signed-in family, the stand-in templates and a port range of
//! its own per test (tests run at once in separate processes), and waiting for a state. Each
//! test binary uses part of them.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hearth_games::config::GamesConfig;
use hearth_portal::testing::{Family, Person};
use hearth_shared::db::Backend;
use hearth_shared::testing::TestDatabase;
use serde_json::Value;

pub struct Games {
    pub family: Family,
    ports: (u16, u16),
}

impl Games {
    /// Ten ports from `first` (plus ten for PostgreSQL, which runs beside SQLite).
    pub async fn start(backend: Backend, first: u16) -> Option<Self> {
        let first = if backend == Backend::Postgres { first + 10 } else { first };
        Self::start_with_ports(backend, first, first + 9).await
    }

    pub async fn start_with_ports(backend: Backend, first: u16, last: u16) -> Option<Self> {
        Self::start_with(backend, first, last, None).await
    }

    /// Ten ports from `first`, and the games service's own request timeout (the one its
    /// `timed()` routes get) set to `request_timeout`.
    pub async fn start_with_timeout(backend: Backend, first: u16, request_timeout: Duration) -> Option<Self> {
        Self::start_with(backend, first, first + 9, Some(request_timeout)).await
    }

    async fn start_with(backend: Backend, first: u16, last: u16, request_timeout: Option<Duration>) -> Option<Self> {
        let db = TestDatabase::create(backend).await?;
        // Games run as nobody when the tests run as root: they must pass through the folder.
        std::fs::set_permissions(db.data_dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o711))
            .expect("chmod");
        let family = Family::start(db, move |mut config, auth| async move {
            if let Some(timeout) = request_timeout {
                config.request_timeout = timeout;
            }
            let mut games = GamesConfig::from_lookup(&config, |_| None).expect("games config");
            games.ports = first..=last;
            games.uids = uid_range(first);
            games.templates_dir = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/templates"));
            games.commands_per_minute = 3;
            games.idle_minute = std::time::Duration::from_millis(20);
            games.players_query_every = std::time::Duration::from_millis(200);
            let state = hearth_games::AppState::new(config, games, auth).await.expect("games state");
            hearth_games::router(state)
        })
        .await;
        Some(Self { family, ports: (first, last) })
    }

    /// The user ids this test's servers run as (when the tests run as root).
    pub fn uid_range(&self) -> std::ops::RangeInclusive<u32> {
        uid_range(self.ports.0)
    }

    pub fn port_range(&self) -> std::ops::RangeInclusive<u64> {
        u64::from(self.ports.0)..=u64::from(self.ports.1)
    }

    pub fn server_dir(&self, id: i64) -> PathBuf {
        self.family.config.data_dir.join("games/servers").join(id.to_string())
    }

    pub fn backups_dir(&self, id: i64) -> PathBuf {
        self.family.config.data_dir.join("games/backups").join(id.to_string())
    }
}

/// Ten user ids of a test's own, from its first port (tests' port ranges never overlap): a
/// server's processes are ended with its run, so two tests must never share a user.
fn uid_range(first_port: u16) -> std::ops::RangeInclusive<u32> {
    let first = u32::from(first_port) * 10;
    first..=first + 9
}

pub async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("json")
}

/// The server once it is in `state`.
///
/// # Panics
/// When it is not within 60 seconds.
pub async fn wait_for_state(person: &Person, id: i64, state: &str) -> Value {
    wait_until(person, id, &format!("become {state}"), |server| server["state"] == state).await
}

/// The server once `check` holds for it.
///
/// # Panics
/// When it does not within 60 seconds; `what` says what was awaited.
pub async fn wait_until(person: &Person, id: i64, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut server = Value::Null;
    while Instant::now() < deadline {
        server = json_of(person.get(&format!("/games/api/servers/{id}")).send().await.expect("GET")).await;
        if check(&server) {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server {id} did not {what}: {server:#}");
}
