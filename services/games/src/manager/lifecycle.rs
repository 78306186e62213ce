//! A server's lifecycle as the family drives it: start, stop (in the background), restart,
//! delete; and the two steps under them — starting a stored server now, and marking its live
//! process as stopping.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use super::{LAST_LINES, Live, Manager, Server, lock};
use crate::db::servers::{self, ServerRow};
use crate::domain::{DesiredState, ServerState};
use crate::runtime::process;
use crate::runtime::{Console, Instance, ServerFolder, Status};

/// How long a process that did not end after SIGKILL is waited for.
const EXIT_WAIT: Duration = Duration::from_secs(10);

impl Manager {
    /// Asks for the server to run, and starts it. A server that holds no room in its
    /// owner's quota (stopped, or crashed) is checked against the quota and recorded as
    /// wanted running under one lock, so starts at the same moment cannot both take the last
    /// room.
    ///
    /// # Errors
    /// Not `user`'s server; beyond the owner's quota; the database failed.
    pub async fn start(&self, user: &Identity, id: i64) -> AppResult<Server> {
        let requested = Instant::now();
        {
            let _one_at_a_time = self.inner.allocating.lock().await;
            let server = self.get(user, id).await?;
            if server.desired == DesiredState::Stopped || server.state == ServerState::Crashed {
                self.check_quota(user, server.owner_id, id, server.memory_mb).await?;
            }
            servers::claim_start(self.pool(), id, unix_now()).await?;
        }
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
    /// when asked. A kept folder is given back to root and closed, so the next server given
    /// the same user id cannot open it.
    ///
    /// # Errors
    /// Not `user`'s server; the server does not stop; the database or the folder failed.
    pub async fn delete(&self, user: &Identity, id: i64, delete_world: bool) -> AppResult<()> {
        self.get(user, id).await?;
        servers::set_desired(self.pool(), id, DesiredState::Stopped.as_str()).await?;
        self.stop_and_wait(id).await?;
        let failed = |dir: &std::path::Path, e: std::io::Error| {
            AppError::Internal(anyhow::anyhow!("cannot delete or close {}: {e}", dir.display()))
        };
        let dir = self.server_dir(id);
        if !delete_world && dir.exists() {
            ServerFolder::open(&dir).and_then(|folder| folder.close_to_games()).map_err(|e| failed(&dir, e))?;
        }
        servers::delete(self.pool(), id).await?;
        lock(&self.inner.consoles).remove(&id);
        if delete_world {
            for dir in [dir, self.backups_dir(id)] {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir).map_err(|e| failed(&dir, e))?;
                }
            }
        }
        Ok(())
    }

    /// Marks the live process as stopping; `None` when there is none.
    pub(super) async fn begin_stop(&self, id: i64) -> AppResult<Option<Arc<dyn Instance>>> {
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
        console.event("Stopping…");
        console.state(ServerState::Stopping.as_str());
        Ok(Some(instance))
    }

    /// Stops the server and waits until its end is recorded; the stop plan bounds the wait,
    /// and a process that outlives even SIGKILL is given [`EXIT_WAIT`] more (no request waits
    /// on a game for ever).
    pub(super) async fn stop_and_wait(&self, id: i64) -> AppResult<()> {
        if let Some(instance) = self.begin_stop(id).await? {
            let mut status = instance.status();
            instance.stop().await;
            let exited = status.wait_for(|s| matches!(s, Status::Exited { .. }));
            if !matches!(tokio::time::timeout(EXIT_WAIT, exited).await, Ok(Ok(_))) {
                return Err(AppError::Unavailable(format!(
                    "The server's process did not end, even after SIGKILL; try again in a minute, or ask the family \
                     admin to look at process {}.",
                    instance.pid().unwrap_or_default()
                )));
            }
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
    pub(super) async fn start_now(&self, id: i64, requested: Instant) -> AppResult<()> {
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        if lock(&self.inner.live).contains_key(&id) {
            return Ok(());
        }
        servers::set_desired(self.pool(), id, DesiredState::Running.as_str()).await?;
        let Some(row) = servers::by_id(self.pool(), id).await? else { return Ok(()) };
        let console = self.console(id);
        let row = match self.with_every_port(row).await {
            Ok(row) => row,
            Err(AppError::Conflict(reason)) => return self.record_failed_start(id, &console, &reason).await,
            Err(error) => return Err(error),
        };
        let user = match self.game_user(&row).await {
            Ok(user) => user,
            Err(AppError::Conflict(reason)) => return self.record_failed_start(id, &console, &reason).await,
            Err(error) => return Err(error),
        };
        let spec = match self.launch_spec(&row, user, &console) {
            Ok(spec) => spec,
            Err(reason) => return self.record_failed_start(id, &console, &reason).await,
        };
        tracing::info!(id, program = %spec.program.display(), args = spec.args.join(" "), "starting a game server");
        console.event(&format!("Starting {}…", row_title(&self.inner.catalog, &row)));
        match self.inner.runtime.start(spec).await {
            Ok(instance) => self.record_spawned(&row, instance, requested).await,
            Err(error) => self.record_failed_start(id, &console, &error.to_string()).await,
        }
    }

    /// A spawned process: stored with its start time, followed by the supervisor (and for
    /// who plays).
    async fn record_spawned(&self, row: &ServerRow, instance: Arc<dyn Instance>, requested: Instant) -> AppResult<()> {
        let id = row.id;
        let console = self.console(id);
        let pid = instance.pid().unwrap_or_default();
        tracing::info!(id, pid, after_us = requested.elapsed().as_micros(), "a game server was spawned");
        let started = process::start_ticks(pid).unwrap_or_default();
        servers::set_started(self.pool(), id, i64::from(pid), i64::try_from(started).unwrap_or_default(), unix_now())
            .await?;
        console.state(ServerState::Starting.as_str());
        let stopping = Arc::new(AtomicBool::new(false));
        lock(&self.inner.live).insert(id, Live { instance: Arc::clone(&instance), stopping: Arc::clone(&stopping) });
        self.watch_players(row, &instance);
        tokio::spawn(self.clone().supervise(id, instance, stopping));
        Ok(())
    }

    async fn record_failed_start(&self, id: i64, console: &Console, reason: &str) -> AppResult<()> {
        console.event(&format!("Could not start: {reason}"));
        let tail = console.tail(LAST_LINES);
        servers::set_ended(self.pool(), id, ServerState::Crashed.as_str(), None, reason, &tail, unix_now()).await?;
        console.state(ServerState::Crashed.as_str());
        Ok(())
    }
}

/// The game's title for a stored server, or its id when the template is gone.
fn row_title(catalog: &crate::catalog::Catalog, row: &ServerRow) -> String {
    catalog.by_name(&row.game).map_or_else(|| row.game.clone(), |t| t.title.clone())
}
