//! An upload on its way in. The request's frames are hashed as they arrive, while they are
//! still in the CPU's cache, and copied into aligned blocks that one blocking thread writes
//! straight to a file in `tmp/` ([`BlockWriter`]) and, at the end, moves into place. A few
//! blocks per upload go back and forth between the two, so memory stays flat however large
//! the file, and each hand-off between threads moves a whole block.

use std::fs;
use std::io;
use std::path::PathBuf;

use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256 as Hasher};
use tokio::sync::mpsc;

use super::block_writer::{Block, BlockWriter};
use super::{ByteStream, HEAD_BYTES, PutError, StoredBlob};
use crate::domain::Sha256;

/// Blocks of one upload: one being filled, the others being written or waiting to be.
const BLOCKS_PER_UPLOAD: usize = 3;

/// A file in `tmp/`, deleted when dropped unless it was kept.
pub(super) struct TempFile {
    pub path: PathBuf,
    pub keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Moves a finished temp file to where the blob with that hash belongs; whether it was newly
/// stored (false: the same bytes were there already).
pub(super) type Commit = Box<dyn FnOnce(TempFile, &Sha256) -> io::Result<bool> + Send>;

/// Writes `body` to a new file at `path`, refusing more than `limit` bytes, then hands it to
/// `commit`. On any error the file is gone.
pub(super) async fn receive(
    body: ByteStream<'_>,
    path: PathBuf,
    limit: u64,
    commit: Commit,
) -> Result<StoredBlob, PutError> {
    let (to_writer, from_request) = mpsc::channel(BLOCKS_PER_UPLOAD);
    let (to_request, mut emptied) = mpsc::channel(BLOCKS_PER_UPLOAD);
    let writer = tokio::task::spawn_blocking(move || write_blocks(path, from_request, &to_request, commit));
    let sent = send_blocks(body, limit, &to_writer, &mut emptied).await;
    drop(to_writer);
    let written = writer.await.map_err(|e| PutError::Storage(io::Error::other(e)))?;
    match (sent, written) {
        (Err(Stop::Request(error)), _) => Err(error),
        (_, Err(error)) => Err(PutError::Storage(error)),
        (Ok(Sent { sha256, size, head }), Ok(Some(newly_stored))) => {
            Ok(StoredBlob { sha256, size, newly_stored, head })
        }
        (_, Ok(_)) => Err(PutError::Storage(io::Error::other("the upload's writer stopped early"))),
    }
}

/// What the request side saw of the body.
struct Sent {
    sha256: Sha256,
    size: u64,
    head: Vec<u8>,
}

/// Why [`send_blocks`] stopped early.
enum Stop {
    /// The body was too large or broke off.
    Request(PutError),
    /// The writer thread has gone; it says why.
    Writer,
}

enum ToWriter {
    Full(Block),
    Last { block: Block, size: u64, sha256: Sha256 },
}

/// Hashes the body and sends it to the writer block by block; what it saw once all of it has
/// been sent.
async fn send_blocks(
    body: ByteStream<'_>,
    limit: u64,
    to_writer: &mpsc::Sender<ToWriter>,
    emptied: &mut mpsc::Receiver<Block>,
) -> Result<Sent, Stop> {
    let mut hasher = Hasher::new();
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut block = Block::new();
    let mut blocks_made = 1;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Stop::Request(PutError::Interrupted(e)))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(Stop::Request(PutError::TooLarge { limit }));
        }
        hasher.update(&chunk);
        if head.len() < HEAD_BYTES {
            head.extend_from_slice(&chunk[..chunk.len().min(HEAD_BYTES - head.len())]);
        }
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            rest = &rest[block.fill_from(rest)..];
            if block.is_full() {
                let next = if blocks_made < BLOCKS_PER_UPLOAD {
                    blocks_made += 1;
                    Block::new()
                } else {
                    emptied.recv().await.ok_or(Stop::Writer)?
                };
                let full = std::mem::replace(&mut block, next);
                to_writer.send(ToWriter::Full(full)).await.map_err(|_| Stop::Writer)?;
            }
        }
    }
    let sha256 = Sha256::from_digest(&hasher.finalize());
    to_writer.send(ToWriter::Last { block, size, sha256: sha256.clone() }).await.map_err(|_| Stop::Writer)?;
    Ok(Sent { sha256, size, head })
}

/// Writes the blocks it is sent to a new file at `path`, handing each back emptied, and
/// commits the file after the last. Runs on a blocking thread. Whether the blob was newly
/// stored; `None` when the request side stopped before the last block.
fn write_blocks(
    path: PathBuf,
    mut blocks: mpsc::Receiver<ToWriter>,
    emptied: &mpsc::Sender<Block>,
    commit: Commit,
) -> io::Result<Option<bool>> {
    let temp = TempFile { path, keep: false };
    let mut file = BlockWriter::create(&temp.path)?;
    while let Some(message) = blocks.blocking_recv() {
        match message {
            ToWriter::Full(mut block) => {
                file.write(&block)?;
                block.clear();
                // Never full: no more blocks exist than the channel holds.
                let _ = emptied.try_send(block);
            }
            ToWriter::Last { block, size, sha256 } => {
                file.finish(block, size)?;
                return commit(temp, &sha256).map(Some);
            }
        }
    }
    Ok(None)
}
