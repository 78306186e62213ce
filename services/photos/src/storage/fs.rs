//! The local filesystem store, under `<data dir>/photos/`:
//! `blobs/ab/<sha256>`, `derived/ab/<sha256>.<kind>.jpg`, `tmp/` for uploads in flight, and
//! `unused/ab/<sha256>` for blobs no item used at a start-up.
//!
//! A blob is written to `tmp/` (straight to the disk where it can be: [`upload`]), fsynced,
//! renamed into place and its folder fsynced (and the folder's own entry, when the folder is
//! new), so after a crash it is either whole or absent.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::upload::{self, TempFile};
use super::{BlobStore, ByteStream, Derived, DerivedWriter, PutError, StoredBlob, Swept};
use crate::domain::Sha256;

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
        move_to_one_level(root)?;
        Ok(Self { root: root.to_owned() })
    }

    fn blob_path(&self, sha256: &Sha256) -> PathBuf {
        blob_path(&self.root.join("blobs"), sha256)
    }

    fn derived_file(&self, sha256: &Sha256, kind: Derived) -> PathBuf {
        let hex = sha256.as_str();
        self.root.join("derived").join(&hex[..2]).join(format!("{hex}.{}.jpg", kind.as_str()))
    }

    fn temp_path(&self) -> PathBuf {
        self.root.join("tmp").join(format!("{}.part", uuid::Uuid::new_v4().simple()))
    }
}

/// Written beside the folders once the blobs are in this layout, for the operator to read.
const LAYOUT_FILE: &str = "LAYOUT";
const LAYOUT: &str = "Hearth photos store.\n\
    blobs/ab/<sha256>                originals, named by the SHA-256 of their bytes\n\
    derived/ab/<sha256>.<kind>.jpg   thumbnails and previews; may be deleted, they are made again\n\
    tmp/                             uploads in flight; emptied at start-up\n\
    unused/ab/<sha256>               blobs no item used at a start-up; moved back when one does\n\
                                     again, deleted after HEARTH_PHOTOS_TRASH_DAYS\n";

/// Where blobs no item uses are set aside.
const SET_ASIDE: &str = "unused";

/// Moves the blobs of the earlier two-level layout (`ab/cd/<sha256>`: a new folder, and two
/// fsyncs, for most uploads) up into `ab/`, once. Every step is a rename, so a crash in the
/// middle loses nothing and the next start carries on.
fn move_to_one_level(root: &Path) -> io::Result<()> {
    let layout = root.join(LAYOUT_FILE);
    if layout.exists() {
        return Ok(());
    }
    let blobs = root.join("blobs");
    let mut moved = 0;
    for top in fs::read_dir(&blobs)? {
        let top = top?;
        if !top.file_type()?.is_dir() {
            continue;
        }
        let mut emptied = Vec::new();
        for inner in fs::read_dir(top.path())? {
            let inner = inner?;
            if !inner.file_type()?.is_dir() {
                continue;
            }
            for blob in fs::read_dir(inner.path())? {
                let blob = blob?;
                fs::rename(blob.path(), top.path().join(blob.file_name()))?;
                moved += 1;
            }
            emptied.push(inner.path());
        }
        if emptied.is_empty() {
            continue;
        }
        File::open(top.path())?.sync_all()?;
        for folder in emptied {
            fs::remove_dir(folder)?;
        }
    }
    fs::write(&layout, LAYOUT)?;
    File::open(root)?.sync_all()?;
    if moved > 0 {
        tracing::info!(moved, "moved blobs to the one-level layout");
    }
    Ok(())
}

/// Where the blob with this hash is under the `blobs` folder: `ab/<sha256>`.
fn blob_path(blobs: &Path, sha256: &Sha256) -> PathBuf {
    let hex = sha256.as_str();
    blobs.join(&hex[..2]).join(hex)
}

/// Sets aside the blobs under `root` that no item uses, brings back those set aside that one
/// uses again, and deletes what has been set aside longer than `keep_for` and the derived
/// files of blobs no item uses. Renames only, besides the deletions: a crash in the middle
/// loses nothing, and the next start carries on.
fn sweep(root: &Path, in_use: &HashSet<String>, keep_for: Duration) -> io::Result<Swept> {
    let (blobs, aside) = (root.join("blobs"), root.join(SET_ASIDE));
    let mut swept = Swept::default();
    let now = SystemTime::now();
    // Back first: a blob that is in use is never left out of the store.
    for (hash, path) in hashed_files(&aside)? {
        if in_use.contains(&hash) {
            move_into(&path, &blobs.join(&hash[..2]).join(&hash))?;
            swept.restored += 1;
        } else if fs::metadata(&path)?.modified()?.checked_add(keep_for).is_some_and(|until| until < now) {
            remove(&path)?;
            swept.expired += 1;
        }
    }
    for (hash, path) in hashed_files(&blobs)? {
        if !in_use.contains(&hash) {
            let target = aside.join(&hash[..2]).join(&hash);
            move_into(&path, &target)?;
            // Kept from now on, not from its upload.
            File::open(&target)?.set_modified(now)?;
            swept.set_aside += 1;
        }
    }
    for (hash, path) in hashed_files(&root.join("derived"))? {
        if !in_use.contains(&hash) {
            remove(&path)?;
            swept.derived += 1;
        }
    }
    Ok(swept)
}

/// The files two levels under `folder` (`ab/<name>`) whose name starts with a hash (up to its
/// first dot), with that hash. Anything else there is not Hearth's and is left out; a missing
/// folder has none.
fn hashed_files(folder: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut found = Vec::new();
    let tops = match fs::read_dir(folder) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(found),
        tops => tops?,
    };
    for top in tops {
        let top = top?;
        if !top.file_type()?.is_dir() {
            continue;
        }
        for entry in fs::read_dir(top.path())? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(hash) = name.to_str().and_then(|name| name.split('.').next()) else {
                continue;
            };
            if Sha256::parse(hash).is_ok() && entry.file_type()?.is_file() {
                found.push((hash.to_owned(), entry.path()));
            }
        }
    }
    Ok(found)
}

/// Moves `from` to `to`, creating its folder; when `to` is already there (the same bytes, by
/// their name), `from` is removed instead.
fn move_into(from: &Path, to: &Path) -> io::Result<()> {
    if to.exists() {
        return remove(from);
    }
    let folder = to.parent().ok_or_else(|| io::Error::other("a store path has no folder"))?;
    fs::create_dir_all(folder)?;
    fs::rename(from, to)
}

fn remove(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
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
        let blobs = self.root.join("blobs");
        let commit = Box::new(move |temp, sha256: &Sha256| commit(temp, &blob_path(&blobs, sha256)));
        upload::receive(body, self.temp_path(), limit, commit).await
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

    async fn sweep_unused(&self, in_use: HashSet<String>, keep_for: Duration) -> io::Result<Swept> {
        let root = self.root.clone();
        let swept = blocking(move || sweep(&root, &in_use, keep_for)).await?;
        if swept != Swept::default() {
            tracing::info!(
                set_aside = swept.set_aside,
                restored = swept.restored,
                expired = swept.expired,
                derived = swept.derived,
                "swept blobs no item uses (photos/unused/)"
            );
        }
        Ok(swept)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
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
    async fn blobs_of_the_two_level_layout_are_moved_up_once() {
        let root = tempfile::tempdir().expect("temp dir");
        let hex = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
        let old = root.path().join("blobs/b9/4d");
        fs::create_dir_all(&old).expect("old folders");
        fs::write(old.join(hex), b"hello world").expect("old blob");
        let store = FsBlobStore::open(root.path()).expect("store");
        let sha256 = Sha256::parse(hex).expect("hash");
        let path = store.local_path(&sha256).await.expect("moved");
        assert_eq!(path, root.path().join("blobs/b9").join(hex));
        assert_eq!(fs::read(path).expect("read"), b"hello world");
        assert!(!old.exists());
        assert!(root.path().join(LAYOUT_FILE).exists());
        drop(FsBlobStore::open(root.path()).expect("opened again"));
        assert!(store.local_path(&sha256).await.is_some());
    }

    #[tokio::test]
    async fn blobs_no_item_uses_are_set_aside_brought_back_and_deleted_in_time() {
        let root = tempfile::tempdir().expect("temp dir");
        let store = FsBlobStore::open(root.path()).expect("store");
        let mut kept = stream::iter(chunks(&[b"kept"]));
        let kept = store.put(&mut kept, 100).await.expect("put").sha256;
        let mut orphan = stream::iter(chunks(&[b"orphan"]));
        let orphan = store.put(&mut orphan, 100).await.expect("put").sha256;
        let gone = Sha256::parse(&"ab".repeat(32)).expect("hash");
        for sha256 in [&kept, &orphan, &gone] {
            store
                .put_derived(sha256, Derived::Thumbnail, Box::new(|out| out.write_all(b"jpeg")))
                .await
                .expect("derived");
        }
        let strangers = [root.path().join("blobs/README"), root.path().join("derived/ab/notes.txt")];
        for stranger in &strangers {
            fs::write(stranger, b"the operator's").expect("written");
        }
        let month = Duration::from_secs(30 * 24 * 3600);
        let only_kept = HashSet::from([kept.as_str().to_owned()]);

        let swept = store.sweep_unused(only_kept.clone(), month).await.expect("swept");
        assert_eq!(swept, Swept { set_aside: 1, derived: 2, ..Swept::default() });
        assert!(store.local_path(&kept).await.is_some());
        assert!(store.derived_path(&kept, Derived::Thumbnail).await.is_some());
        assert!(store.local_path(&orphan).await.is_none(), "out of the store");
        let aside = root.path().join("unused").join(&orphan.as_str()[..2]).join(orphan.as_str());
        assert_eq!(fs::read(&aside).expect("set aside"), b"orphan");
        assert!(store.derived_path(&orphan, Derived::Thumbnail).await.is_none());
        assert!(store.derived_path(&gone, Derived::Thumbnail).await.is_none(), "derived files of a blob that is gone");
        assert!(strangers.iter().all(|stranger| stranger.exists()), "files that are not Hearth's are left alone");
        assert_eq!(store.sweep_unused(only_kept.clone(), month).await.expect("swept"), Swept::default());

        let both = HashSet::from([kept.as_str().to_owned(), orphan.as_str().to_owned()]);
        let swept = store.sweep_unused(both, month).await.expect("swept");
        assert_eq!(swept, Swept { restored: 1, ..Swept::default() });
        assert!(store.local_path(&orphan).await.is_some(), "an item uses it again: it is back");

        store.sweep_unused(only_kept.clone(), month).await.expect("swept");
        let swept = store.sweep_unused(only_kept, Duration::ZERO).await.expect("swept");
        assert_eq!(swept, Swept { expired: 1, ..Swept::default() });
        assert!(!aside.exists(), "deleted once kept long enough");
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
