//! The games service's use cases, shared by pages and API: one [`Manager`] whose jobs live in
//! one module each — [`launch`] (the form's values checked, ports allocated, the row stored),
//! `spec` (a stored server turned into what the runtime runs), `lifecycle` (start, stop,
//! restart, delete), `supervisor` (each run followed from `starting` to its end, restarts
//! after a crash, and reconciling at start-up), `players` and `idle` (who plays; stopping
//! idle servers), `figures` (what each running server uses), `backups`, `quotas`, `users`
//! (each server's own user id), `commands` (the console's input) and `members` (a member's
//! servers when their account is deleted).

mod backups;
mod commands;
mod figures;
mod idle;
pub mod launch;
mod lifecycle;
mod members;
mod players;
mod quotas;
mod server;
mod spec;
mod supervisor;
mod users;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use hearth_shared::auth::CopiedIdentities;
use hearth_shared::db::Database;
use hearth_shared::{AppError, AppResult, Identity};

pub use self::backups::Restored;
pub use self::launch::{LaunchRefused, LaunchRequest};
pub use self::members::{MemberRemoval, MemberServer};
pub use self::quotas::MemberQuota;
pub use self::server::Server;
use crate::catalog::Catalog;
use crate::config::GamesConfig;
use crate::db::{self, servers};
use crate::runtime::{Console, Instance, Runtime};

/// Lines of the console kept with a server that ended.
const LAST_LINES: usize = 20;

/// A server's live process, while there is one.
struct Live {
    instance: Arc<dyn Instance>,
    /// Set when a stop was asked for, so its exit is `stopped`, not `crashed`.
    stopping: Arc<AtomicBool>,
}

struct Inner {
    db: Database,
    catalog: Catalog,
    runtime: Arc<dyn Runtime>,
    config: GamesConfig,
    live: Mutex<HashMap<i64, Live>>,
    consoles: Mutex<HashMap<i64, Arc<Console>>>,
    /// One allocation at a time (ports, user ids, room in a quota), so two launches never get
    /// the same port or user, and two starts never both take a member's last room.
    allocating: tokio::sync::Mutex<()>,
    /// One start or stop at a time per server.
    operations: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    commands: Mutex<HashMap<i64, VecDeque<Instant>>>,
    /// Who plays on each running server whose console says so.
    players: Mutex<HashMap<i64, players::Players>>,
    /// The last look at each running server's processes.
    samples: Mutex<HashMap<i64, figures::LastSample>>,
    /// Each member as last written to the `members` table, so a page view writes only when
    /// the portal's name or role for them changed.
    remembered: CopiedIdentities,
}

/// The games service's use cases, shared by pages and API.
#[derive(Clone)]
pub struct Manager {
    inner: Arc<Inner>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Manager {
    #[must_use]
    pub fn new(db: Database, catalog: Catalog, runtime: Arc<dyn Runtime>, config: GamesConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                catalog,
                runtime,
                config,
                live: Mutex::new(HashMap::new()),
                consoles: Mutex::new(HashMap::new()),
                allocating: tokio::sync::Mutex::new(()),
                operations: Mutex::new(HashMap::new()),
                commands: Mutex::new(HashMap::new()),
                players: Mutex::new(HashMap::new()),
                samples: Mutex::new(HashMap::new()),
                remembered: CopiedIdentities::default(),
            }),
        }
    }

    #[must_use]
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    #[must_use]
    pub fn config(&self) -> &GamesConfig {
        &self.inner.config
    }

    fn pool(&self) -> &sqlx::AnyPool {
        self.inner.db.pool()
    }

    /// The servers `user` sees: their own, or all for an admin. Remembers `user` for the
    /// quotas page.
    ///
    /// # Errors
    /// The database failed.
    pub async fn list(&self, user: &Identity) -> AppResult<Vec<Server>> {
        self.remember_member(user).await?;
        let owner = (!user.is_admin()).then_some(user.user_id);
        let rows = servers::list(self.pool(), owner).await?;
        let names: HashMap<i64, String> = db::members::display_names(self.pool()).await?.into_iter().collect();
        Ok(rows
            .into_iter()
            .map(|row| {
                let mut server = Server::from_row(row, &self.inner.catalog);
                server.owner_name = names.get(&server.owner_id).cloned().unwrap_or_default();
                self.with_live(server)
            })
            .collect())
    }

    /// One server, when `user` owns it or is an admin.
    ///
    /// # Errors
    /// [`AppError::NotFound`] otherwise (a member does not learn others' servers exist).
    pub async fn get(&self, user: &Identity, id: i64) -> AppResult<Server> {
        match servers::by_id(self.pool(), id).await? {
            Some(row) if row.owner_id == user.user_id || user.is_admin() => {
                let mut server = Server::from_row(row, &self.inner.catalog);
                server.owner_name = db::members::display_name(self.pool(), server.owner_id).await?.unwrap_or_default();
                Ok(self.with_live(server))
            }
            _ => Err(AppError::NotFound(format!("There is no game server {id} of yours."))),
        }
    }

    /// The server's console (made on first use; it outlives runs of the server).
    #[must_use]
    pub fn console(&self, id: i64) -> Arc<Console> {
        Arc::clone(lock(&self.inner.consoles).entry(id).or_default())
    }

    fn server_dir(&self, id: i64) -> PathBuf {
        self.inner.config.servers_dir.join(id.to_string())
    }

    fn backups_dir(&self, id: i64) -> PathBuf {
        self.inner.config.servers_dir.with_file_name("backups").join(id.to_string())
    }

    fn operation_lock(&self, id: i64) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(lock(&self.inner.operations).entry(id).or_default())
    }
}
