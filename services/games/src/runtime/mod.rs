//! How a server runs: the [`Runtime`] trait (the `process` runtime here; the Kubernetes one
//! plugs in the same way), what it is given ([`LaunchSpec`]) and what it gives back (an
//! [`Instance`] whose [`Status`] the supervisor watches), plus the [`Console`] they share and
//! the game's own external console ([`econ`]).

pub mod console;
pub mod dirs;
pub mod econ;
pub mod folder;
pub mod process;
pub mod stats;

use std::collections::BTreeMap;
use std::path::PathBuf;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

pub use console::{Console, ConsoleEvent};
pub use folder::{GameUser, ServerFolder};

use crate::domain::{Protocol, Readiness, RelativePath, StopPlan};

/// Everything a runtime needs to run one server, with placeholders already filled in.
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    pub server_id: i64,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The server's own folder: its working directory and the only place it writes.
    pub dir: PathBuf,
    pub ports: BTreeMap<String, (u16, Protocol)>,
    pub ready: Readiness,
    pub stop: StopPlan,
    pub memory_bytes: u64,
    /// The server's own user and group, when the manager is root (it runs as the manager
    /// otherwise).
    pub run_as: Option<GameUser>,
    pub console: Arc<Console>,
    /// Where console commands go.
    pub console_input: ConsoleInput,
    /// Values the console never shows (this start's `{secret}`), whoever prints them.
    pub secrets: Vec<String>,
}

/// Where a game takes its console commands.
#[derive(Debug, Clone)]
pub enum ConsoleInput {
    /// Its standard input.
    Stdin,
    /// A file inside its folder, which a mod of the game reads (Minetest).
    File(RelativePath),
    /// Its external console on `127.0.0.1:port`, with this start's password (Teeworlds).
    Econ { port: u16, password: String },
}

/// What a running server is doing, as its runtime sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Starting,
    /// Ready since the instant its ready line was read (or its probe answered).
    Ready(std::time::Instant),
    /// The process ended: its exit code, or the signal that ended it.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
}

/// Why a server could not be started; shown to the family as is.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Failed(String),
}

/// One running server.
#[async_trait]
pub trait Instance: Send + Sync {
    /// The process id, when the runtime has one.
    fn pid(&self) -> Option<u32>;
    /// Follows the server from starting to ready to exited.
    fn status(&self) -> watch::Receiver<Status>;
    /// Writes one line to the server's console.
    ///
    /// # Errors
    /// The server has no console input, or has ended.
    async fn send(&self, line: &str) -> Result<(), String>;
    /// Stops gracefully per the plan, then with SIGTERM, then SIGKILL; returns when ended.
    async fn stop(&self);
}

/// A way to run servers.
#[async_trait]
pub trait Runtime: Send + Sync {
    /// Starts a server; returns once it is spawned (not yet ready).
    ///
    /// # Errors
    /// The program is missing, a port is taken, the folder is unsafe, or spawning failed.
    async fn start(&self, spec: LaunchSpec) -> Result<Arc<dyn Instance>, LaunchError>;
}
