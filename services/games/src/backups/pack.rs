//! A server's folder written as a `tar.gz`, read as root without following anything the game
//! put there: the walk enters folders from their own descriptors, files are opened with
//! `O_NOFOLLOW | O_NONBLOCK` and must still be the file that was listed. Only what a game may
//! keep goes in: folders, plain files (modes without setuid, setgid or sticky bits) and links
//! that stay inside the folder. Special files, links out of the folder and files that have
//! another owner's other names (a hard link to a file elsewhere) are left out and named.
//!
//! A copy the game's save command wrote of one of its folders (Minetest's world, copied by
//! its own server thread between two saves of the map) is never packed as itself: a backup
//! of the running server takes each entry the copy holds in place of the live one.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStringExt as _;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use rustix::fs::{FileType, Mode, OFlags};
use tar::{Builder, EntryType, Header};

use crate::backups::link_stays_inside;
use crate::domain::SaveSnapshot;
use crate::runtime::folder::{self, Entry};
use crate::runtime::{GameUser, ServerFolder};

/// A game's copy of one of its folders, and whether this backup packs it.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    pub of: &'a SaveSnapshot,
    /// True when the save command has just written it (the server runs); a copy left from
    /// before is only left out.
    pub fresh: bool,
}

/// The permission bits kept; setuid, setgid and sticky never are.
const PERMISSIONS: u32 = 0o777;

/// Writes `source` into `out` as a gzip-compressed tar; returns what was left out, each
/// with why.
///
/// # Errors
/// The folder cannot be read or `out` written.
pub fn write(
    source: &ServerFolder,
    user: Option<GameUser>,
    snapshot: Option<Snapshot<'_>>,
    out: impl Write,
) -> io::Result<Vec<String>> {
    let mut builder = Builder::new(GzEncoder::new(out, Compression::default()));
    let mut left_out = Vec::new();
    let mut visit = |entry: &Entry<'_>| {
        if let Some(reason) = add(&mut builder, entry, user)? {
            left_out.push(format!("{} ({reason})", entry.path.display()));
        }
        Ok(())
    };
    let fresh = match snapshot.filter(|s| s.fresh) {
        Some(snapshot) => {
            let copy = source.open_folder(&snapshot.of.copy)?;
            let names = names_in(&copy)?;
            Some((copy, snapshot.of.of.as_path(), names))
        }
        None => None,
    };
    let (copy_path, partial) = match snapshot {
        Some(snapshot) => (Some(snapshot.of.copy.as_path()), Some(snapshot.of.partial())),
        None => (None, None),
    };
    let replaced = |path: &Path| {
        copy_path == Some(path)
            || partial.as_deref() == Some(path)
            || fresh.as_ref().is_some_and(|(_, of, names)| {
                path.parent() == Some(*of) && path.file_name().is_some_and(|n| names.iter().any(|name| name == n))
            })
    };
    folder::walk_except(source.fd(), Path::new(""), 0, &replaced, &mut visit)?;
    if let Some((copy, of, _)) = &fresh {
        folder::walk(copy, of, of.components().count(), &mut visit)?;
    }
    builder.into_inner()?.finish()?.flush()?;
    Ok(left_out)
}

/// The names in a folder.
fn names_in(dir: &std::os::fd::OwnedFd) -> io::Result<Vec<OsString>> {
    Ok(rustix::fs::Dir::read_from(dir)?
        .filter_map(Result::ok)
        .map(|entry| OsString::from_vec(entry.file_name().to_bytes().to_vec()))
        .filter(|name| name != "." && name != "..")
        .collect())
}

/// Adds one entry; `Some(reason)` when it is left out.
fn add<W: Write>(builder: &mut Builder<W>, entry: &Entry<'_>, user: Option<GameUser>) -> io::Result<Option<String>> {
    let stat = entry.stat;
    let mut header = Header::new_gnu();
    header.set_mode(stat.st_mode & PERMISSIONS);
    header.set_mtime(u64::try_from(stat.st_mtime).unwrap_or_default());
    header.set_uid(0);
    header.set_gid(0);
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::Directory => {
            header.set_entry_type(EntryType::Directory);
            header.set_size(0);
            builder.append_data(&mut header, entry.path, io::empty())?;
        }
        FileType::RegularFile => {
            let foreign = user.is_some_and(|user| stat.st_uid != user.uid);
            if stat.st_nlink > 1 && foreign {
                return Ok(Some("it has other names and another owner".to_owned()));
            }
            let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(entry.parent, entry.name, flags, Mode::empty())?;
            let opened = rustix::fs::fstat(&fd)?;
            if (opened.st_dev, opened.st_ino) != (stat.st_dev, stat.st_ino) {
                return Ok(Some("it was replaced while the backup was made".to_owned()));
            }
            let size = u64::try_from(stat.st_size).unwrap_or_default();
            header.set_entry_type(EntryType::Regular);
            header.set_size(size);
            // A file that shrinks while it is read is padded, one that grows is cut: the
            // archive always holds the size its header says.
            let file = std::fs::File::from(fd).take(size).chain(io::repeat(0)).take(size);
            builder.append_data(&mut header, entry.path, file)?;
        }
        FileType::Symlink => {
            let target = rustix::fs::readlinkat(entry.parent, entry.name, Vec::new())?;
            let target = std::path::PathBuf::from(std::ffi::OsString::from_vec(target.into_bytes()));
            if !link_stays_inside(entry.path, &target) {
                return Ok(Some(format!("a link to {}, outside the folder", target.display())));
            }
            header.set_entry_type(EntryType::Symlink);
            header.set_size(0);
            builder.append_link(&mut header, entry.path, &target)?;
        }
        _ => return Ok(Some("a special file: a FIFO, socket or device".to_owned())),
    }
    Ok(None)
}
