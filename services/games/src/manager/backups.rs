//! Backups of a server's folder: made while it is stopped, or while it runs once its save
//! command has saved (from the copy of its world the save wrote, for a game that writes one:
//! Minetest, ADR 0062); listed and downloaded; restored (a running server is stopped first,
//! its world as it was kept as one more backup, and started again); and the schedule that
//! makes them by itself.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};
use regex::Regex;
use tokio::sync::broadcast::error::RecvError;

use super::{Manager, Server, lock};
use crate::backups::{self, Backup, RestoreError, pack};
use crate::db::servers;
use crate::domain::BackupName;
use crate::runtime::console::Source;
use crate::runtime::{Console, ConsoleEvent, Instance, ServerFolder};

/// Time a game is given to write its save before a backup is made, when it does not say.
const SAVE_WAIT: Duration = Duration::from_secs(2);
/// The longest a game may take to say its save is done (a large world is copied whole).
const SAVE_DONE_WAIT: Duration = Duration::from_secs(120);
/// The longest time between scheduled backups (a week).
const MAX_BACKUP_HOURS: u32 = 168;
/// How often due backups are looked for.
const BACKUP_SWEEP_EVERY: Duration = Duration::from_secs(600);
/// What a backup left out is named in the console up to this many entries.
const LEFT_OUT_SHOWN: usize = 5;

/// A restore done, and the backup of the world as it was before (when there was one).
#[derive(Debug)]
pub struct Restored {
    pub kept: Option<Backup>,
    /// True when the server was running and was started again.
    pub restarted: bool,
}

impl Manager {
    /// The server's backups, newest first.
    ///
    /// # Errors
    /// Not `user`'s server; the database failed.
    pub async fn backups(&self, user: &Identity, id: i64) -> AppResult<Vec<Backup>> {
        self.get(user, id).await?;
        Ok(backups::list(&self.backups_dir(id)))
    }

    /// Backs the server's folder up: while it is stopped, or once its save command has saved.
    /// What a game may not keep (special files, links out of its folder) is left out and
    /// named in the console.
    ///
    /// # Errors
    /// A running game that cannot be told to save, or whose save failed or took too long
    /// ([`AppError::Conflict`], saying what to do); the folder or the backup failed.
    pub async fn back_up(&self, user: &Identity, id: i64) -> AppResult<Backup> {
        let server = self.get(user, id).await?;
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        self.back_up_now(&server).await
    }

    /// The backup itself; the caller holds the server's operation lock.
    async fn back_up_now(&self, server: &Server) -> AppResult<Backup> {
        let id = server.id;
        let template = self.inner.catalog.by_name(&server.game);
        let instance = lock(&self.inner.live).get(&id).map(|live| Arc::clone(&live.instance));
        let console = self.console(id);
        let saved_now = if let Some(instance) = instance {
            let Some(save) = template.and_then(|t| t.save_command.clone()) else {
                return Err(AppError::Conflict(format!(
                    "{} cannot be told to save while it runs: stop the server, then back it up.",
                    server.game_title
                )));
            };
            console.event("Saving the world for a backup…");
            save_for_backup(&console, &*instance, &save, template.and_then(|t| t.save_done.clone())).await?;
            true
        } else {
            false
        };
        let name = self.free_backup_name(id);
        let user = self.user_of(id).await?;
        let snapshot = template.and_then(|t| t.save_snapshot.clone());
        let (server_dir, folder, taken) = (self.server_dir(id), self.backups_dir(id), name.clone());
        if saved_now && let Some(copy) = snapshot.as_ref().map(|s| s.copy.clone()) {
            let there = ServerFolder::open(&self.server_dir(id)).and_then(|folder| folder.open_folder(&copy));
            if let Err(error) = there {
                tracing::warn!(%error, id, "a game said it wrote a copy of its world that cannot be opened");
                return Err(AppError::Conflict(format!(
                    "{} said it had saved, but its copy of the world cannot be read ({error}); nothing was changed. \
                     Stop the server and back it up.",
                    server.game_title
                )));
            }
        }
        let made = tokio::task::spawn_blocking(move || {
            let fresh = snapshot.as_ref().map(|of| pack::Snapshot { of, fresh: saved_now });
            let made = backups::make(&server_dir, &folder, &taken, user, fresh);
            if let Some(copy) = snapshot.filter(|_| saved_now).map(|s| s.copy) {
                let removed = ServerFolder::open(&server_dir).and_then(|f| f.remove_folder(&copy));
                if let Err(error) = removed {
                    tracing::warn!(%error, id, "the game's copy of its world was not removed after a backup");
                }
            }
            made
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the backup stopped: {e}")))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the backup of server {id} failed: {e}")))?;
        if !made.left_out.is_empty() {
            let more = made.left_out.len().saturating_sub(LEFT_OUT_SHOWN);
            let shown = made.left_out.iter().take(LEFT_OUT_SHOWN).cloned().collect::<Vec<_>>().join("; ");
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            console.event(&format!("Left out of the backup: {shown}{more}."));
        }
        tracing::info!(id, backup = name.as_str(), "a game server was backed up");
        console.event("Backed up.");
        let bytes = std::fs::metadata(&made.path).map(|m| m.len()).unwrap_or_default();
        Ok(Backup { made_at: name.unix_time(), name: name.as_str().to_owned(), bytes })
    }

    /// A name for a backup made now that no backup of the server has (a second one within
    /// the same second is named a second later).
    fn free_backup_name(&self, id: i64) -> BackupName {
        let folder = self.backups_dir(id);
        let now = unix_now();
        (now..now + 60)
            .map(BackupName::at)
            .find(|name| !folder.join(name.as_str()).exists())
            .unwrap_or_else(|| BackupName::at(now + 60))
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

    /// One backup of the server, as listed.
    ///
    /// # Errors
    /// Not `user`'s server, or no such backup.
    pub async fn backup(&self, user: &Identity, id: i64, name: &str) -> AppResult<Backup> {
        self.backup_file(user, id, name).await?;
        backups::list(&self.backups_dir(id))
            .into_iter()
            .find(|backup| backup.name == name)
            .ok_or_else(|| AppError::NotFound(format!("There is no backup {name}.")))
    }

    /// Puts a backup back into the server's folder, as the server's own user's files. A
    /// running server is stopped first (it saves) and started again after; the world as it
    /// was is kept as one more backup first. The folder changes only once the whole backup is
    /// unpacked.
    ///
    /// # Errors
    /// No such backup; the server does not stop; a damaged archive or one holding what a
    /// server's folder must not ([`AppError::Invalid`], naming the entry); the disk failed.
    /// The world is as it was in every case.
    pub async fn restore(&self, user: &Identity, id: i64, name: &str) -> AppResult<Restored> {
        let path = self.backup_file(user, id, name).await?;
        let was_running = lock(&self.inner.live).contains_key(&id);
        if was_running {
            self.stop_and_wait(id).await?;
        }
        let restored = self.restore_stopped(user, id, name, path).await;
        // Started again whether or not the restore was done: a refused backup leaves the
        // world as it was, and the server as the family had it.
        if was_running {
            self.start_now(id, Instant::now()).await?;
        }
        Ok(Restored { kept: restored?, restarted: was_running })
    }

    /// The world as it is kept as a backup, then the backup at `path` unpacked; the kept one.
    async fn restore_stopped(&self, user: &Identity, id: i64, name: &str, path: PathBuf) -> AppResult<Option<Backup>> {
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        if lock(&self.inner.live).contains_key(&id) {
            return Err(AppError::Conflict(
                "The server was started again while the backup was being restored; try again.".to_owned(),
            ));
        }
        let server = self.get(user, id).await?;
        let kept = if self.server_dir(id).is_dir() { Some(self.back_up_now(&server).await?) } else { None };
        self.unpack_backup(id, name, path).await?;
        Ok(kept)
    }

    /// Unpacks the backup at `path` into the stopped server's folder.
    async fn unpack_backup(&self, id: i64, name: &str, path: PathBuf) -> AppResult<()> {
        let owner = self.user_of(id).await?;
        let server_dir = self.server_dir(id);
        let restored = tokio::task::spawn_blocking(move || backups::restore(&server_dir, &path, owner))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("the restore stopped: {e}")))?;
        match restored {
            Ok(()) => {
                tracing::info!(id, backup = name, "a game server's backup was restored");
                self.console(id).event("Restored the backup.");
                Ok(())
            }
            Err(RestoreError::Refused(reason)) => Err(AppError::Invalid(format!(
                "The backup {name} cannot be restored: {reason}. The world is as it was."
            ))),
            Err(RestoreError::Failed(error)) => {
                Err(AppError::Internal(anyhow::anyhow!("restoring {name} into server {id} failed: {error}")))
            }
        }
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

    /// Whether the server's game can be backed up while it runs.
    #[must_use]
    pub fn backs_up_while_running(&self, server: &Server) -> bool {
        self.inner.catalog.by_name(&server.game).is_some_and(|t| t.save_command.is_some())
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
}

/// Sends the game's save command and waits until it says the save is done (or
/// [`SAVE_WAIT`], when its template gives no line to wait for).
async fn save_for_backup(
    console: &Console,
    instance: &dyn Instance,
    save: &str,
    done: Option<Arc<Regex>>,
) -> AppResult<()> {
    let mut lines = console.subscribe();
    instance.send(save).await.map_err(AppError::Conflict)?;
    let Some(done) = done else {
        tokio::time::sleep(SAVE_WAIT).await;
        return Ok(());
    };
    let said = tokio::time::timeout(SAVE_DONE_WAIT, async {
        loop {
            match lines.recv().await {
                Ok(ConsoleEvent::Line(line)) if line.source == Source::Game => {
                    if let Some(found) = done.captures(&line.text) {
                        return Some(found.name("error").map(|error| error.as_str().to_owned()));
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return None,
            }
        }
    })
    .await;
    match said {
        Ok(Some(None)) => Ok(()),
        Ok(Some(Some(error))) => Err(AppError::Conflict(format!(
            "The game could not save for the backup ({error}); nothing was changed. Try again, or stop the \
             server and back it up."
        ))),
        Ok(None) | Err(_) => Err(AppError::Conflict(format!(
            "The game did not finish saving within {} s; nothing was changed. Try again, or stop the server and \
             back it up.",
            SAVE_DONE_WAIT.as_secs()
        ))),
    }
}
