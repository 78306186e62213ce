//! The supervisor: follows each run from `starting` to `running` to its end, records how it
//! ended (`stopped` when asked, `crashed` otherwise), restarts a crashed server within limits;
//! and at start-up reconciles what should run with what does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hearth_shared::AppResult;
use hearth_shared::db::unix_now;

use super::{LAST_LINES, Manager, lock};
use crate::db::servers::{self, ServerRow};
use crate::domain::{DesiredState, ServerState};
use crate::runtime::process;
use crate::runtime::{Console, Instance, Status};

/// A server that ran this long before crashing starts its restart count afresh.
const STABLE_AFTER: Duration = Duration::from_secs(600);
/// Wait before restarting a crashed server.
const RESTART_DELAY: Duration = Duration::from_secs(2);

impl Manager {
    /// Follows one run: `running` when ready; at the end `stopped` (asked) or `crashed`, and
    /// a restart after a crash of a server that had been ready, within the limit.
    pub(super) fn supervise(
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
                            let took = spawned.elapsed();
                            tracing::info!(
                                id,
                                ready_ms = took.as_millis(),
                                recorded_us = seen.elapsed().as_micros(),
                                "a game server is ready"
                            );
                            console
                                .event(&format!("Ready for players (it took {:.1} s to start).", took.as_secs_f64()));
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
        tracing::info!(id, code, signal, asked, "a game server ended");
        let (state, message) = if asked {
            console.event("Stopped.");
            (ServerState::Stopped, String::new())
        } else {
            console.event(&format!("The server stopped by itself: it {how}."));
            (ServerState::Crashed, format!("The server {how} without being asked to stop; its last lines are below."))
        };
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
            console.event(&format!(
                "It crashed {restarts} times in a row, so Hearth no longer restarts it: read the lines above, then \
                 start it again."
            ));
            return;
        }
        if servers::set_restarts(self.pool(), id, restarts + 1).await.is_err() {
            return;
        }
        console.event(&format!(
            "Restarting after the crash ({} of {} tries)…",
            restarts + 1,
            self.inner.config.max_restarts
        ));
        tokio::time::sleep(RESTART_DELAY).await;
        if let Err(error) = self.start_now(id, Instant::now()).await {
            tracing::error!(%error, id, "could not restart a crashed game server");
        }
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
                tracing::info!(
                    id = row.id,
                    pid,
                    "ending a game server left running by the manager before it restarted"
                );
                self.console(row.id).event("Hearth restarted: stopping the game it had left running.");
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
