//! Attachment bytes on the local filesystem, under `<data dir>/bugs/`: `blobs/ab/<sha256>`,
//! named by their SHA-256 (the same screenshot twice is stored once) and written atomically
//! (temp file, fsync, rename, fsync of the folder), so a crash never leaves half a file.
//!
//! Attachments are small (a screenshot), so a whole one is in memory when stored.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// A blob's name: 64 lowercase hex digits.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Debug, Clone)]
pub struct AttachmentStore {
    root: PathBuf,
}

impl AttachmentStore {
    /// Opens (creating) the store and removes leftovers of interrupted writes.
    ///
    /// # Errors
    /// The folders cannot be created or cleaned.
    pub fn open(root: &Path) -> io::Result<Self> {
        fs::create_dir_all(root.join("blobs"))?;
        fs::create_dir_all(root.join("tmp"))?;
        for entry in fs::read_dir(root.join("tmp"))? {
            fs::remove_file(entry?.path())?;
        }
        Ok(Self { root: root.to_owned() })
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256(sha256).then(|| self.root.join("blobs").join(&sha256[..2]).join(sha256))
    }

    /// Stores the bytes (once) and returns their SHA-256.
    ///
    /// # Errors
    /// The disk refuses.
    pub async fn put(&self, bytes: bytes::Bytes) -> io::Result<String> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.put_blocking(&bytes)).await.map_err(io::Error::other)?
    }

    fn put_blocking(&self, bytes: &[u8]) -> io::Result<String> {
        let sha256: String = Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect();
        let target = self.path_of(&sha256).ok_or_else(|| io::Error::other("bad digest"))?;
        if target.exists() {
            return Ok(sha256);
        }
        let temp = self.root.join("tmp").join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let written = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            let folder = target.parent().ok_or_else(|| io::Error::other("blob path has no folder"))?;
            fs::create_dir_all(folder)?;
            fs::rename(&temp, &target)?;
            File::open(folder)?.sync_all()
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written.map(|()| sha256)
    }

    /// The bytes of a blob.
    ///
    /// # Errors
    /// Not stored, or not readable.
    pub async fn get(&self, sha256: &str) -> io::Result<Vec<u8>> {
        let path = self.path_of(sha256).ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not a blob name"))?;
        tokio::fs::read(path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_stored_once_by_hash_and_leave_no_temp_files() {
        let root = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(root.path().join("tmp")).expect("tmp");
        fs::write(root.path().join("tmp/crashed.part"), b"half").expect("leftover");
        let store = AttachmentStore::open(root.path()).expect("store");
        let first = store.put(bytes::Bytes::from_static(b"hello world")).await.expect("put");
        assert_eq!(first, "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        let again = store.put(bytes::Bytes::from_static(b"hello world")).await.expect("put");
        assert_eq!(again, first);
        assert_eq!(store.get(&first).await.expect("get"), b"hello world");
        assert_eq!(fs::read_dir(root.path().join("tmp")).expect("tmp").count(), 0);
        assert!(store.get("../../etc/passwd").await.is_err());
    }
}
