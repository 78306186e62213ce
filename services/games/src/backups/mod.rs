//! Backups of a server's folder: a `tar.gz` written and read in Rust, never with the system's
//! tar as root (ADR 0035). Kept in `<data dir>/games/backups/<server id>/`, root's alone and
//! outside what any game can reach, written under a temporary name and renamed when complete;
//! listed, read back for a download, and restored into a new folder beside the server's that
//! is swapped in by rename only once it is complete, so a failed restore leaves the world as
//! it was. [`pack`] writes what a game may keep (plain files, folders, links that stay
//! inside); [`unpack`] refuses an archive holding anything else.

pub mod pack;
pub mod unpack;

use std::io::{self, Write as _};
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{Mode, RenameFlags};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::BackupName;
use crate::runtime::{GameUser, ServerFolder, folder};

/// One backup, as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Backup {
    pub name: String,
    pub bytes: u64,
    /// When it was made (Unix seconds).
    pub made_at: i64,
}

/// A backup made, and what it left out (paths with the reason), for the console.
#[derive(Debug)]
pub struct Made {
    pub path: PathBuf,
    pub left_out: Vec<String>,
}

/// Why a restore did not happen; the server's folder is as it was either way.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The archive: damaged, or holding what a server's folder must not (the message says
    /// which entry and why).
    #[error("{0}")]
    Refused(String),
    /// Ours: the disk.
    #[error("the restore failed: {0}")]
    Failed(#[from] io::Error),
}

/// The backups of one server, newest first.
#[must_use]
pub fn list(folder: &Path) -> Vec<Backup> {
    let Ok(entries) = std::fs::read_dir(folder) else { return Vec::new() };
    let mut backups: Vec<Backup> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = BackupName::parse(&entry.file_name().to_string_lossy()).ok()?;
            Some(Backup {
                made_at: name.unix_time(),
                name: name.as_str().to_owned(),
                bytes: entry.metadata().ok()?.len(),
            })
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

/// Archives `server_dir` as `folder/name` (blocking: run it off the async threads), with the
/// game's `snapshot` of one of its folders in place of that folder when it is fresh. The
/// backups folder and its parent are made for root alone (`0700`).
///
/// # Errors
/// The server's folder cannot be read or the backup written.
pub fn make(
    server_dir: &Path,
    folder: &Path,
    name: &BackupName,
    user: Option<GameUser>,
    snapshot: Option<pack::Snapshot<'_>>,
) -> io::Result<Made> {
    for dir in [folder.parent(), Some(folder)].into_iter().flatten() {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    }
    let source = ServerFolder::open(server_dir)?;
    let target = folder.join(name.as_str());
    let partial = folder.join(format!(".{}.partial", name.as_str()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&partial)?;
        let left_out = pack::write(&source, user, snapshot, &mut file)?;
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&partial, &target)?;
        Ok::<_, io::Error>(left_out)
    })();
    match written {
        Ok(left_out) => Ok(Made { path: target, left_out }),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

/// Replaces the contents of `server_dir` with the backup's (the server must be stopped;
/// blocking). The archive is unpacked into `.<id>.restoring` beside it, made for root alone
/// so no game can touch it meanwhile, every entry given to `user`; only when all of it is
/// written is it swapped with the old folder (one `renameat2(RENAME_EXCHANGE)`), and the old
/// folder removed.
///
/// # Errors
/// [`RestoreError::Refused`] for a damaged or hostile archive, [`RestoreError::Failed`] for
/// the disk; the server's folder is untouched in both cases.
pub fn restore(server_dir: &Path, archive: &Path, user: Option<GameUser>) -> Result<(), RestoreError> {
    let (Some(servers_dir), Some(name)) = (server_dir.parent(), server_dir.file_name()) else {
        return Err(RestoreError::Failed(io::Error::other("a server's folder has a parent and a name")));
    };
    let archive = std::fs::File::open(archive)?;
    let servers = folder::open_dir(&rustix::fs::CWD, servers_dir.as_os_str())?;
    let staging_name = format!(".{}.restoring", name.to_string_lossy());
    let staging_path = servers_dir.join(&staging_name);
    remove_if_there(&staging_path)?;
    rustix::fs::mkdirat(&servers, staging_name.as_str(), Mode::from_raw_mode(0o700)).map_err(io::Error::from)?;
    let staging = folder::open_dir(&servers, staging_name.as_ref())?;
    let unpacked = unpack::unpack(flate2::read::GzDecoder::new(io::BufReader::new(archive)), &staging, user)
        .and_then(|()| Ok(hand_over(&staging, user)?));
    if let Err(error) = unpacked {
        let _ = std::fs::remove_dir_all(&staging_path);
        return Err(error);
    }
    swap_in(&servers, &staging_name, name, server_dir)?;
    remove_if_there(&staging_path)?;
    Ok(())
}

/// The unpacked folder given to the game (when the manager is root), closed to others.
fn hand_over(staging: &OwnedFd, user: Option<GameUser>) -> io::Result<()> {
    if let Some(user) = user {
        rustix::fs::fchown(staging, Some(folder::uid(user)), Some(folder::gid(user)))?;
    }
    rustix::fs::fchmod(staging, Mode::from_raw_mode(0o700))?;
    Ok(rustix::fs::fsync(staging)?)
}

/// Puts the staging folder where the server's folder is, and the old one where the staging
/// folder was: atomically when the file system can exchange names, else by two renames.
fn swap_in(servers: &OwnedFd, staging: &str, name: &std::ffi::OsStr, server_dir: &Path) -> io::Result<()> {
    let exists = rustix::fs::statat(servers, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok();
    if !exists {
        return Ok(rustix::fs::renameat(servers, staging, servers, name)?);
    }
    match rustix::fs::renameat_with(servers, staging, servers, name, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            let aside = format!("{staging}.old");
            remove_if_there(&server_dir.with_file_name(&aside))?;
            rustix::fs::renameat(servers, name, servers, aside.as_str())?;
            if let Err(error) = rustix::fs::renameat(servers, staging, servers, name) {
                let _ = rustix::fs::renameat(servers, aside.as_str(), servers, name);
                return Err(error.into());
            }
            Ok(rustix::fs::renameat(servers, aside.as_str(), servers, staging)?)
        }
        Err(error) => Err(error.into()),
    }
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Whether a link at `link` (a path inside the folder) to `target` stays inside the folder,
/// read without looking at the disk: a relative target whose `..` never climb above the
/// folder. Every link Hearth writes or restores passes this, so no chain of them leaves.
#[must_use]
pub fn link_stays_inside(link: &Path, target: &Path) -> bool {
    let mut depth =
        link.parent().map_or(0, |parent| parent.components().filter(|c| matches!(c, Component::Normal(_))).count());
    for component in target.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::link_stays_inside;
    use std::path::Path;

    #[test]
    fn links_that_climb_out_are_told_apart() {
        let inside = [("a", "b"), ("world/link", "../level.dat"), ("w/x/l", "../../y"), ("l", "./a/../b")];
        for (link, target) in inside {
            assert!(link_stays_inside(Path::new(link), Path::new(target)), "{link} -> {target}");
        }
        let outside = [("a", "../b"), ("world/link", "../../etc/shadow"), ("l", "/etc/shadow"), ("l", "a/../../b")];
        for (link, target) in outside {
            assert!(!link_stays_inside(Path::new(link), Path::new(target)), "{link} -> {target}");
        }
    }
}
