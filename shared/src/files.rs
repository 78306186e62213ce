//! Hearth's files are its own. Game servers run on the same box as users of their own, and
//! the folders down to their worlds must let them pass, so nothing else Hearth keeps may be
//! readable by other users: files are created with a `077` umask, and at start-up each
//! service's database and folder are made private again (they may come from a version that
//! created them `0644` and `0755`).

use std::io;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use rustix::fs::Mode;

use crate::config::Config;

/// Makes every file and folder the process creates from now on private to its user. Call it
/// first thing in `main`, before anything is opened.
pub fn private_by_default() {
    rustix::process::umask(Mode::from_raw_mode(0o077));
}

/// Makes the data folder passable but not readable by others (`0711`: game servers reach
/// their worlds through it), and `service`'s SQLite files (`0600`) and folder (`0700`)
/// private. A service that must let others pass through its folder opens it up again itself.
///
/// # Errors
/// A file that exists cannot have its mode changed.
pub fn protect_service_files(config: &Config, service: &str) -> io::Result<()> {
    let data_dir = &config.data_dir;
    set_mode_if_present(data_dir, 0o711)?;
    for suffix in ["db", "db-wal", "db-shm"] {
        set_mode_if_present(&data_dir.join(format!("{service}.{suffix}")), 0o600)?;
    }
    set_mode_if_present(&data_dir.join(service), 0o700)
}

fn set_mode_if_present(path: &Path, mode: u32) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => Ok(()),
        Ok(metadata) if metadata.permissions().mode() & 0o7777 == mode => Ok(()),
        Ok(_) => std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
    }

    #[test]
    fn a_services_database_and_folder_become_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config::from_lookup(|_| None).expect("defaults");
        config.data_dir = dir.path().to_path_buf();
        for (path, mode) in [("photos.db", 0o644), ("photos.db-wal", 0o644), ("bugs.db", 0o644)] {
            std::fs::write(dir.path().join(path), b"").expect("write");
            std::fs::set_permissions(dir.path().join(path), std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        std::fs::create_dir(dir.path().join("photos")).expect("mkdir");
        std::fs::set_permissions(dir.path().join("photos"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        protect_service_files(&config, "photos").expect("protected");
        assert_eq!(mode(dir.path()), 0o711);
        assert_eq!(mode(&dir.path().join("photos.db")), 0o600);
        assert_eq!(mode(&dir.path().join("photos.db-wal")), 0o600);
        assert_eq!(mode(&dir.path().join("photos")), 0o700);
        assert_eq!(mode(&dir.path().join("bugs.db")), 0o644, "another service's files are its own business");
    }
}
