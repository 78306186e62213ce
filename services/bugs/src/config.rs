//! The bugs service's own settings (`HEARTH_BUGS_*`).

use std::path::PathBuf;

use hearth_shared::Config;
use hearth_shared::config::ConfigError;

#[derive(Debug, Clone)]
pub struct BugsConfig {
    /// Where attachments are kept: `<data dir>/bugs`.
    pub storage_dir: PathBuf,
    /// Largest attachment, in bytes (`HEARTH_BUGS_MAX_ATTACHMENT_BYTES`, 10 MiB by default).
    pub max_attachment_bytes: usize,
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
        let name = "HEARTH_BUGS_MAX_ATTACHMENT_BYTES";
        let max_attachment_bytes = match lookup(name).filter(|v| !v.trim().is_empty()) {
            None => 10 * 1024 * 1024,
            Some(value) => value.trim().parse().map_err(|_| ConfigError {
                name,
                value,
                reason: "expected a whole number of bytes".to_owned(),
            })?,
        };
        Ok(Self { storage_dir: config.data_dir.join("bugs"), max_attachment_bytes })
    }
}
