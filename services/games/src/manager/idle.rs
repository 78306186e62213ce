//! Stopping servers nobody has played on for their idle time, to save power.

use std::time::Duration;

use hearth_shared::AppResult;

use super::{Manager, lock};
use crate::db::servers;
use crate::domain::DesiredState;

impl Manager {
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
            self.console(id).event(&format!("Nobody has played for {limit} minutes: stopping to save power."));
            servers::set_desired(self.pool(), id, DesiredState::Stopped.as_str()).await?;
            if let Some(instance) = self.begin_stop(id).await? {
                tokio::spawn(async move { instance.stop().await });
                stopped += 1;
            }
        }
        Ok(stopped)
    }
}
