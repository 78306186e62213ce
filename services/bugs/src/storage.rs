//! Attachment bytes are named by their SHA-256 and kept in the database with their row
//! ([`crate::db::attachments`], ADR 0070), so every replica serves every attachment and the
//! tracker keeps no folder. Older versions kept them as files, `<data dir>/bugs/blobs/ab/<sha256>`;
//! [`move_old_files_in`] moves those into the database at start-up.

use std::io;
use std::path::{Path, PathBuf};

use hearth_shared::Database;
use sha2::{Digest as _, Sha256};

use crate::db::attachments;

/// The SHA-256 of some bytes, as 64 lowercase hex digits (hashed off the async threads: a
/// screenshot is up to 10 MiB).
///
/// # Errors
/// The hashing task panicked.
pub async fn sha256_hex(bytes: bytes::Bytes) -> anyhow::Result<String> {
    Ok(tokio::task::spawn_blocking(move || hex::encode(Sha256::digest(&bytes))).await?)
}

/// A file's name as an older version wrote it: 64 lowercase hex digits.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What [`move_old_files_in`] did with the files it found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MovedFiles {
    /// Now in the database, and deleted.
    pub moved: usize,
    /// Copied into the database but not yet deleted (the copy could not be made durable
    /// yet): they go at the next start.
    pub copied: usize,
    /// Named by no attachment; left where they are for the operator to look at.
    pub unused: usize,
    /// Unreadable, or with bytes that do not match their name; left where they are.
    pub damaged: usize,
}

/// What became of one file.
enum Outcome {
    Copied,
    Unused,
    Damaged,
}

/// Moves the attachment files an older version kept under `root` (`<data dir>/bugs`) into the
/// database: each file whose bytes match its name and that an attachment names is copied in,
/// and deleted once the copy is durable; the folders go when they are empty. A file that
/// does not match its name, or that no attachment names, is logged and left in place (a
/// database restored from a backup may name it again; the next start looks again).
///
/// # Errors
/// The database fails, or the folder cannot be listed.
pub async fn move_old_files_in(db: &Database, root: &Path) -> anyhow::Result<MovedFiles> {
    let blobs = root.join("blobs");
    let mut found = MovedFiles::default();
    if !tokio::fs::try_exists(root).await? {
        return Ok(found);
    }
    let mut copied = Vec::new();
    for folder in entries(&blobs).await? {
        if !tokio::fs::metadata(&folder).await.is_ok_and(|m| m.is_dir()) {
            tracing::warn!(file = %folder.display(), "not an attachment file (it is not in a folder ab/); left where it is");
            found.damaged += 1;
            continue;
        }
        for file in entries(&folder).await? {
            match copy_in(db, &folder, &file).await? {
                Outcome::Copied => copied.push(file),
                Outcome::Unused => found.unused += 1,
                Outcome::Damaged => found.damaged += 1,
            }
        }
    }
    if !copied.is_empty() && !attachments::make_durable(db).await? {
        tracing::warn!(files = copied.len(), "attachments copied into the database are deleted at the next start");
        found.copied = copied.len();
        copied.clear();
    }
    for file in &copied {
        match tokio::fs::remove_file(file).await {
            Ok(()) => found.moved += 1,
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "cannot delete an attachment file now in the database")
            }
        }
    }
    remove_leftovers(root).await?;
    report(root, found);
    Ok(found)
}

/// The entries of a folder (none if it does not exist).
async fn entries(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut listing = match tokio::fs::read_dir(folder).await {
        Ok(listing) => listing,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => anyhow::bail!("cannot list {}: {e}", folder.display()),
    };
    let mut paths = Vec::new();
    while let Some(entry) =
        listing.next_entry().await.map_err(|e| anyhow::anyhow!("listing {}: {e}", folder.display()))?
    {
        paths.push(entry.path());
    }
    paths.sort();
    Ok(paths)
}

/// Checks one file against its name (`blobs/ab/ab…`) and copies it into the database.
async fn copy_in(db: &Database, folder: &Path, file: &Path) -> anyhow::Result<Outcome> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let prefix = folder.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if !is_sha256(name) || !name.starts_with(prefix) || prefix.len() != 2 {
        tracing::warn!(file = %file.display(), "not an attachment file (its name is not its SHA-256); left where it is");
        return Ok(Outcome::Damaged);
    }
    let bytes = match tokio::fs::read(file).await {
        Ok(bytes) => bytes::Bytes::from(bytes),
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "cannot read an attachment file; left where it is");
            return Ok(Outcome::Damaged);
        }
    };
    if sha256_hex(bytes.clone()).await? != name {
        tracing::warn!(file = %file.display(), "an attachment file's bytes do not match its name; left where it is");
        return Ok(Outcome::Damaged);
    }
    if attachments::import_bytes(db.pool(), name, &bytes).await? {
        Ok(Outcome::Copied)
    } else {
        tracing::warn!(file = %file.display(), "no attachment uses this file; left where it is");
        Ok(Outcome::Unused)
    }
}

/// Deletes what interrupted writes left in `tmp/` (half files, of no use), then the folders
/// that are empty.
async fn remove_leftovers(root: &Path) -> anyhow::Result<()> {
    for file in entries(&root.join("tmp")).await? {
        if let Err(e) = tokio::fs::remove_file(&file).await {
            tracing::warn!(file = %file.display(), error = %e, "cannot delete a half-written attachment file");
        }
    }
    for folder in entries(&root.join("blobs")).await? {
        remove_if_empty(&folder).await;
    }
    for folder in [root.join("blobs"), root.join("tmp"), root.to_owned()] {
        remove_if_empty(&folder).await;
    }
    Ok(())
}

async fn remove_if_empty(folder: &Path) {
    match tokio::fs::remove_dir(folder).await {
        Ok(()) => {}
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::DirectoryNotEmpty) => {}
        Err(e) => tracing::warn!(folder = %folder.display(), error = %e, "cannot remove an old attachments folder"),
    }
}

fn report(root: &Path, found: MovedFiles) {
    let MovedFiles { moved, copied, unused, damaged } = found;
    if moved + copied > 0 {
        tracing::info!(moved, copied, folder = %root.display(), "attachment files moved into the database");
    }
    if unused + damaged > 0 {
        tracing::warn!(
            unused,
            damaged,
            folder = %root.display(),
            "attachment files left in the old folder: look at them (see the warnings above), then delete them"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn digests_are_lowercase_hex() {
        let digest = sha256_hex(bytes::Bytes::from_static(b"hello world")).await.expect("hashed");
        assert_eq!(digest, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assert!(is_sha256(&digest));
        assert!(!is_sha256("../../etc/passwd"));
        assert!(!is_sha256(&digest.to_uppercase()));
    }
}
