//! A server's folder written as a `tar.gz`, read as root without following anything the game
//! put there: the walk enters folders from their own descriptors, files are opened with
//! `O_NOFOLLOW | O_NONBLOCK` and must still be the file that was listed. Only what a game may
//! keep goes in: folders, plain files (modes without setuid, setgid or sticky bits) and links
//! that stay inside the folder. Special files, links out of the folder and files that have
//! another owner's other names (a hard link to a file elsewhere) are left out and named.

use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStringExt as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use rustix::fs::{FileType, Mode, OFlags};
use tar::{Builder, EntryType, Header};

use crate::backups::link_stays_inside;
use crate::runtime::folder::{self, Entry};
use crate::runtime::{GameUser, ServerFolder};

/// The permission bits kept; setuid, setgid and sticky never are.
const PERMISSIONS: u32 = 0o777;

/// Writes `source` into `out` as a gzip-compressed tar; returns what was left out, each
/// with why.
///
/// # Errors
/// The folder cannot be read or `out` written.
pub fn write(source: &ServerFolder, user: Option<GameUser>, out: impl Write) -> io::Result<Vec<String>> {
    let mut builder = Builder::new(GzEncoder::new(out, Compression::default()));
    let mut left_out = Vec::new();
    folder::walk(source.fd(), std::path::Path::new(""), 0, &mut |entry| {
        if let Some(reason) = add(&mut builder, entry, user)? {
            left_out.push(format!("{} ({reason})", entry.path.display()));
        }
        Ok(())
    })?;
    builder.into_inner()?.finish()?.flush()?;
    Ok(left_out)
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
