//! An upload on its way in. The request's frames are hashed as they arrive, while they are
//! still in the CPU's cache, and copied into aligned blocks; full blocks are written straight
//! to a file in `tmp/` ([`BlockWriter`]) by short jobs on the blocking pool, and at the end
//! the file is moved into place. No thread waits for the network: an upload holds a thread
//! only while its blocks are being written, so a hundred slow phones cost no more threads
//! than the disk has work (ADR 0045). A few blocks per upload circulate between the request
//! and the jobs, so memory stays flat however large the file.

use std::fs;
use std::io;
use std::mem;
use std::path::PathBuf;

use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256 as Hasher};
use tokio::task::JoinHandle;

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
    let mut writing = Writing::new(TempFile { path, keep: false });
    match read_body(body, limit, &mut writing).await {
        Ok((last, sent)) => {
            let newly_stored = writing.finish(last, &sent, commit).await.map_err(PutError::Storage)?;
            Ok(StoredBlob { sha256: sent.sha256, size: sent.size, newly_stored, head: sent.head })
        }
        Err(error) => {
            writing.abandon().await;
            Err(error)
        }
    }
}

/// What the request side saw of the body.
struct Sent {
    sha256: Sha256,
    size: u64,
    head: Vec<u8>,
}

/// Hashes the body and hands it over block by block; the last, partial block and what it
/// saw once all of it has arrived.
async fn read_body(body: ByteStream<'_>, limit: u64, writing: &mut Writing) -> Result<(Block, Sent), PutError> {
    let mut hasher = Hasher::new();
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut block = writing.empty_block().await.map_err(PutError::Storage)?;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(PutError::Interrupted)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(PutError::TooLarge { limit });
        }
        hasher.update(&chunk);
        if head.len() < HEAD_BYTES {
            head.extend_from_slice(&chunk[..chunk.len().min(HEAD_BYTES - head.len())]);
        }
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            rest = &rest[block.fill_from(rest)..];
            if block.is_full() {
                writing.write(block);
                block = writing.empty_block().await.map_err(PutError::Storage)?;
            }
        }
        writing.next_job_if_done().await.map_err(PutError::Storage)?;
    }
    let sha256 = Sha256::from_digest(&hasher.finalize());
    Ok((block, Sent { sha256, size, head }))
}

/// The temp file, carried to each blocking job and back; created by the first.
struct TempWriter {
    temp: TempFile,
    file: Option<BlockWriter>,
}

impl TempWriter {
    fn file(&mut self) -> io::Result<&mut BlockWriter> {
        match &mut self.file {
            Some(file) => Ok(file),
            file @ None => Ok(file.insert(BlockWriter::create(&self.temp.path)?)),
        }
    }

    /// Appends the last, partial block and waits until the file is on the disk.
    fn finish(self, last: Block, size: u64) -> io::Result<TempFile> {
        let file = match self.file {
            Some(file) => file,
            None => BlockWriter::create(&self.temp.path)?,
        };
        file.finish(last, size)?;
        Ok(self.temp)
    }
}

/// A job's outcome: the writer back, and the blocks it emptied.
type Written = io::Result<(TempWriter, Vec<Block>)>;

/// Appends full blocks to the file, on a blocking thread. On an error the writer is dropped,
/// and the temp file with it.
fn write_blocks(mut writer: TempWriter, blocks: Vec<Block>) -> Written {
    let mut emptied = Vec::with_capacity(blocks.len());
    for mut block in blocks {
        writer.file()?.write(&block)?;
        block.clear();
        emptied.push(block);
    }
    Ok((writer, emptied))
}

/// The writing side of one upload: at most one job on the blocking pool at a time (the file
/// is written in order), full blocks waiting for the next one, and emptied blocks to fill.
struct Writing {
    /// Here while no job is running.
    writer: Option<TempWriter>,
    job: Option<JoinHandle<Written>>,
    full: Vec<Block>,
    emptied: Vec<Block>,
    blocks_made: usize,
}

impl Writing {
    fn new(temp: TempFile) -> Self {
        Self {
            writer: Some(TempWriter { temp, file: None }),
            job: None,
            full: Vec::new(),
            emptied: Vec::new(),
            blocks_made: 0,
        }
    }

    /// Hands over a full block, written by the running job's successor (or a new job now).
    fn write(&mut self, block: Block) {
        self.full.push(block);
        self.start_job();
    }

    /// When the running job is done, takes back what it emptied and starts the next, so that
    /// the disk is not left idle until the block being filled is full.
    async fn next_job_if_done(&mut self) -> io::Result<()> {
        if self.job.as_ref().is_some_and(JoinHandle::is_finished) {
            self.wait_for_job().await?;
            self.start_job();
        }
        Ok(())
    }

    /// A block to fill: an emptied one, a new one while the upload has fewer than
    /// [`BLOCKS_PER_UPLOAD`], else the first that the running job empties (the only wait).
    async fn empty_block(&mut self) -> io::Result<Block> {
        self.next_job_if_done().await?;
        if let Some(block) = self.emptied.pop() {
            return Ok(block);
        }
        if self.blocks_made < BLOCKS_PER_UPLOAD {
            self.blocks_made += 1;
            return Ok(Block::new());
        }
        self.wait_for_job().await?;
        self.start_job();
        self.emptied.pop().ok_or_else(|| io::Error::other("an upload's blocks went missing"))
    }

    /// Starts a job for the waiting full blocks, unless one is running.
    fn start_job(&mut self) {
        if self.full.is_empty() {
            return;
        }
        if let Some(writer) = self.writer.take() {
            let blocks = mem::take(&mut self.full);
            self.job = Some(tokio::task::spawn_blocking(move || write_blocks(writer, blocks)));
        }
    }

    /// Waits for the running job, if any, and takes back the writer and the emptied blocks.
    async fn wait_for_job(&mut self) -> io::Result<()> {
        if let Some(job) = self.job.take() {
            let (writer, emptied) = job.await.map_err(io::Error::other)??;
            self.writer = Some(writer);
            self.emptied.extend(emptied);
        }
        Ok(())
    }

    /// Writes what is left and the last, partial block, waits until the file is on the disk
    /// and commits it: whether the blob was newly stored.
    async fn finish(mut self, last: Block, sent: &Sent, commit: Commit) -> io::Result<bool> {
        self.wait_for_job().await?;
        let writer = self.writer.take().ok_or_else(|| io::Error::other("an upload's file went missing"))?;
        let (full, size, sha256) = (mem::take(&mut self.full), sent.size, sent.sha256.clone());
        tokio::task::spawn_blocking(move || {
            let (writer, _) = write_blocks(writer, full)?;
            commit(writer.finish(last, size)?, &sha256)
        })
        .await
        .map_err(io::Error::other)?
    }

    /// The request gave up: waits for the running job, so that the temp file is gone when
    /// this returns.
    async fn abandon(mut self) {
        let _ = self.wait_for_job().await;
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures_util::stream;

    use super::*;
    use crate::storage::block_writer::BLOCK_BYTES;

    /// Bytes in pieces of uneven sizes, as frames arrive.
    fn pieces(bytes: &[u8]) -> Vec<io::Result<Bytes>> {
        let sizes = [1, 4096, 65_536, 100_003, BLOCK_BYTES, 7];
        let mut rest = bytes;
        let mut chunks = Vec::new();
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, left) = rest.split_at((*size).min(rest.len()));
            chunks.push(Ok(Bytes::copy_from_slice(piece)));
            rest = left;
        }
        chunks
    }

    fn keep_at(target: PathBuf) -> Commit {
        Box::new(move |mut temp: TempFile, _: &Sha256| {
            fs::rename(&temp.path, &target)?;
            temp.keep = true;
            Ok(true)
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn uploads_of_many_blocks_arrive_whole() {
        let folder = tempfile::tempdir().expect("temp dir");
        for length in [0, 10, BLOCK_BYTES, 2 * BLOCK_BYTES + 1, 9 * BLOCK_BYTES + 12_345] {
            let bytes: Vec<u8> = (0..length).map(|i| (i % 253) as u8).collect();
            let (temp, target) = (folder.path().join("upload.part"), folder.path().join(format!("blob-{length}")));
            let mut body = stream::iter(pieces(&bytes));
            let stored = receive(&mut body, temp.clone(), u64::MAX, keep_at(target.clone())).await.expect("stored");
            assert_eq!(stored.size, length as u64);
            assert_eq!(stored.sha256, Sha256::from_digest(&Hasher::digest(&bytes)));
            assert_eq!(stored.head, bytes[..length.min(HEAD_BYTES)]);
            assert_eq!(fs::read(&target).expect("read"), bytes, "length {length}");
            assert!(!temp.exists());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_upload_that_breaks_off_after_some_blocks_leaves_nothing() {
        let folder = tempfile::tempdir().expect("temp dir");
        let temp = folder.path().join("upload.part");
        let mut chunks = pieces(&vec![1; 5 * BLOCK_BYTES]);
        chunks.push(Err(io::Error::other("reset")));
        let mut body = stream::iter(chunks);
        let target = folder.path().join("blob");
        let outcome = receive(&mut body, temp.clone(), u64::MAX, keep_at(target.clone())).await;
        assert!(matches!(outcome, Err(PutError::Interrupted(_))));
        assert!(!temp.exists() && !target.exists());
        let mut too_large = stream::iter(pieces(&vec![2; 4 * BLOCK_BYTES]));
        let outcome = receive(&mut too_large, temp.clone(), 3 * BLOCK_BYTES as u64, keep_at(target.clone())).await;
        assert!(matches!(outcome, Err(PutError::TooLarge { .. })));
        assert!(!temp.exists() && !target.exists());
    }
}
