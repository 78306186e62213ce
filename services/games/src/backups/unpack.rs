//! A backup read back into a new, empty folder that only root can enter, every entry checked
//! before anything is made: its path must stay inside (relative, no `..`), and it must be a
//! folder, a plain file or a link that stays inside. A device node, a FIFO, a hard link, a
//! link out of the folder or a path that climbs out refuses the whole archive, naming the
//! entry. Modes lose setuid, setgid and sticky bits; everything made is given to the game's
//! user, reached one name at a time without following a link.

use std::ffi::OsStr;
use std::io::{self, Read, Write as _};
use std::os::fd::OwnedFd;
use std::path::{Component, Path};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Timespec, Timestamps};
use tar::{Archive, EntryType};

use super::{RestoreError, link_stays_inside};
use crate::runtime::GameUser;
use crate::runtime::folder::{self, gid, uid};

/// The permission bits kept; setuid, setgid and sticky never are.
const PERMISSIONS: u32 = 0o777;

/// Unpacks the tar stream `archive` into the folder `into`.
///
/// # Errors
/// [`RestoreError::Refused`] naming a damaged or forbidden entry; [`RestoreError::Failed`]
/// when the disk fails.
pub fn unpack(archive: impl Read, into: &OwnedFd, user: Option<GameUser>) -> Result<(), RestoreError> {
    let mut archive = Archive::new(archive);
    for entry in archive.entries().map_err(damaged)? {
        let mut entry = entry.map_err(damaged)?;
        let path = entry.path().map_err(damaged)?.into_owned();
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            continue;
        }
        let names = names_inside(&path)?;
        let mode = entry.header().mode().map_err(damaged)? & PERMISSIONS;
        let Some((last, folders)) = names.split_last() else {
            if kind == EntryType::Directory {
                continue;
            }
            return Err(RestoreError::Refused(format!("an entry of type {kind:?} has no name")));
        };
        match kind {
            EntryType::Directory => {
                let dir = parent(into, &names, user)?;
                rustix::fs::fchmod(&dir, Mode::from_raw_mode(mode)).map_err(io::Error::from)?;
            }
            EntryType::Regular | EntryType::Continuous => {
                let mtime = entry.header().mtime().map_err(damaged)?;
                let dir = parent(into, folders, user)?;
                let file = create_file(&dir, last, &path, user)?;
                copy(&mut entry, file, mode, mtime)?;
            }
            EntryType::Symlink => {
                let target = entry.link_name().map_err(damaged)?.map(std::borrow::Cow::into_owned).unwrap_or_default();
                if target.as_os_str().is_empty() || !link_stays_inside(&path, &target) {
                    return Err(refused(&path, &format!("is a link to {}, outside the folder", target.display())));
                }
                let dir = parent(into, folders, user)?;
                make_room(&dir, last, &path)?;
                rustix::fs::symlinkat(&target, &dir, *last).map_err(io::Error::from)?;
                if let Some(user) = user {
                    rustix::fs::chownat(&dir, *last, Some(uid(user)), Some(gid(user)), AtFlags::SYMLINK_NOFOLLOW)
                        .map_err(io::Error::from)?;
                }
            }
            EntryType::Link => return Err(refused(&path, "is a hard link (Hearth's backups hold none)")),
            EntryType::Char | EntryType::Block => return Err(refused(&path, "is a device node")),
            EntryType::Fifo => return Err(refused(&path, "is a FIFO")),
            other => return Err(refused(&path, &format!("is an entry of a kind Hearth does not restore ({other:?})"))),
        }
    }
    Ok(())
}

/// The names of `path`, which must stay inside the folder: relative, without `..`.
fn names_inside(path: &Path) -> Result<Vec<&OsStr>, RestoreError> {
    path.components()
        .filter(|c| *c != Component::CurDir)
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            Component::ParentDir => Err(refused(path, "climbs out of the folder with \"..\"")),
            _ => Err(refused(path, "is an absolute path")),
        })
        .collect()
}

/// The folder reached by `names` from `into`, each made (for `user`) when missing; a link or a
/// file on the way refuses the archive (an entry must not be written through an earlier one).
fn parent(into: &OwnedFd, names: &[&OsStr], user: Option<GameUser>) -> Result<OwnedFd, RestoreError> {
    let mut current = folder::open_dir(into, OsStr::new("."))?;
    for (depth, name) in names.iter().enumerate() {
        current = folder::make_dir(&current, name, user).map_err(|error| match error.raw_os_error() {
            Some(code)
                if code == rustix::io::Errno::LOOP.raw_os_error()
                    || code == rustix::io::Errno::NOTDIR.raw_os_error() =>
            {
                let through: std::path::PathBuf = names[..=depth].iter().collect();
                refused(&through, "is a link or a file, and a later entry would be written through it")
            }
            _ => RestoreError::Failed(error),
        })?;
    }
    Ok(current)
}

/// Removes what an earlier entry of the same name left (a later entry wins, as with tar),
/// unless it is a folder.
fn make_room(dir: &OwnedFd, name: &OsStr, path: &Path) -> Result<(), RestoreError> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Err(rustix::io::Errno::NOENT) => Ok(()),
        Err(error) => Err(RestoreError::Failed(error.into())),
        Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Directory => {
            Err(refused(path, "would replace a folder of the same name"))
        }
        Ok(_) => Ok(rustix::fs::unlinkat(dir, name, AtFlags::empty()).map_err(io::Error::from)?),
    }
}

fn create_file(
    dir: &OwnedFd,
    name: &OsStr,
    path: &Path,
    user: Option<GameUser>,
) -> Result<std::fs::File, RestoreError> {
    make_room(dir, name, path)?;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, name, flags, Mode::from_raw_mode(0o600)).map_err(io::Error::from)?;
    if let Some(user) = user {
        rustix::fs::fchown(&fd, Some(uid(user)), Some(gid(user))).map_err(io::Error::from)?;
    }
    Ok(std::fs::File::from(fd))
}

/// The entry's bytes into `file`: a read that fails is the archive's fault, a write ours.
fn copy(entry: &mut impl Read, mut file: std::fs::File, mode: u32, mtime: u64) -> Result<(), RestoreError> {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = entry.read(&mut buffer).map_err(damaged)?;
        if read == 0 {
            break;
        }
        file.write_all(&buffer[..read])?;
    }
    rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(io::Error::from)?;
    let at = Timespec { tv_sec: i64::try_from(mtime).unwrap_or_default(), tv_nsec: 0 };
    rustix::fs::futimens(&file, &Timestamps { last_access: at, last_modification: at }).map_err(io::Error::from)?;
    Ok(())
}

fn damaged(error: io::Error) -> RestoreError {
    RestoreError::Refused(format!("the archive is damaged ({error})"))
}

fn refused(path: &Path, why: &str) -> RestoreError {
    RestoreError::Refused(format!("{} {why}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::names_inside;
    use std::path::Path;

    #[test]
    fn only_paths_inside_the_folder_are_taken() {
        assert_eq!(names_inside(Path::new("./world/map.txt")).ok(), Some(vec!["world".as_ref(), "map.txt".as_ref()]));
        assert_eq!(names_inside(Path::new("./")).ok().map(|n| n.len()), Some(0));
        for hostile in ["../outside", "world/../../etc/passwd", "/etc/cron.d/x"] {
            assert!(names_inside(Path::new(hostile)).is_err(), "{hostile}");
        }
    }
}
