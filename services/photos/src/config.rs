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
    /// How uploaded files are read: in a child process, within these limits.
    pub decoder: DecoderConfig,
}

/// The decoder child ([`crate::decoder`]): which program, and the bounds it runs within.
#[derive(Debug, Clone)]
pub struct DecoderConfig {
    /// The program started as `<program> decode …`: this very binary by default.
    pub program: PathBuf,
    /// Memory of all decodes in flight together, in bytes; one decode never gets more.
    pub memory_bytes: u64,
    /// Processor seconds one decode may use; it is stopped after twice as long on the clock.
    pub cpu_seconds: u64,
}

/// The smallest memory budget that still reads a photo's header (the child's own needs and
/// the header's): below it nothing could be read at all.
pub const MIN_DECODE_MEMORY_MB: u64 = crate::decoder::SMALLEST_BUDGET_BYTES.div_ceil(1024 * 1024);

impl PhotosConfig {
    /// # Errors
    /// A `HEARTH_PHOTOS_*` variable that is set but not a number.
    pub fn from_env(config: &Config) -> Result<Self, ConfigError> {
        Self::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// # Errors
    /// A variable that is set but not a number, or a decode memory below
    /// [`MIN_DECODE_MEMORY_MB`].
    pub fn from_lookup(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |name: &'static str, default: u64| whole_number(&lookup, name, default);
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get) as u64;
        let memory_mb = number("HEARTH_PHOTOS_DECODE_MEMORY_MB", 1024)?;
        if memory_mb < MIN_DECODE_MEMORY_MB {
            return Err(ConfigError {
                name: "HEARTH_PHOTOS_DECODE_MEMORY_MB",
                value: memory_mb.to_string(),
                reason: format!("at least {MIN_DECODE_MEMORY_MB} (MB) are needed to read a photo at all"),
            });
        }
        let program = lookup("HEARTH_PHOTOS_DECODER")
            .filter(|value| !value.trim().is_empty())
            .map_or_else(this_program, PathBuf::from);
        Ok(Self {
            storage_dir: config.data_dir.join("photos"),
            max_upload_bytes: number("HEARTH_PHOTOS_MAX_UPLOAD_BYTES", 4 * 1024 * 1024 * 1024)?,
            preview_workers: usize::try_from(number("HEARTH_PHOTOS_PREVIEW_WORKERS", cores)?.max(1)).unwrap_or(1),
            trash_days: i64::try_from(number("HEARTH_PHOTOS_TRASH_DAYS", 30)?).unwrap_or(30),
            decoder: DecoderConfig {
                program,
                memory_bytes: memory_mb.saturating_mul(1024 * 1024),
                cpu_seconds: number("HEARTH_PHOTOS_DECODE_SECONDS", 60)?.max(1),
            },
        })
    }
}

/// The running binary, which answers `decode` itself (`hearth` and `hearth-photos` both do);
/// `/proc/self/exe` names it when the path cannot be found.
fn this_program() -> PathBuf {
    std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &'static str, value: &'static str) -> Result<PhotosConfig, ConfigError> {
        let config = Config::from_lookup(|_| None).expect("defaults");
        PhotosConfig::from_lookup(&config, |asked| (asked == name).then(|| value.to_owned()))
    }

    #[test]
    fn the_decoder_is_this_program_unless_set() {
        let config = with("UNRELATED", "").expect("defaults");
        assert_eq!(config.decoder.program, this_program());
        assert_eq!(config.decoder.memory_bytes, 1024 * 1024 * 1024);
        assert_eq!(config.decoder.cpu_seconds, 60);
        let set = with("HEARTH_PHOTOS_DECODER", "/usr/local/bin/hearth").expect("set");
        assert_eq!(set.decoder.program, PathBuf::from("/usr/local/bin/hearth"));
    }

    #[test]
    fn a_decode_memory_too_small_to_read_anything_is_refused() {
        let error = with("HEARTH_PHOTOS_DECODE_MEMORY_MB", "64").expect_err("too small");
        assert!(error.to_string().contains(&format!("at least {MIN_DECODE_MEMORY_MB}")), "{error}");
        assert_eq!(with("HEARTH_PHOTOS_DECODE_MEMORY_MB", "256").expect("fine").decoder.memory_bytes, 256 << 20);
    }
}
