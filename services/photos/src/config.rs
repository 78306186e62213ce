//! The photos service's own settings (`HEARTH_PHOTOS_*`, in docs/configuration.md).

use std::path::PathBuf;

use hearth_shared::Config;
use hearth_shared::config::{ConfigError, whole_number};

#[derive(Debug, Clone)]
pub struct PhotosConfig {
    /// Where blobs and thumbnails are kept: `<data dir>/photos`.
    pub storage_dir: PathBuf,
    /// Largest single upload, in bytes.
    pub max_upload_bytes: u64,
    /// Previews made at once (decoding is CPU- and memory-heavy).
    pub preview_workers: usize,
    /// Days an item stays in the trash before it is deleted for good.
    pub trash_days: i64,
}

impl PhotosConfig {
    /// # Errors
    /// A `HEARTH_PHOTOS_*` variable that is set but not a number.
    pub fn from_env(config: &Config) -> Result<Self, ConfigError> {
        Self::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// # Errors
    /// A variable that is set but not a number.
    pub fn from_lookup(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |name: &'static str, default: u64| whole_number(&lookup, name, default);
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get) as u64;
        Ok(Self {
            storage_dir: config.data_dir.join("photos"),
            max_upload_bytes: number("HEARTH_PHOTOS_MAX_UPLOAD_BYTES", 4 * 1024 * 1024 * 1024)?,
            preview_workers: usize::try_from(number("HEARTH_PHOTOS_PREVIEW_WORKERS", cores)?.max(1)).unwrap_or(1),
            trash_days: i64::try_from(number("HEARTH_PHOTOS_TRASH_DAYS", 30)?).unwrap_or(30),
        })
    }
}
