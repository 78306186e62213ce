//! Where file bytes live. Originals are blobs named by their SHA-256 (so the same bytes are
//! stored once) and written atomically: a crash never leaves half a blob. Derived files
//! (thumbnails) live beside them and can be deleted at any time; the worker makes them again.
//! A crash between storing a blob and recording its item (or between deleting an item and
//! its blob) leaves a whole blob no item uses: start-up sets those aside, and deletes them
//! once they have stayed unused as long as the trash keeps items ([`BlobStore::sweep_unused`],
//! ADR 0043).
//!
//! [`BlobStore`] is the seam for other stores (S3); [`FsBlobStore`] is the local one.

mod block_writer;
mod fs;
mod upload;

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::Stream;
use thiserror::Error;

pub use fs::FsBlobStore;

use crate::domain::Sha256;

/// A body being uploaded, chunk by chunk.
pub type ByteStream<'a> = &'a mut (dyn Stream<Item = io::Result<Bytes>> + Send + Unpin);

/// Writes a derived file's bytes, e.g. a thumbnail already encoded or a cleaned copy of an
/// original read as it is written.
pub type DerivedWriter = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send>;

/// Bytes of the start of an upload kept in [`StoredBlob::head`]: what [`crate::media::sniff`]
/// reads to tell what a file is.
pub const HEAD_BYTES: usize = 512;

/// What [`BlobStore::put`] stored.
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub sha256: Sha256,
    pub size: u64,
    /// False when a blob with these bytes was already there.
    pub newly_stored: bool,
    /// The first [`HEAD_BYTES`] (fewer in a smaller file), so that the file can be told
    /// without reading it back.
    pub head: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum PutError {
    /// More than the limit was sent; nothing was kept.
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// The client went away or the body broke off; nothing was kept.
    #[error("the upload was interrupted: {0}")]
    Interrupted(io::Error),
    /// Our side failed (disk full, permissions); nothing was kept.
    #[error("storing the file failed: {0}")]
    Storage(io::Error),
}

/// A kind of file made from an original, e.g. the grid thumbnail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// Small, for grids.
    Thumbnail,
    /// Large, for viewing.
    Preview,
    /// A JPEG original without where it was taken, for guests.
    WithoutLocation,
}

impl Derived {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thumbnail => "thumb",
            Self::Preview => "preview",
            Self::WithoutLocation => "nolocation",
        }
    }
}

/// What [`BlobStore::sweep_unused`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Blobs no item uses, moved out of the store.
    pub set_aside: usize,
    /// Blobs set aside at an earlier start that an item uses again, moved back.
    pub restored: usize,
    /// Blobs set aside longer than they are kept, deleted.
    pub expired: usize,
    /// Derived files of blobs no item uses, deleted (they are made again if needed).
    pub derived: usize,
}

#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Streams `body` into a new blob, hashing as it goes, refusing more than `limit` bytes.
    async fn put(&self, body: ByteStream<'_>, limit: u64) -> Result<StoredBlob, PutError>;

    /// Where the blob is on the local filesystem, for serving with Range requests and for
    /// decoders; `None` when it is not stored (or the store is not local).
    async fn local_path(&self, sha256: &Sha256) -> Option<PathBuf>;

    /// Removes a blob and everything derived from it.
    async fn delete(&self, sha256: &Sha256) -> io::Result<()>;

    /// Stores a derived file atomically, replacing an older one; `write` makes its bytes on a
    /// blocking thread, straight into the store.
    async fn put_derived(&self, sha256: &Sha256, kind: Derived, write: DerivedWriter) -> io::Result<()>;

    /// Where a derived file is, if it exists.
    async fn derived_path(&self, sha256: &Sha256, kind: Derived) -> Option<PathBuf>;

    /// Moves every blob whose hash is not in `in_use` (all the hashes items have) out of the
    /// store, and back every blob set aside earlier that `in_use` has again (a database
    /// restored from a backup, or one pointed elsewhere for a while, loses nothing); deletes
    /// the derived files of blobs no item uses, and blobs set aside for longer than
    /// `keep_for`. Only at start-up, before any upload can be in flight: an upload stores its
    /// blob before it records its item.
    async fn sweep_unused(&self, in_use: HashSet<String>, keep_for: Duration) -> io::Result<Swept>;
}
