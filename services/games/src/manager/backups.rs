//! Backups of a server's folder: made while it is stopped or after its save command, listed,
//! downloaded, restored into a stopped server; and the schedule that makes them by itself.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use super::{Manager, Server, lock};
use crate::backups::{self, Backup, RestoreError};
use crate::db::servers;
use crate::domain::BackupName;

/// Time a game is given to write its save before a backup is made.
const SAVE_WAIT: Duration = Duration::from_secs(2);
/// The longest time between scheduled backups (a week).
const MAX_BACKUP_HOURS: u32 = 168;
/// How often due backups are looked for.
const BACKUP_SWEEP_EVERY: Duration = Duration::from_secs(600);
/// What a backup left out is named in the console up to this many entries.
const LEFT_OUT_SHOWN: usize = 5;

impl Manager {
    /// The server's backups, newest first.
    ///
    /// # Errors
    /// Not `user`'s server; the database failed.
    pub async fn backups(&self, user: &Identity, id: i64) -> AppResult<Vec<Backup>> {
        self.get(user, id).await?;
        Ok(backups::list(&self.backups_dir(id)))
    }

    /// Backs the server's folder up: while it is stopped, or after its save command. What a
    /// game may not keep (special files, links out of its folder) is left out and named in
    /// the console.
    ///
    /// # Errors
    /// A running game that cannot be told to save; the folder or the backup failed.
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
            console.event("Saving the world for a backup…");
            instance.send(&save).await.map_err(AppError::Conflict)?;
            tokio::time::sleep(SAVE_WAIT).await;
        }
        let name = BackupName::at(unix_now());
        let user = self.user_of(id).await?;
        let (server_dir, folder, taken) = (self.server_dir(id), self.backups_dir(id), name.clone());
        let made = tokio::task::spawn_blocking(move || backups::make(&server_dir, &folder, &taken, user))
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

    /// Puts a backup back into the stopped server's folder, as the server's own user's files;
    /// the folder changes only once the whole backup is unpacked.
    ///
    /// # Errors
    /// The server is running; no such backup; a damaged archive or one holding what a
    /// server's folder must not ([`AppError::Invalid`], naming the entry); the disk failed.
    /// The world is as it was in every case.
    pub async fn restore(&self, user: &Identity, id: i64, name: &str) -> AppResult<()> {
        let path = self.backup_file(user, id, name).await?;
        let operation = self.operation_lock(id);
        let _one_at_a_time = operation.lock().await;
        if lock(&self.inner.live).contains_key(&id) {
            return Err(AppError::Conflict("Stop the server before restoring a backup.".to_owned()));
        }
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
