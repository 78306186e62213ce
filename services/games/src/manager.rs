//! The games service's use cases and its supervisor: launch a server from the form's values,
//! start, stop, restart, delete, talk to its console; follow each running server from
//! `starting` to `running` to `stopped` or `crashed` (restarting it after a crash, within
//! limits); and at start-up reconcile what should run with what does.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hearth_shared::db::{Database, unix_now};
use hearth_shared::{AppError, AppResult, Identity};
use serde::Serialize;
use utoipa::ToSchema;

use crate::backups::{self, Backup};
use crate::catalog::Catalog;
use crate::config::{GamesConfig, Quota};
use crate::db::quotas;
use crate::db::servers::{self, NewServer, ServerRow};
use crate::domain::template::Placeholders;
use crate::domain::{
    BackupName, DesiredState, FieldErrors, GameName, GameTemplate, MemoryLimit, PlayerLines, Protocol, ServerName,
    ServerSettings, ServerState,
};
use crate::runtime::process::{self, port_is_free};
use crate::runtime::stats::{self, ProcessStats};
use crate::runtime::{Console, ConsoleEvent, Instance, LaunchSpec, Runtime, Status, dirs};

/// Lines of the console kept with a server that ended.
const LAST_LINES: usize = 20;
/// A server that ran this long before crashing starts its restart count afresh.
const STABLE_AFTER: Duration = Duration::from_secs(600);
/// Wait before restarting a crashed server.
const RESTART_DELAY: Duration = Duration::from_secs(2);
/// Time a game is given to write its save before a backup is made.
const SAVE_WAIT: Duration = Duration::from_secs(2);
/// The longest idle time a server may be given before it stops (a day).
const MAX_IDLE_MINUTES: i64 = 1440;
/// The longest time between scheduled backups (a week).
const MAX_BACKUP_HOURS: u32 = 168;
/// How often due backups are looked for.
const BACKUP_SWEEP_EVERY: Duration = Duration::from_secs(600);
/// The longest console command.
const MAX_COMMAND: usize = 200;

/// A game server as the family sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Server {
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    pub game: String,
    pub game_title: String,
    pub settings: BTreeMap<String, String>,
    pub memory_mb: i64,
    /// Port name to number.
    pub ports: BTreeMap<String, u16>,
    /// The main port's transport (`udp`, `tcp`, `tcp+udp`).
    pub protocol: String,
    pub desired: DesiredState,
    pub state: ServerState,
    /// How the last run ended, when it has.
    pub exit_code: Option<i64>,
    /// Why it crashed or could not start.
    pub message: String,
    /// The last console lines of the last run that ended.
    pub last_lines: String,
    /// Whether console commands are understood.
    pub console_input: bool,
    /// The game's process id while it runs (for operators).
    pub pid: Option<i64>,
    /// Uptime, CPU and memory of the game's process while it runs.
    pub stats: Option<ProcessStats>,
    /// Who is playing, for a game whose console says who joins and leaves, while it runs.
    pub players: Option<Vec<String>>,
    /// Stopped after this many minutes with no players (0: never).
    pub idle_stop_minutes: i64,
    /// Backed up every this many hours (0: only by hand).
    pub backup_every_hours: i64,
    pub state_since: i64,
    pub created_at: i64,
}

impl Server {
    fn from_row(row: ServerRow, catalog: &Catalog) -> Self {
        let template = catalog.by_name(&row.game);
        let ports: BTreeMap<String, u16> = serde_json::from_str(&row.ports).unwrap_or_default();
        let settings = template.map(|t| ServerSettings::from_stored(&t.settings, &row.settings));
        Self {
            id: row.id,
            owner_id: row.owner_id,
            name: row.name,
            game_title: template.map_or_else(|| row.game.clone(), |t| t.title.clone()),
            protocol: template.and_then(|t| t.ports.first()).map_or("tcp", |p| p.protocol.as_str()).to_owned(),
            console_input: template.is_some_and(|t| t.console_input),
            game: row.game,
            settings: settings.map(|s| s.values().clone()).unwrap_or_default(),
            memory_mb: row.memory_mb,
            ports,
            desired: DesiredState::from_stored(&row.desired),
            state: ServerState::from_stored(&row.state),
            exit_code: row.exit_code,
            message: row.message,
            last_lines: row.last_lines,
            stats: row
                .pid
                .filter(|_| ServerState::from_stored(&row.state).is_active())
                .and_then(|pid| u32::try_from(pid).ok())
                .and_then(stats::of),
            players: None,
            idle_stop_minutes: row.idle_stop_minutes,
            backup_every_hours: row.backup_every_hours,
            pid: row.pid,
            state_since: row.state_since,
            created_at: row.created_at,
        }
    }

    /// The port friends connect to.
    #[must_use]
    pub fn main_port(&self) -> Option<u16> {
        self.ports.get("game").or_else(|| self.ports.values().next()).copied()
    }
}

/// What the launch form (or the API) asks for, as typed.
#[derive(Debug, Clone, Default)]
pub struct LaunchRequest {
    pub game: String,
    pub name: String,
    /// Empty for the template's default.
    pub memory_mb: String,
    /// Minutes with no players before the server stops; empty or 0 for never.
    pub idle_stop_minutes: String,
    pub settings: BTreeMap<String, String>,
}

/// Why a launch was refused.
#[derive(Debug)]
pub enum LaunchRefused {
    /// What to fix, per field.
    Fields(FieldErrors),
    Other(AppError),
}

impl From<AppError> for LaunchRefused {
    fn from(error: AppError) -> Self {
        Self::Other(error)
    }
}

impl From<sqlx::Error> for LaunchRefused {
    fn from(error: sqlx::Error) -> Self {
        Self::Other(error.into())
    }
}

impl From<LaunchRefused> for AppError {
    fn from(refused: LaunchRefused) -> Self {
        match refused {
            LaunchRefused::Fields(errors) => Self::Invalid(errors.summary()),
            LaunchRefused::Other(error) => error,
        }
    }
}

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
    /// One allocation at a time, so two launches never get the same port.
    allocating: tokio::sync::Mutex<()>,
    /// One start or stop at a time per server.
    operations: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    commands: Mutex<HashMap<i64, VecDeque<Instant>>>,
    /// Who plays on each running server whose console says so.
    players: Mutex<HashMap<i64, Players>>,
}

/// The players of one run, and since when nobody has played.
struct Players {
    names: std::collections::BTreeSet<String>,
    empty_since: Option<Instant>,
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

    /// The servers `user` sees: their own, or all for an admin.
    ///
    /// # Errors
    /// The database failed.
    pub async fn list(&self, user: &Identity) -> AppResult<Vec<Server>> {
        let owner = (!user.is_admin()).then_some(user.user_id);
        let rows = servers::list(self.pool(), owner).await?;
        Ok(rows.into_iter().map(|row| self.with_players(Server::from_row(row, &self.inner.catalog))).collect())
    }

    /// One server, when `user` owns it or is an admin.
    ///
    /// # Errors
    /// [`AppError::NotFound`] otherwise (a member does not learn others' servers exist).
    pub async fn get(&self, user: &Identity, id: i64) -> AppResult<Server> {
        match servers::by_id(self.pool(), id).await? {
            Some(row) if row.owner_id == user.user_id || user.is_admin() => {
                Ok(self.with_players(Server::from_row(row, &self.inner.catalog)))
            }
            _ => Err(AppError::NotFound(format!("There is no game server {id} of yours."))),
        }
    }

    fn with_players(&self, mut server: Server) -> Server {
        server.players = lock(&self.inner.players).get(&server.id).map(|p| p.names.iter().cloned().collect());
        server
    }

    /// Checks the form, allocates ports, stores the server and starts it.
    ///
    /// # Errors
    /// What to fix per field; no free port; the database failed.
    pub async fn launch(&self, user: &Identity, request: &LaunchRequest) -> Result<Server, LaunchRefused> {
        let requested = Instant::now();
        let mut errors = FieldErrors::default();
        let template = match GameName::parse(&request.game) {
            Ok(game) => self.inner.catalog.get(&game).cloned().or_else(|| {
                errors.add("game", format!("There is no game {:?} here; choose one from the list.", game.as_str()));
                None
            }),
            Err(message) => {
                errors.add("game", message);
                None
            }
        };
        let name = ServerName::parse(&request.name).map_err(|m| errors.add("name", m)).ok();
        if let Some(name) = &name
            && servers::name_taken(self.pool(), user.user_id, name.as_str()).await?
        {
            errors.add("name", format!("You already have a server called {:?}; choose another name.", name.as_str()));
        }
        let Some(template) = template else { return Err(LaunchRefused::Fields(errors)) };
        let memory = if request.memory_mb.trim().is_empty() {
            MemoryLimit::parse(&template.memory_default.to_string(), template.memory_min, template.memory_max)
        } else {
            MemoryLimit::parse(&request.memory_mb, template.memory_min, template.memory_max)
        }
        .map_err(|m| errors.add("memory_mb", m))
        .ok();
        let settings = match ServerSettings::parse(&template.settings, &request.settings) {
            Ok(settings) => Some(settings),
            Err(bad) => {
                for (field, message) in bad.0 {
                    errors.add(&field, message);
                }
                None
            }
        };
        let idle_stop_minutes = match request.idle_stop_minutes.trim() {
            "" => Some(0),
            text => text.parse::<i64>().ok().filter(|m| (0..=MAX_IDLE_MINUTES).contains(m)).or_else(|| {
                errors.add(
                    "idle_stop_minutes",
                    format!(
                        "Stop after a whole number of idle minutes from 0 (never) to {MAX_IDLE_MINUTES}, not {text:?}."
                    ),
                );
                None
            }),
        };
        if idle_stop_minutes.is_some_and(|m| m > 0) && template.players.is_none() {
            errors.add(
                "idle_stop_minutes",
                format!("{} cannot tell who is playing, so it cannot stop when idle: use 0.", template.title),
            );
        }
        let (Some(name), Some(memory), Some(settings), Some(idle_stop_minutes), true) =
            (name, memory, settings, idle_stop_minutes, errors.is_empty())
        else {
            return Err(LaunchRefused::Fields(errors));
        };
        let id = {
            let _one_at_a_time = self.inner.allocating.lock().await;
            self.check_quota(user, user.user_id, 0, i64::from(memory.mib())).await?;
            let ports = self.allocate_ports(&template).await?;
            let new = NewServer {
                owner_id: user.user_id,
                name: name.as_str(),
                game: template.game.as_str(),
                settings: &settings.to_json(),
                memory_mb: i64::from(memory.mib()),
                ports: &serde_json::to_string(&ports).unwrap_or_default(),
                idle_stop_minutes,
            };
            match servers::insert(self.pool(), &new, unix_now()).await {
                Ok(id) => id,
                Err(error) if error.as_database_error().is_some_and(|e| e.is_unique_violation()) => {
                    errors.add(
                        "name",
                        format!("You already have a server called {:?}; choose another name.", name.as_str()),
                    );
                    return Err(LaunchRefused::Fields(errors));
                }
                Err(error) => return Err(error.into()),
            }
        };
        self.start_now(id, requested).await?;
        Ok(self.get(user, id).await?)
    }

    /// Free port numbers for each of the template's ports: in the range, held by no other
    /// server, and bindable now.
    async fn allocate_ports(&self, template: &GameTemplate) -> AppResult<BTreeMap<String, u16>> {
        let mut used: Vec<u16> = servers::all_ports(self.pool())
            .await?
            .iter()
            .flat_map(|json| serde_json::from_str::<BTreeMap<String, u16>>(json).unwrap_or_default().into_values())
            .collect();
        let mut ports = BTreeMap::new();
        for spec in &template.ports {
            let port = self
                .inner
                .config
                .ports
                .clone()
                .find(|p| !used.contains(p) && port_is_free(*p, spec.protocol.uses_tcp(), spec.protocol.uses_udp()))
                .ok_or_else(|| {
                    AppError::Conflict(
                        "Every game port is in use; stop or delete a server, or ask the family admin to widen \
                         HEARTH_GAMES_PORTS."
                            .to_owned(),
                    )
                })?;
            used.push(port);
            ports.insert(spec.name.clone(), port);
        }
        Ok(ports)
    }

    /// Asks for the server to run, and starts it.
    ///
    /// # Errors
    /// Not `user`'s server; the database failed.
    pub async fn start(&self, user: &Identity, id: i64) -> AppResult<Server> {
        let server = self.get(user, id).await?;
        if server.desired == DesiredState::Stopped {
            self.check_quota(user, server.owner_id, id, server.memory_mb).await?;
        }
        let requested = Instant::now();
        servers::set_restarts(self.pool(), id, 0).await?;
        self.start_now(id, requested).await?;
        self.get(user, id).await
    }

    /// Asks for the server to stop; it stops in the background (see its state).
    ///
    /// # Errors
    /// Not `user`'s server; the database failed.
    pub async fn stop(&self, user: &Identity, id: i64) -> AppResult<Server> {
        self.get(user, id).await?;
        servers::set_desired(self.pool(), id, DesiredState::Stopped.as_str()).await?;
        if let Some(instance) = self.begin_stop(id).await? {
            tokio::spawn(async move { instance.stop().await });
        }
        self.get(user, id).await
    }

    /// Stops the server, waits for it, and starts it again.
    ///
    /// # Errors
    /// Not `user`'s server; the database failed.
    pub async fn restart(&self, user: &Identity, id: i64) -> AppResult<Server> {
        self.get(user, id).await?;
        self.stop_and_wait(id).await?;
        self.start(user, id).await
    }

    /// Stops and forgets the server; its folder (the world) and its backups are deleted only
    /// when asked.
    ///
    /// # Errors
    /// Not `user`'s server; the database or the folder failed.
    pub async fn delete(&self, user: &Identity, id: i64, delete_world: bool) -> AppResult<()> {
        self.get(user, id).await?;
        servers::set_desired(self.pool(), id, DesiredState::Stopped.as_str()).await?;
        self.stop_and_wait(id).await?;
        servers::delete(self.pool(), id).await?;
        lock(&self.inner.consoles).remove(&id);
        if delete_world {
            for dir in [self.server_dir(id), self.backups_dir(id)] {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir)
                        .map_err(|e| AppError::Internal(anyhow::anyhow!("cannot delete {}: {e}", dir.display())))?;
                }
            }
        }
        Ok(())
    }

    /// Writes a line to the server's console, for its owner or an admin, within the rate limit.
    ///
    /// # Errors
    /// An empty or too long command; a game without console input; a server not running;
    /// too many commands in the last minute.
    pub async fn send_command(&self, user: &Identity, id: i64, command: &str) -> AppResult<()> {
        let server = self.get(user, id).await?;
        let command = command.trim();
        if command.is_empty() || command.chars().count() > MAX_COMMAND || command.chars().any(char::is_control) {
            return Err(AppError::Invalid(format!("Type one command of 1 to {MAX_COMMAND} characters, on one line.")));
        }
        if !server.console_input {
            return Err(AppError::BadRequest(format!(
                "{}'s console does not take commands; it only shows what the server says.",
                server.game_title
            )));
        }
        let instance = lock(&self.inner.live).get(&id).map(|live| Arc::clone(&live.instance));
        let Some(instance) = instance else {
            return Err(AppError::Conflict("The server is not running; start it first.".to_owned()));
        };
        self.check_rate(id)?;
        self.console(id).push(&format!("> {command}"));
        instance.send(command).await.map_err(AppError::Conflict)
    }

    fn backups_dir(&self, id: i64) -> PathBuf {
        self.inner.config.servers_dir.with_file_name("backups").join(id.to_string())
    }

    /// The server's backups, newest first.
    ///
    /// # Errors
    /// Not `user`'s server; the database failed.
    pub async fn backups(&self, user: &Identity, id: i64) -> AppResult<Vec<Backup>> {
        self.get(user, id).await?;
        Ok(backups::list(&self.backups_dir(id)))
    }

    /// Backs the server's folder up: while it is stopped, or after its save command.
    ///
    /// # Errors
    /// A running game that cannot be told to save; `tar` failed.
    pub async fn back_up(&self, user: &Identity, id: i64) -> AppResult<Backup> {
        let server = self.get(user, id).await?;
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        let instance = lock(&self.inner.live).get(&id).map(|live| Arc::clone(&live.instance));
        let console = self.console(id);
        if let Some(instance) = instance {
            let save = self.inner.catalog.by_name(&server.game).and_then(|t| t.save_command.clone());
            let Some(save) = save else {
                return Err(AppError::Conflict(format!(
                    "{} cannot be told to save while it runs: stop the server, then back it up.",
                    server.game_title
                )));
            };
            console.push(&format!("[hearth] saving for a backup: {save}"));
            instance.send(&save).await.map_err(AppError::Conflict)?;
            tokio::time::sleep(SAVE_WAIT).await;
        }
        let name = BackupName::at(unix_now());
        let path = backups::make(&self.server_dir(id), &self.backups_dir(id), &name)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        console.push(&format!("[hearth] backed up as {}", name.as_str()));
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or_default();
        Ok(Backup { name: name.as_str().to_owned(), bytes })
    }

    /// Where a backup is, for a download.
    ///
    /// # Errors
    /// Not `user`'s server, or no such backup.
    pub async fn backup_file(&self, user: &Identity, id: i64, name: &str) -> AppResult<PathBuf> {
        self.get(user, id).await?;
        let name = BackupName::parse(name).map_err(AppError::NotFound)?;
        let path = self.backups_dir(id).join(name.as_str());
        if path.is_file() {
            Ok(path)
        } else {
            Err(AppError::NotFound(format!("There is no backup {}.", name.as_str())))
        }
    }

    /// Puts a backup back into the stopped server's folder.
    ///
    /// # Errors
    /// The server is running; no such backup; `tar` failed.
    pub async fn restore(&self, user: &Identity, id: i64, name: &str) -> AppResult<()> {
        let path = self.backup_file(user, id, name).await?;
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        if lock(&self.inner.live).contains_key(&id) {
            return Err(AppError::Conflict("Stop the server before restoring a backup.".to_owned()));
        }
        backups::restore(&self.server_dir(id), &path).await.map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        self.console(id).push(&format!("[hearth] restored the backup {name}"));
        Ok(())
    }

    /// Sets how often the server is backed up by itself.
    ///
    /// # Errors
    /// More than a week between backups; not `user`'s server; the database failed.
    pub async fn set_backup_schedule(&self, user: &Identity, id: i64, every_hours: u32) -> AppResult<Server> {
        self.get(user, id).await?;
        if every_hours > MAX_BACKUP_HOURS {
            return Err(AppError::Invalid(format!(
                "Back up at least once a week: from 0 (only by hand) to {MAX_BACKUP_HOURS} hours, not {every_hours}."
            )));
        }
        servers::set_backup_schedule(self.pool(), id, i64::from(every_hours)).await?;
        self.get(user, id).await
    }

    /// Every ten minutes, backs up the servers whose schedule says a backup is due (a server
    /// that runs and cannot save on command waits until it is stopped). Runs for the life of
    /// the service.
    pub async fn make_scheduled_backups(self) {
        let mut every = tokio::time::interval(BACKUP_SWEEP_EVERY);
        loop {
            every.tick().await;
            let rows = match servers::with_backup_schedule(self.pool()).await {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::error!(%error, "reading the backup schedules failed");
                    continue;
                }
            };
            for row in rows {
                let newest = backups::list(&self.backups_dir(row.id)).into_iter().next();
                let due = newest.as_ref().is_none_or(|b| {
                    backups::age_secs(&self.backups_dir(row.id), &b.name) >= row.backup_every_hours.saturating_mul(3600)
                });
                let owner = Identity {
                    user_id: row.owner_id,
                    username: String::new(),
                    display_name: String::new(),
                    role: hearth_shared::Role::Member,
                };
                if due && let Err(error) = self.back_up(&owner, row.id).await {
                    tracing::info!(%error, id = row.id, "a scheduled backup waits");
                }
            }
        }
    }

    /// A member's quota: the one an admin set, or the default.
    ///
    /// # Errors
    /// The database failed.
    pub async fn quota(&self, user_id: i64) -> AppResult<Quota> {
        Ok(match quotas::of(self.pool(), user_id).await? {
            Some((max_running, max_memory_mb)) => Quota {
                max_running: u32::try_from(max_running).unwrap_or(0),
                max_memory_mb: u32::try_from(max_memory_mb).unwrap_or(0),
            },
            None => self.inner.config.default_quota,
        })
    }

    /// Sets a member's quota (admins only).
    ///
    /// # Errors
    /// Not an admin; the database failed.
    pub async fn set_quota(&self, admin: &Identity, user_id: i64, quota: Quota) -> AppResult<Quota> {
        admin.require_admin()?;
        quotas::set(self.pool(), user_id, i64::from(quota.max_running), i64::from(quota.max_memory_mb), unix_now())
            .await?;
        Ok(quota)
    }

    /// Refuses to run one more server (`except` aside) of `owner` with `memory_mb` beyond the
    /// owner's quota. Admins have none.
    async fn check_quota(&self, user: &Identity, owner: i64, except: i64, memory_mb: i64) -> AppResult<()> {
        if user.is_admin() {
            return Ok(());
        }
        let quota = self.quota(owner).await?;
        let (running, memory) = quotas::in_use(self.pool(), owner, except).await?;
        if running >= i64::from(quota.max_running) {
            return Err(AppError::Forbidden(format!(
                "You may run {} servers at once and {running} are running; stop one first, or ask a family \
                 admin for a bigger quota.",
                quota.max_running
            )));
        }
        if memory + memory_mb > i64::from(quota.max_memory_mb) {
            return Err(AppError::Forbidden(format!(
                "Your servers may use {} MiB together; {memory} MiB are in use and this one needs {memory_mb}. \
                 Lower its memory limit, stop another server, or ask a family admin.",
                quota.max_memory_mb
            )));
        }
        Ok(())
    }

    fn check_rate(&self, id: i64) -> AppResult<()> {
        let per_minute = self.inner.config.commands_per_minute as usize;
        let mut commands = lock(&self.inner.commands);
        let sent = commands.entry(id).or_default();
        while sent.front().is_some_and(|at| at.elapsed() > Duration::from_secs(60)) {
            sent.pop_front();
        }
        if sent.len() >= per_minute {
            let wait = sent.front().map_or(60, |at| 60u64.saturating_sub(at.elapsed().as_secs()).max(1));
            return Err(AppError::TooManyRequests {
                message: format!("At most {per_minute} commands a minute; wait {wait} s."),
                retry_after_secs: wait,
            });
        }
        sent.push_back(Instant::now());
        Ok(())
    }

    /// The server's console (made on first use; it outlives runs of the server).
    #[must_use]
    pub fn console(&self, id: i64) -> Arc<Console> {
        Arc::clone(lock(&self.inner.consoles).entry(id).or_default())
    }

    fn server_dir(&self, id: i64) -> PathBuf {
        self.inner.config.servers_dir.join(id.to_string())
    }

    fn operation_lock(&self, id: i64) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(lock(&self.inner.operations).entry(id).or_default())
    }

    /// Marks the live process as stopping; `None` when there is none.
    async fn begin_stop(&self, id: i64) -> AppResult<Option<Arc<dyn Instance>>> {
        let live = lock(&self.inner.live).get(&id).map(|l| (Arc::clone(&l.instance), Arc::clone(&l.stopping)));
        let Some((instance, stopping)) = live else {
            let row = servers::by_id(self.pool(), id).await?;
            if row.is_some_and(|r| ServerState::from_stored(&r.state).is_active()) {
                servers::set_state(self.pool(), id, ServerState::Stopped.as_str(), unix_now()).await?;
            }
            return Ok(None);
        };
        stopping.store(true, Ordering::SeqCst);
        servers::set_state(self.pool(), id, ServerState::Stopping.as_str(), unix_now()).await?;
        let console = self.console(id);
        console.push("[hearth] stopping");
        console.state(ServerState::Stopping.as_str());
        Ok(Some(instance))
    }

    async fn stop_and_wait(&self, id: i64) -> AppResult<()> {
        if let Some(instance) = self.begin_stop(id).await? {
            let mut status = instance.status();
            instance.stop().await;
            let _ = status.wait_for(|s| matches!(s, Status::Exited { .. })).await;
            // The supervisor records the end; wait until it has.
            for _ in 0..100 {
                if !lock(&self.inner.live).contains_key(&id) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }

    /// Starts the stored server now unless it runs already; a failure to start is recorded as
    /// `crashed` with the reason.
    async fn start_now(&self, id: i64, requested: Instant) -> AppResult<()> {
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        if lock(&self.inner.live).contains_key(&id) {
            return Ok(());
        }
        servers::set_desired(self.pool(), id, DesiredState::Running.as_str()).await?;
        let Some(row) = servers::by_id(self.pool(), id).await? else { return Ok(()) };
        let console = self.console(id);
        let spec = match self.launch_spec(&row, &console) {
            Ok(spec) => spec,
            Err(reason) => return self.record_failed_start(id, &console, &reason).await,
        };
        console.push(&format!("[hearth] starting {} {}", spec.program.display(), spec.args.join(" ")));
        match self.inner.runtime.start(spec).await {
            Ok(instance) => {
                let pid = instance.pid().unwrap_or_default();
                console.push(&format!(
                    "[hearth] spawned as pid {pid}, {} µs after the request",
                    requested.elapsed().as_micros()
                ));
                let started = process::start_ticks(pid).unwrap_or_default();
                servers::set_started(
                    self.pool(),
                    id,
                    i64::from(pid),
                    i64::try_from(started).unwrap_or_default(),
                    unix_now(),
                )
                .await?;
                console.state(ServerState::Starting.as_str());
                let stopping = Arc::new(AtomicBool::new(false));
                lock(&self.inner.live)
                    .insert(id, Live { instance: Arc::clone(&instance), stopping: Arc::clone(&stopping) });
                if let Some(lines) = self.inner.catalog.by_name(&row.game).and_then(|t| t.players.clone()) {
                    lock(&self.inner.players).insert(
                        id,
                        Players { names: std::collections::BTreeSet::new(), empty_since: Some(Instant::now()) },
                    );
                    tokio::spawn(self.clone().follow_players(id, Arc::clone(&instance), lines));
                }
                tokio::spawn(self.clone().supervise(id, instance, stopping));
                Ok(())
            }
            Err(error) => self.record_failed_start(id, &console, &error.to_string()).await,
        }
    }

    async fn record_failed_start(&self, id: i64, console: &Console, reason: &str) -> AppResult<()> {
        console.push(&format!("[hearth] could not start: {reason}"));
        let tail = console.tail(LAST_LINES);
        servers::set_ended(self.pool(), id, ServerState::Crashed.as_str(), None, reason, &tail, unix_now()).await?;
        console.state(ServerState::Crashed.as_str());
        Ok(())
    }

    /// The template filled in for this server, with its folder prepared and checked.
    fn launch_spec(&self, row: &ServerRow, console: &Arc<Console>) -> Result<LaunchSpec, String> {
        let template = self
            .inner
            .catalog
            .by_name(&row.game)
            .ok_or_else(|| format!("The game {:?} is no longer offered here.", row.game))?;
        let name = ServerName::parse(&row.name)?;
        let settings = ServerSettings::from_stored(&template.settings, &row.settings);
        let ports: BTreeMap<String, u16> = serde_json::from_str(&row.ports).unwrap_or_default();
        let memory = MemoryLimit::from_stored(row.memory_mb);
        let dir = self.server_dir(row.id);
        let run_as = self.inner.config.run_as;
        let owner = rustix::process::getuid().is_root().then_some(run_as);
        dirs::prepare(&dir, None).map_err(|e| format!("cannot make the server's folder: {e}"))?;
        let dir = dir.canonicalize().map_err(|e| format!("cannot open the server's folder: {e}"))?;
        dirs::confine(&dir, &template.data_dir)?;
        let values = Placeholders { data_dir: &dir, ports: &ports, settings: &settings, memory, name: &name };
        for (path, text) in &template.files {
            let target = dirs::confine(&dir, path)?;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot write {}: {e}", path.as_path().display()))?;
            }
            std::fs::write(&target, GameTemplate::fill(text, &values))
                .map_err(|e| format!("cannot write {}: {e}", path.as_path().display()))?;
        }
        let mut args: Vec<String> = template.args.iter().map(|a| GameTemplate::fill(a, &values)).collect();
        for (path, extra) in &template.args_if_exists {
            if dirs::confine(&dir, path)?.exists() {
                args.extend(extra.iter().map(|a| GameTemplate::fill(a, &values)));
            }
        }
        dirs::prepare(&dir, owner).map_err(|e| format!("cannot give the server's folder to its user: {e}"))?;
        if owner.is_some() {
            dirs::check_reachable(&dir)?;
        }
        let console_file = template.console_file.as_ref().map(|path| dirs::confine(&dir, path)).transpose()?;
        let protocols: HashMap<&str, Protocol> = template.ports.iter().map(|p| (p.name.as_str(), p.protocol)).collect();
        Ok(LaunchSpec {
            server_id: row.id,
            program: template.program.clone(),
            args,
            env: template.env.iter().map(|(k, v)| (k.clone(), GameTemplate::fill(v, &values))).collect(),
            ports: ports
                .iter()
                .map(|(name, port)| {
                    (name.clone(), (*port, protocols.get(name.as_str()).copied().unwrap_or(Protocol::Tcp)))
                })
                .collect(),
            dir,
            ready: template.ready.clone(),
            stop: template.stop.clone(),
            memory_bytes: memory.bytes(),
            run_as,
            console: Arc::clone(console),
            console_file,
        })
    }

    /// Follows one run: `running` when ready; at the end `stopped` (asked) or `crashed`, and
    /// a restart after a crash of a server that had been ready, within the limit.
    fn supervise(
        self,
        id: i64,
        instance: Arc<dyn Instance>,
        stopping: Arc<AtomicBool>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
        Box::pin(async move { self.follow(id, instance, stopping).await })
    }

    async fn follow(self, id: i64, instance: Arc<dyn Instance>, stopping: Arc<AtomicBool>) {
        let spawned = Instant::now();
        let console = self.console(id);
        let mut status = instance.status();
        let mut was_ready = false;
        let (code, signal) = loop {
            let current = status.borrow_and_update().clone();
            match current {
                Status::Starting => {}
                Status::Ready(seen) => {
                    if !was_ready {
                        was_ready = true;
                        if let Err(error) = servers::mark_running(self.pool(), id, unix_now()).await {
                            tracing::error!(%error, id, "could not record a running game server");
                        }
                        if !stopping.load(Ordering::SeqCst) {
                            console.push(&format!(
                                "[hearth] ready after {} ms; running recorded {} µs after the ready line",
                                spawned.elapsed().as_millis(),
                                seen.elapsed().as_micros()
                            ));
                            console.state(ServerState::Running.as_str());
                        }
                    }
                }
                Status::Exited { code, signal } => break (code, signal),
            }
            if status.changed().await.is_err() {
                break (None, None);
            }
        };
        lock(&self.inner.live).remove(&id);
        if let Err(error) = self.record_exit(id, &console, stopping.load(Ordering::SeqCst), code, signal).await {
            tracing::error!(error = %error, id, "could not record how a game server ended");
            return;
        }
        if !stopping.load(Ordering::SeqCst) && was_ready {
            self.maybe_restart(id, &console, spawned.elapsed()).await;
        }
    }

    async fn record_exit(
        &self,
        id: i64,
        console: &Console,
        asked: bool,
        code: Option<i32>,
        signal: Option<i32>,
    ) -> AppResult<()> {
        let how = match (code, signal) {
            (Some(code), _) => format!("exited with code {code}"),
            (None, Some(signal)) => format!("was ended by signal {signal}"),
            (None, None) => "ended".to_owned(),
        };
        let (state, message) = if asked {
            (ServerState::Stopped, String::new())
        } else {
            (ServerState::Crashed, format!("The server {how} without being asked to stop; its last lines are below."))
        };
        console.push(&format!("[hearth] the server {how}"));
        let tail = console.tail(LAST_LINES);
        let exit_code = code.map(i64::from).or_else(|| signal.map(|s| -i64::from(s)));
        servers::set_ended(self.pool(), id, state.as_str(), exit_code, &message, &tail, unix_now()).await?;
        console.state(state.as_str());
        Ok(())
    }

    async fn maybe_restart(&self, id: i64, console: &Console, ran_for: Duration) {
        let Ok(Some(row)) = servers::by_id(self.pool(), id).await else { return };
        if DesiredState::from_stored(&row.desired) != DesiredState::Running {
            return;
        }
        let restarts = if ran_for > STABLE_AFTER { 0 } else { row.restarts };
        if restarts >= i64::from(self.inner.config.max_restarts) {
            console.push(&format!("[hearth] crashed {restarts} times in a row: not restarting; start it by hand"));
            return;
        }
        if servers::set_restarts(self.pool(), id, restarts + 1).await.is_err() {
            return;
        }
        console.push(&format!(
            "[hearth] restarting after a crash ({} of {})",
            restarts + 1,
            self.inner.config.max_restarts
        ));
        tokio::time::sleep(RESTART_DELAY).await;
        if let Err(error) = self.start_now(id, Instant::now()).await {
            tracing::error!(%error, id, "could not restart a crashed game server");
        }
    }

    /// Keeps the server's player list from its console's join and leave lines, until it ends.
    async fn follow_players(self, id: i64, instance: Arc<dyn Instance>, lines: PlayerLines) {
        let mut events = self.console(id).subscribe();
        let mut status = instance.status();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(ConsoleEvent::Line { text, .. }) => self.note_player_line(id, &lines, &text),
                    Ok(ConsoleEvent::State(_)) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = status.wait_for(|s| matches!(s, Status::Exited { .. })) => break,
            }
        }
        lock(&self.inner.players).remove(&id);
    }

    fn note_player_line(&self, id: i64, lines: &PlayerLines, text: &str) {
        let mut players = lock(&self.inner.players);
        let Some(players) = players.get_mut(&id) else { return };
        if let Some(name) = lines.join.captures(text).and_then(|c| c.name("name")) {
            players.names.insert(name.as_str().to_owned());
            players.empty_since = None;
        } else if let Some(name) = lines.leave.captures(text).and_then(|c| c.name("name")) {
            players.names.remove(name.as_str());
            if players.names.is_empty() {
                players.empty_since = Some(Instant::now());
            }
        }
    }

    /// Every half idle-minute, stops running servers that have had no players for their
    /// idle time. Runs for the life of the service.
    pub async fn stop_idle_servers(self) {
        let mut every = tokio::time::interval(self.inner.config.idle_minute / 2);
        loop {
            every.tick().await;
            if let Err(error) = self.stop_idle_once().await {
                tracing::error!(%error, "looking for idle game servers failed");
            }
        }
    }

    /// Stops the servers idle for longer than their idle time; returns how many.
    ///
    /// # Errors
    /// The database failed.
    pub async fn stop_idle_once(&self) -> AppResult<usize> {
        let idle: Vec<(i64, Duration)> = lock(&self.inner.players)
            .iter()
            .filter_map(|(id, players)| players.empty_since.map(|since| (*id, since.elapsed())))
            .collect();
        let mut stopped = 0;
        for (id, idle_for) in idle {
            let Some(row) = servers::by_id(self.pool(), id).await? else { continue };
            let limit = u32::try_from(row.idle_stop_minutes).unwrap_or_default();
            if limit == 0 || idle_for < self.inner.config.idle_minute * limit {
                continue;
            }
            self.console(id).push(&format!("[hearth] no players for {limit} minutes: stopping to save power"));
            servers::set_desired(self.pool(), id, DesiredState::Stopped.as_str()).await?;
            if let Some(instance) = self.begin_stop(id).await? {
                tokio::spawn(async move { instance.stop().await });
                stopped += 1;
            }
        }
        Ok(stopped)
    }

    /// At start-up: ends processes left from before (their console is lost with the old
    /// manager), then starts every server that should run. Each server in its own task.
    pub async fn reconcile(&self) {
        let rows = match servers::list(self.pool(), None).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::error!(%error, "could not read the game servers to bring back");
                return;
            }
        };
        for row in rows {
            let manager = self.clone();
            tokio::spawn(async move {
                if let Err(error) = manager.reconcile_one(row).await {
                    tracing::error!(%error, "could not bring a game server back");
                }
            });
        }
    }

    async fn reconcile_one(&self, row: ServerRow) -> AppResult<()> {
        if let (Some(pid), Some(started)) = (row.pid, row.pid_started) {
            let pid = u32::try_from(pid).unwrap_or_default();
            let started = u64::try_from(started).unwrap_or_default();
            if pid != 0 && process::start_ticks(pid) == Some(started) {
                let grace = self.inner.catalog.by_name(&row.game).map_or(Duration::from_secs(10), |t| t.stop.grace);
                self.console(row.id).push("[hearth] ending the process left from before the manager restarted");
                end_orphan(pid, started, grace).await;
            }
        }
        if DesiredState::from_stored(&row.desired) == DesiredState::Running {
            self.start_now(row.id, Instant::now()).await
        } else {
            if ServerState::from_stored(&row.state).is_active() {
                servers::set_ended(
                    self.pool(),
                    row.id,
                    ServerState::Stopped.as_str(),
                    None,
                    "",
                    &row.last_lines,
                    unix_now(),
                )
                .await?;
            }
            Ok(())
        }
    }
}

/// SIGTERM to a process that is not our child (its console pipes died with the old
/// manager), then SIGKILL after `grace`.
async fn end_orphan(pid: u32, started: u64, grace: Duration) {
    let alive = || process::start_ticks(pid) == Some(started);
    process::send_signal(pid, rustix::process::Signal::TERM);
    let deadline = Instant::now() + grace;
    while alive() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if alive() {
        process::send_signal(pid, rustix::process::Signal::KILL);
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
