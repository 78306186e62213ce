//! A server's folder as Hearth touches it, which it does as root while the folder belongs to
//! the game's user: opened once, and every file Hearth writes, appends to or hands over
//! inside it is reached from that descriptor one name at a time with `O_NOFOLLOW`, so a link
//! the game put there is refused, never followed. Files are written to a new name and renamed
//! into place (never written through an existing name), and a file with other links is left
//! alone.

use std::ffi::OsStr;
use std::io::{self, Write as _};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, Stat};
use rustix::process::{Gid, Uid};

use crate::domain::RelativePath;

/// The user and group one server's game runs as (when the manager is root).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GameUser {
    pub uid: u32,
    pub gid: u32,
}

/// Folders deeper than this inside a server's folder are refused (each level holds a
/// descriptor while it is walked).
pub const MAX_DEPTH: usize = 128;

/// An open server folder.
#[derive(Debug)]
pub struct ServerFolder {
    fd: OwnedFd,
    path: PathBuf,
}

impl ServerFolder {
    /// Opens the folder itself (which must not be a link).
    ///
    /// # Errors
    /// It does not exist, is not a folder, or is a link.
    pub fn open(path: &Path) -> io::Result<Self> {
        let fd = rustix::fs::open(path, dir_flags(), Mode::empty())
            .map_err(|e| named(e.into(), &format!("cannot open the server's folder {}", path.display())))?;
        Ok(Self { fd, path: path.to_path_buf() })
    }

    /// The folder's path, for messages.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open folder, for walks that start here.
    #[must_use]
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Writes `contents` as `path` (its folders made as needed): into a new file that is then
    /// renamed over the old name, so nothing the name pointed to is written. The file and the
    /// folders made go to `owner`.
    ///
    /// # Errors
    /// A folder on the way is a link or not a folder; the disk failed.
    pub fn write_file(&self, path: &RelativePath, contents: &[u8], owner: Option<GameUser>) -> io::Result<()> {
        let (parent, name) = self.parent_of(path, true, owner)?;
        let temporary = format!(".hearth-{}.tmp", &hearth_shared::tokens::random_token()[..16]);
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&parent, temporary.as_str(), flags, Mode::from_raw_mode(0o644))?;
        let written = (|| {
            if let Some(owner) = owner {
                rustix::fs::fchown(&fd, Some(uid(owner)), Some(gid(owner)))?;
            }
            let mut file = std::fs::File::from(fd);
            file.write_all(contents)?;
            rustix::fs::renameat(&parent, temporary.as_str(), &parent, name)?;
            Ok::<_, io::Error>(())
        })();
        if written.is_err() {
            let _ = rustix::fs::unlinkat(&parent, temporary.as_str(), AtFlags::empty());
        }
        written.map_err(|e| named(e, &format!("cannot write {}", path.as_path().display())))
    }

    /// Opens `path` to append to it: it must be a plain file with no other name (a hard link
    /// could lead anywhere) and, when `owner` is given, belong to the game.
    ///
    /// # Errors
    /// A link anywhere on the way, a special file, a file with other links or another owner.
    pub fn open_append(&self, path: &RelativePath, owner: Option<GameUser>) -> io::Result<std::fs::File> {
        let (parent, name) = self.parent_of(path, false, None)?;
        let flags = OFlags::WRONLY | OFlags::APPEND | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&parent, name, flags, Mode::empty())?;
        let stat = rustix::fs::fstat(&fd)?;
        let wrong_owner = owner.is_some_and(|owner| stat.st_uid != owner.uid);
        if FileType::from_raw_mode(stat.st_mode) != FileType::RegularFile || stat.st_nlink > 1 || wrong_owner {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is not a plain file of the game's own", path.as_path().display()),
            ));
        }
        Ok(std::fs::File::from(fd))
    }

    /// Gives the folder and everything in it to `user`, without following a link (a link
    /// itself changes owner) and leaving alone a file that has other names and another owner;
    /// the folder is closed to everyone else (`0700`).
    ///
    /// # Errors
    /// Folders nested deeper than [`MAX_DEPTH`]; the disk failed.
    pub fn give_to(&self, user: GameUser) -> io::Result<()> {
        rustix::fs::fchown(&self.fd, Some(uid(user)), Some(gid(user)))?;
        rustix::fs::fchmod(&self.fd, Mode::from_raw_mode(0o700))?;
        walk(&self.fd, Path::new(""), 0, &mut |entry| {
            let stat = entry.stat;
            let owned = stat.st_uid == user.uid && stat.st_gid == user.gid;
            let linked_elsewhere = FileType::from_raw_mode(stat.st_mode) != FileType::Directory
                && stat.st_nlink > 1
                && stat.st_uid != user.uid;
            if !owned && !linked_elsewhere {
                rustix::fs::chownat(entry.fd, "", Some(uid(user)), Some(gid(user)), AtFlags::EMPTY_PATH)?;
            }
            Ok(())
        })
    }

    /// The folder `path` inside, reached one name at a time without following a link.
    ///
    /// # Errors
    /// Missing, or a link or a file on the way.
    pub fn open_folder(&self, path: &RelativePath) -> io::Result<OwnedFd> {
        let (parent, name) = self.parent_of(path, false, None)?;
        open_dir(&parent, name)
            .map_err(|e| named(e, &format!("{} cannot be opened in the server's folder", path.as_path().display())))
    }

    /// Removes `path` and everything in it, by descriptors: a link there is removed itself,
    /// never followed. Nothing to do when it is missing.
    ///
    /// # Errors
    /// Folders nested deeper than [`MAX_DEPTH`]; the disk failed.
    pub fn remove_folder(&self, path: &RelativePath) -> io::Result<()> {
        let (parent, name) = match self.parent_of(path, false, None) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
            found => found?,
        };
        remove_tree(&parent, name, 0)
    }

    /// Gives the folder back to root and closes it (`0700`), so no game can open it (the
    /// kept world of a deleted server). Nothing to do when the manager is not root.
    ///
    /// # Errors
    /// The folder cannot be changed.
    pub fn close_to_games(&self) -> io::Result<()> {
        if !rustix::process::getuid().is_root() {
            return Ok(());
        }
        rustix::fs::fchown(&self.fd, Some(Uid::ROOT), Some(Gid::ROOT))?;
        Ok(rustix::fs::fchmod(&self.fd, Mode::from_raw_mode(0o700))?)
    }

    /// The folder that holds `path` and the last name of `path`. With `create`, missing
    /// folders are made (for `owner`, when given).
    fn parent_of<'p>(
        &self,
        path: &'p RelativePath,
        create: bool,
        owner: Option<GameUser>,
    ) -> io::Result<(OwnedFd, &'p OsStr)> {
        let names: Vec<&OsStr> = path
            .as_path()
            .components()
            .filter_map(|c| match c {
                Component::Normal(name) => Some(name),
                _ => None,
            })
            .collect();
        let Some((last, folders)) = names.split_last() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a file needs a name"));
        };
        let mut current = rustix::fs::openat(&self.fd, ".", dir_flags(), Mode::empty())?;
        for folder in folders {
            let next = if create { make_dir(&current, folder, owner) } else { open_dir(&current, folder) };
            current = next.map_err(|e| {
                named(e, &format!("{} cannot be reached in the server's folder", path.as_path().display()))
            })?;
        }
        Ok((current, last))
    }
}

/// One entry met by [`walk`].
pub struct Entry<'a> {
    /// The folder that holds it.
    pub parent: &'a OwnedFd,
    pub name: &'a OsStr,
    /// Its path from where the walk started.
    pub path: &'a Path,
    /// The entry itself, opened with `O_PATH | O_NOFOLLOW` (a link is the link): what it is
    /// cannot change between looking and acting on it.
    pub fd: &'a OwnedFd,
    pub stat: &'a Stat,
}

/// Calls `visit` for every entry under `dir`, a folder before what it holds; folders are
/// entered from their own descriptor, never through a link.
///
/// # Errors
/// What `visit` returns; folders nested deeper than [`MAX_DEPTH`]; the disk failed.
pub fn walk(
    dir: &OwnedFd,
    prefix: &Path,
    depth: usize,
    visit: &mut dyn FnMut(&Entry<'_>) -> io::Result<()>,
) -> io::Result<()> {
    walk_except(dir, prefix, depth, &|_| false, visit)
}

/// Like [`walk`], leaving out every entry whose path `left_out` picks, with what it holds.
///
/// # Errors
/// What `visit` returns; folders nested deeper than [`MAX_DEPTH`]; the disk failed.
pub fn walk_except(
    dir: &OwnedFd,
    prefix: &Path,
    depth: usize,
    left_out: &dyn Fn(&Path) -> bool,
    visit: &mut dyn FnMut(&Entry<'_>) -> io::Result<()>,
) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::other(format!("folders are nested more than {MAX_DEPTH} deep")));
    }
    for entry in Dir::read_from(dir)? {
        let entry = entry?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let path = prefix.join(name);
        if left_out(&path) {
            continue;
        }
        let fd = rustix::fs::openat(dir, name, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())?;
        let stat = rustix::fs::fstat(&fd)?;
        visit(&Entry { parent: dir, name, path: &path, fd: &fd, stat: &stat })?;
        if FileType::from_raw_mode(stat.st_mode) == FileType::Directory {
            let child = rustix::fs::openat(&fd, ".", dir_flags(), Mode::empty())?;
            walk_except(&child, &path, depth + 1, left_out, visit)?;
        }
    }
    Ok(())
}

/// Removes `name` from `dir`: a folder with what it holds, anything else (a link too) itself.
fn remove_tree(dir: &OwnedFd, name: &OsStr, depth: usize) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::other(format!("folders are nested more than {MAX_DEPTH} deep")));
    }
    let folder = match open_dir(dir, name) {
        Ok(folder) => folder,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(_) => return Ok(rustix::fs::unlinkat(dir, name, AtFlags::empty())?),
    };
    let names: Vec<std::ffi::OsString> = Dir::read_from(&folder)?
        .filter_map(Result::ok)
        .map(|entry| OsStr::from_bytes(entry.file_name().to_bytes()).to_owned())
        .filter(|name| name != "." && name != "..")
        .collect();
    for child in names {
        remove_tree(&folder, &child, depth + 1)?;
    }
    Ok(rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR)?)
}

/// `name` in `dir` as a folder, refusing a link.
///
/// # Errors
/// Missing, a link, not a folder.
pub fn open_dir(dir: &impl AsFd, name: &OsStr) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(dir, name, dir_flags(), Mode::empty())?)
}

/// `name` in `dir` as a folder, refusing a link; made (`0755`, for `owner` when given)
/// when missing.
///
/// # Errors
/// A link or a file of that name; the disk failed.
pub fn make_dir(dir: &impl AsFd, name: &OsStr, owner: Option<GameUser>) -> io::Result<OwnedFd> {
    match rustix::fs::openat(dir, name, dir_flags(), Mode::empty()) {
        Err(rustix::io::Errno::NOENT) => {
            rustix::fs::mkdirat(dir, name, Mode::from_raw_mode(0o755))?;
            let fd = rustix::fs::openat(dir, name, dir_flags(), Mode::empty())?;
            if let Some(owner) = owner {
                rustix::fs::fchown(&fd, Some(uid(owner)), Some(gid(owner)))?;
            }
            Ok(fd)
        }
        opened => Ok(opened?),
    }
}

/// Flags that open a folder and never a link to one.
#[must_use]
pub fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

/// `user`'s id as rustix takes it.
#[must_use]
pub fn uid(user: GameUser) -> Uid {
    Uid::from_raw(user.uid)
}

/// `user`'s group as rustix takes it.
#[must_use]
pub fn gid(user: GameUser) -> Gid {
    Gid::from_raw(user.gid)
}

/// `error` with what was being done, and a plain word for a link met on the way.
fn named(error: io::Error, doing: &str) -> io::Error {
    let reason = if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
        || error.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error())
    {
        "a link or a file stands where a folder should be; Hearth does not follow links there".to_owned()
    } else {
        error.to_string()
    };
    io::Error::new(error.kind(), format!("{doing}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relative(path: &str) -> RelativePath {
        RelativePath::parse(path).expect("path")
    }

    #[test]
    fn files_are_written_beside_links_never_through_them() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let target = outside.path().join("target.txt");
        std::fs::write(&target, "untouched").expect("write");
        let folder = ServerFolder::open(root.path()).expect("open");
        folder.write_file(&relative("world/game.conf"), b"one", None).expect("write");
        assert_eq!(std::fs::read_to_string(root.path().join("world/game.conf")).expect("read"), "one");

        std::os::unix::fs::symlink(&target, root.path().join("world/linked.conf")).expect("symlink");
        folder.write_file(&relative("world/linked.conf"), b"two", None).expect("the link is replaced");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "untouched");
        assert!(!root.path().join("world/linked.conf").is_symlink());

        std::os::unix::fs::symlink(outside.path(), root.path().join("escape")).expect("symlink");
        let error = folder.write_file(&relative("escape/x.conf"), b"three", None).expect_err("through a link");
        assert!(error.to_string().contains("does not follow links"), "{error}");
        assert!(!outside.path().join("x.conf").exists());
    }

    #[test]
    fn a_folder_is_removed_without_following_its_links() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::write(outside.path().join("keep.txt"), "kept").expect("write");
        let folder = ServerFolder::open(root.path()).expect("open");
        folder.write_file(&relative("world/copy/deep/map.sqlite"), b"map", None).expect("write");
        std::os::unix::fs::symlink(outside.path(), root.path().join("world/copy/out")).expect("symlink");
        folder.remove_folder(&relative("world/copy")).expect("removed");
        assert!(!root.path().join("world/copy").exists());
        assert!(root.path().join("world").is_dir());
        assert_eq!(std::fs::read_to_string(outside.path().join("keep.txt")).expect("read"), "kept");
        folder.remove_folder(&relative("world/copy")).expect("nothing to do");
        std::os::unix::fs::symlink(outside.path(), root.path().join("world/copy")).expect("symlink");
        folder.remove_folder(&relative("world/copy")).expect("the link itself goes");
        assert!(outside.path().join("keep.txt").exists());
    }

    #[test]
    fn appending_refuses_links_hard_links_and_special_files() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let target = outside.path().join("target.txt");
        std::fs::write(&target, "untouched").expect("write");
        let folder = ServerFolder::open(root.path()).expect("open");
        folder.write_file(&relative("console.txt"), b"", None).expect("write");
        writeln!(folder.open_append(&relative("console.txt"), None).expect("plain file"), "say hi").expect("append");
        assert_eq!(std::fs::read_to_string(root.path().join("console.txt")).expect("read"), "say hi\n");

        std::fs::remove_file(root.path().join("console.txt")).expect("remove");
        std::os::unix::fs::symlink(&target, root.path().join("console.txt")).expect("symlink");
        assert!(folder.open_append(&relative("console.txt"), None).is_err(), "a symlink");
        std::fs::remove_file(root.path().join("console.txt")).expect("remove");
        std::fs::hard_link(&target, root.path().join("console.txt")).expect("hard link");
        assert!(folder.open_append(&relative("console.txt"), None).is_err(), "a hard link");
        std::fs::remove_file(root.path().join("console.txt")).expect("remove");
        rustix::fs::mkfifoat(folder.fd(), "console.txt", Mode::from_raw_mode(0o644)).expect("fifo");
        assert!(folder.open_append(&relative("console.txt"), None).is_err(), "a FIFO, without blocking");
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "untouched");
    }
}
