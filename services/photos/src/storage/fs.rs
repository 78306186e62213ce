//! The local filesystem store, under `<data dir>/photos/`:
//! `blobs/ab/cd/<sha256>`, `derived/ab/<sha256>.<kind>.jpg` and `tmp/` for uploads in flight.
//!
//! A blob is written to `tmp/`, fsynced, renamed into place and its folder fsynced (and the
//! folder's own entry, when the folder is new), so after a crash it is either whole or
//! absent. Hashing and writing run on a blocking thread fed
//! through a small bounded channel: memory stays flat however large the file.

use std::fs::{self, File};
use std::io::{self, IoSlice, Write as _};
use std::os::fd::AsRawFd as _;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256 as Hasher};
use tokio::sync::mpsc;

use super::{BlobStore, ByteStream, Derived, DerivedWriter, PutError, StoredBlob};
use crate::domain::Sha256;

/// Batches in flight between the request and the writer thread.
const CHANNEL_BATCHES: usize = 8;
/// Bytes of the request's small frames gathered (not copied) before they go to the writer
/// thread: each hand-off wakes a thread and each batch is one `writev`.
const BATCH_BYTES: usize = 256 * 1024;
/// Bytes written between two requests to the kernel to start writing them to disk.
const WRITEBACK_BYTES: u64 = 1024 * 1024;

pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// Opens (creating) the store under `root` and removes leftovers of interrupted uploads.
    ///
    /// # Errors
    /// The folders cannot be created or cleaned.
    pub fn open(root: &Path) -> io::Result<Self> {
        for folder in ["blobs", "derived", "tmp"] {
            fs::create_dir_all(root.join(folder))?;
        }
        let mut removed = 0;
        for entry in fs::read_dir(root.join("tmp"))? {
            fs::remove_file(entry?.path())?;
            removed += 1;
        }
        if removed > 0 {
            tracing::info!(removed, "removed leftovers of interrupted uploads");
        }
        Ok(Self { root: root.to_owned() })
    }

    fn blob_path(&self, sha256: &Sha256) -> PathBuf {
        let hex = sha256.as_str();
        self.root.join("blobs").join(&hex[..2]).join(&hex[2..4]).join(hex)
    }

    fn derived_file(&self, sha256: &Sha256, kind: Derived) -> PathBuf {
        let hex = sha256.as_str();
        self.root.join("derived").join(&hex[..2]).join(format!("{hex}.{}.jpg", kind.as_str()))
    }

    fn temp_path(&self) -> PathBuf {
        self.root.join("tmp").join(format!("{}.part", uuid::Uuid::new_v4().simple()))
    }
}

/// Deletes a temp file unless the write finished.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// What the writer thread hands back: the digest and size of what it wrote.
struct Written {
    temp: TempFile,
    sha256: Sha256,
    size: u64,
}

/// Writes batches to `path` while hashing; stops at `limit`. Runs on a blocking thread.
fn write_batches(path: PathBuf, mut batches: mpsc::Receiver<Vec<Bytes>>, limit: u64) -> Result<Written, PutError> {
    let temp = TempFile { path, keep: false };
    let mut file = File::create(&temp.path).map_err(PutError::Storage)?;
    let mut hasher = Hasher::new();
    let mut size: u64 = 0;
    let mut on_its_way: u64 = 0;
    while let Some(batch) = batches.blocking_recv() {
        size += batch.iter().map(|chunk| chunk.len() as u64).sum::<u64>();
        if size > limit {
            return Err(PutError::TooLarge { limit });
        }
        for chunk in &batch {
            hasher.update(chunk);
        }
        write_all_vectored(&mut file, &batch).map_err(PutError::Storage)?;
        if size - on_its_way >= WRITEBACK_BYTES {
            start_writeback(&file, on_its_way, size - on_its_way);
            on_its_way = size;
        }
    }
    file.sync_data().map_err(PutError::Storage)?;
    Ok(Written { temp, sha256: Sha256::from_digest(&hasher.finalize()), size })
}

/// Asks the kernel to start writing a range of the file to disk now, without waiting, so that
/// the disk works while the rest arrives and the fsync at the end finds little left to do.
/// Advisory: the fsync is what makes the file durable, so a failure here changes nothing.
#[allow(unsafe_code)]
fn start_writeback(file: &File, offset: u64, length: u64) {
    let (Ok(offset), Ok(length)) = (i64::try_from(offset), i64::try_from(length)) else { return };
    // SAFETY: `sync_file_range` only reads its integer arguments, and the descriptor belongs
    // to `file`, which is open for the whole call.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, length, libc::SYNC_FILE_RANGE_WRITE);
    }
}

/// Writes every chunk with as few system calls as the kernel allows.
fn write_all_vectored(file: &mut File, chunks: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = chunks.iter().map(|chunk| IoSlice::new(chunk)).collect();
    let mut remaining = &mut slices[..];
    while !remaining.is_empty() {
        let written = file.write_vectored(remaining)?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut remaining, written);
    }
    Ok(())
}

/// Creates `folder` and any missing parents; returns the folders whose entries changed (the
/// parent of each new folder), which must be fsynced for the new folders to survive a crash.
fn create_folders(folder: &Path) -> io::Result<Vec<PathBuf>> {
    if folder.is_dir() {
        return Ok(Vec::new());
    }
    let parent = folder.parent().ok_or_else(|| io::Error::other("blob folder has no parent"))?;
    let mut changed = create_folders(parent)?;
    match fs::create_dir(folder) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        _ => changed.push(parent.to_owned()),
    }
    Ok(changed)
}

/// Moves a finished temp file to `target` (unless the same bytes are already there) and makes
/// the rename durable, deepest folder first: on ext4 the first fsync commits every change
/// above it at once and the others find nothing left. Returns whether it was newly stored.
fn commit(mut temp: TempFile, target: &Path) -> io::Result<bool> {
    if target.exists() {
        return Ok(false);
    }
    let folder = target.parent().ok_or_else(|| io::Error::other("blob path has no folder"))?;
    let changed = create_folders(folder)?;
    fs::rename(&temp.path, target)?;
    temp.keep = true;
    File::open(folder)?.sync_all()?;
    for parent in changed.iter().rev() {
        File::open(parent)?.sync_all()?;
    }
    Ok(true)
}

async fn blocking<T: Send + 'static>(job: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(job).await.map_err(io::Error::other)?
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, body: ByteStream<'_>, limit: u64) -> Result<StoredBlob, PutError> {
        let (sender, receiver) = mpsc::channel(CHANNEL_BATCHES);
        let path = self.temp_path();
        let writer = tokio::task::spawn_blocking(move || write_batches(path, receiver, limit));
        let mut interrupted = None;
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(chunk) => {
                    batch_bytes += chunk.len();
                    batch.push(chunk);
                    if batch_bytes >= BATCH_BYTES {
                        batch_bytes = 0;
                        if sender.send(std::mem::take(&mut batch)).await.is_err() {
                            break;
                        }
                    }
                }
                Err(e) => {
                    interrupted = Some(e);
                    break;
                }
            }
        }
        if interrupted.is_none() && !batch.is_empty() {
            let _ = sender.send(batch).await;
        }
        drop(sender);
        let written = writer.await.map_err(|e| PutError::Storage(io::Error::other(e)))?;
        if let Some(error) = interrupted {
            return Err(PutError::Interrupted(error));
        }
        let Written { temp, sha256, size } = written?;
        let target = self.blob_path(&sha256);
        let newly_stored = blocking(move || commit(temp, &target)).await.map_err(PutError::Storage)?;
        Ok(StoredBlob { sha256, size, newly_stored })
    }

    async fn local_path(&self, sha256: &Sha256) -> Option<PathBuf> {
        let path = self.blob_path(sha256);
        tokio::fs::try_exists(&path).await.ok().filter(|exists| *exists).map(|_| path)
    }

    async fn delete(&self, sha256: &Sha256) -> io::Result<()> {
        let paths = [
            self.blob_path(sha256),
            self.derived_file(sha256, Derived::Thumbnail),
            self.derived_file(sha256, Derived::Preview),
            self.derived_file(sha256, Derived::WithoutLocation),
        ];
        blocking(move || {
            for path in paths {
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        })
        .await
    }

    async fn put_derived(&self, sha256: &Sha256, kind: Derived, write: DerivedWriter) -> io::Result<()> {
        let temp_path = self.temp_path();
        let target = self.derived_file(sha256, kind);
        blocking(move || {
            let temp = TempFile { path: temp_path, keep: false };
            let mut file = File::create(&temp.path)?;
            write(&mut file)?;
            file.sync_data()?;
            let _ = fs::remove_file(&target);
            commit(temp, &target).map(|_| ())
        })
        .await
    }

    async fn derived_path(&self, sha256: &Sha256, kind: Derived) -> Option<PathBuf> {
        let path = self.derived_file(sha256, kind);
        tokio::fs::try_exists(&path).await.ok().filter(|exists| *exists).map(|_| path)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::stream;

    use super::*;

    fn chunks(parts: &[&[u8]]) -> Vec<io::Result<Bytes>> {
        parts.iter().map(|p| Ok(Bytes::copy_from_slice(p))).collect()
    }

    fn count(folder: &Path) -> usize {
        fs::read_dir(folder).map(|e| e.count()).unwrap_or(0)
    }

    #[tokio::test]
    async fn blobs_are_named_by_their_hash_and_stored_once() {
        let root = tempfile::tempdir().expect("temp dir");
        let store = FsBlobStore::open(root.path()).expect("store");
        let mut body = stream::iter(chunks(&[b"hello ", b"world"]));
        let first = store.put(&mut body, 100).await.expect("put");
        assert_eq!(first.sha256.as_str(), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
        assert_eq!(first.size, 11);
        assert!(first.newly_stored);
        let mut again = stream::iter(chunks(&[b"hello world"]));
        assert!(!store.put(&mut again, 100).await.expect("put").newly_stored);
        let path = store.local_path(&first.sha256).await.expect("stored");
        assert_eq!(fs::read(path).expect("read"), b"hello world");
        assert_eq!(count(&root.path().join("tmp")), 0);
    }

    #[tokio::test]
    async fn too_large_or_interrupted_uploads_leave_nothing() {
        let root = tempfile::tempdir().expect("temp dir");
        let store = FsBlobStore::open(root.path()).expect("store");
        let mut big = stream::iter(chunks(&[&[1; 60], &[2; 60]]));
        assert!(matches!(store.put(&mut big, 100).await, Err(PutError::TooLarge { limit: 100 })));
        let mut broken = stream::iter(vec![Ok(Bytes::from_static(b"half a pho")), Err(io::Error::other("reset"))]);
        assert!(matches!(store.put(&mut broken, 100).await, Err(PutError::Interrupted(_))));
        assert_eq!(count(&root.path().join("tmp")), 0);
        assert_eq!(count(&root.path().join("blobs")), 0);
    }

    #[tokio::test]
    async fn opening_the_store_removes_leftovers_and_derived_files_come_and_go() {
        let root = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(root.path().join("tmp")).expect("tmp");
        fs::write(root.path().join("tmp/crashed.part"), b"half").expect("leftover");
        let store = FsBlobStore::open(root.path()).expect("store");
        assert_eq!(count(&root.path().join("tmp")), 0);

        let mut body = stream::iter(chunks(&[b"photo"]));
        let blob = store.put(&mut body, 100).await.expect("put");
        assert!(store.derived_path(&blob.sha256, Derived::Thumbnail).await.is_none());
        store
            .put_derived(&blob.sha256, Derived::Thumbnail, Box::new(|out| out.write_all(b"jpeg")))
            .await
            .expect("derived");
        assert!(store.derived_path(&blob.sha256, Derived::Thumbnail).await.is_some());
        store.delete(&blob.sha256).await.expect("delete");
        assert!(store.local_path(&blob.sha256).await.is_none());
        assert!(store.derived_path(&blob.sha256, Derived::Thumbnail).await.is_none());
    }
}
