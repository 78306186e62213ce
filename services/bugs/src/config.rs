//! The bugs service's own settings (`HEARTH_BUGS_*`).

use std::path::PathBuf;

use hearth_shared::Config;
use hearth_shared::config::{ConfigError, whole_number};

#[derive(Debug, Clone)]
pub struct BugsConfig {
    /// Where attachments are kept: `<data dir>/bugs`.
    pub storage_dir: PathBuf,
    /// Largest attachment, in bytes (`HEARTH_BUGS_MAX_ATTACHMENT_BYTES`, 10 MiB by default).
    pub max_attachment_bytes: usize,
    /// First wait before a failed webhook delivery is tried again, doubling each time
    /// (`HEARTH_BUGS_WEBHOOK_BACKOFF_MS`, one second by default).
    pub webhook_backoff_ms: i64,
}

impl BugsConfig {
    /// # Errors
    /// A `HEARTH_BUGS_*` variable that is set but not a number.
    pub fn from_env(config: &Config) -> Result<Self, ConfigError> {
        Self::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// # Errors
    /// A variable that is set but not a number.
    pub fn from_lookup(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |name: &'static str, default: u64| whole_number(&lookup, name, default);
        Ok(Self {
            storage_dir: config.data_dir.join("bugs"),
            max_attachment_bytes: usize::try_from(number("HEARTH_BUGS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)?)
                .unwrap_or(usize::MAX),
            webhook_backoff_ms: i64::try_from(number("HEARTH_BUGS_WEBHOOK_BACKOFF_MS", 1000)?).unwrap_or(1000),
        })
    }
}
