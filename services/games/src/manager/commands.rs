//! Commands typed into a server's console: checked, rate limited per server, and written to
//! its live process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hearth_shared::{AppError, AppResult, Identity};

use super::{Manager, lock};

/// The longest console command.
const MAX_COMMAND: usize = 200;

impl Manager {
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
        self.console(id).typed(command);
        instance.send(command).await.map_err(AppError::Conflict)
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
}
