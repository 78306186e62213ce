//! Backups of a server's folder: a `tar.gz` made with the system's `tar` (an argument list,
//! no shell) into `<data dir>/games/backups/<server id>/`, outside the folder the game can
//! write, written under a temporary name and renamed when complete; listed, read back for a
//! download, and restored into the server's folder while it is stopped.

use std::path::{Path, PathBuf};

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::BackupName;

/// One backup, as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Backup {
    pub name: String,
    pub bytes: u64,
}

/// The backups of one server, newest first.
#[must_use]
pub fn list(folder: &Path) -> Vec<Backup> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut backups: Vec<Backup> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = BackupName::parse(&entry.file_name().to_string_lossy()).ok()?;
            Some(Backup { name: name.as_str().to_owned(), bytes: entry.metadata().ok()?.len() })
        })
        .collect();
    backups.sort_by(|a, b| b.name.cmp(&a.name));
    backups
}

/// Seconds since the backup `name` in `folder` was written (0 when unknown).
#[must_use]
pub fn age_secs(folder: &Path, name: &str) -> i64 {
    std::fs::metadata(folder.join(name))
        .and_then(|m| m.modified())
        .ok()
        .and_then(|at| at.elapsed().ok())
        .map_or(0, |age| i64::try_from(age.as_secs()).unwrap_or(i64::MAX))
}

/// Archives `server_dir` as `folder/name`.
///
/// # Errors
/// `tar` is missing or fails; the folder cannot be written.
pub async fn make(server_dir: &Path, folder: &Path, name: &BackupName) -> Result<PathBuf, String> {
    std::fs::create_dir_all(folder).map_err(|e| format!("cannot make the backups folder: {e}"))?;
    let target = folder.join(name.as_str());
    let partial = folder.join(format!(".{}.partial", name.as_str()));
    let output = tokio::process::Command::new("tar")
        .arg("--create")
        .arg("--gzip")
        .arg("--file")
        .arg(&partial)
        .arg("--directory")
        .arg(server_dir)
        .arg(".")
        .output()
        .await
        .map_err(|e| format!("tar could not be run: {e}"))?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("tar failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
    }
    std::fs::rename(&partial, &target).map_err(|e| format!("cannot keep the backup: {e}"))?;
    Ok(target)
}

/// Replaces the contents of `server_dir` with the backup's (the server must be stopped).
///
/// # Errors
/// The backup is missing or `tar` fails (the folder is then left as the archive had it
/// partly, with the previous contents kept beside it).
pub async fn restore(server_dir: &Path, archive: &Path) -> Result<(), String> {
    if !archive.is_file() {
        return Err("There is no such backup.".to_owned());
    }
    let aside = server_dir.with_extension("before-restore");
    let _ = std::fs::remove_dir_all(&aside);
    if server_dir.exists() {
        std::fs::rename(server_dir, &aside).map_err(|e| format!("cannot move the current world aside: {e}"))?;
    }
    std::fs::create_dir_all(server_dir).map_err(|e| format!("cannot make the server's folder: {e}"))?;
    let output = tokio::process::Command::new("tar")
        .arg("--extract")
        .arg("--gzip")
        .arg("--no-same-owner")
        .arg("--file")
        .arg(archive)
        .arg("--directory")
        .arg(server_dir)
        .output()
        .await
        .map_err(|e| format!("tar could not be run: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tar failed: {}; the world before the restore is kept in {}",
            String::from_utf8_lossy(&output.stderr).trim(),
            aside.display()
        ));
    }
    let _ = std::fs::remove_dir_all(&aside);
    Ok(())
}
