//! Writes a new file in large aligned blocks straight to the disk (`O_DIRECT`), where the
//! filesystem allows it: the bytes are not copied into the page cache to be written back
//! later, which on a fast disk is much of what an upload costs (ADR 0033). Filesystems that
//! refuse direct I/O get the same blocks written through the page cache.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Bytes per block: large writes keep the disk busy with few calls.
pub const BLOCK_BYTES: usize = 1024 * 1024;
/// What direct I/O needs the buffer's address, the file offset and each length to be a
/// multiple of: the logical sector size, 512 or 4,096 bytes; 4,096 covers both.
const DIRECT_ALIGN: usize = 4096;

/// Up to [`BLOCK_BYTES`] of a file, starting at an address direct I/O accepts.
pub struct Block {
    /// Never grows past its capacity, so the data never moves: `start` padding bytes, then
    /// the data.
    storage: Vec<u8>,
    start: usize,
}

impl Block {
    #[must_use]
    pub fn new() -> Self {
        let mut storage: Vec<u8> = Vec::with_capacity(BLOCK_BYTES + DIRECT_ALIGN);
        let start = storage.as_ptr().align_offset(DIRECT_ALIGN);
        storage.resize(start, 0);
        Self { storage, start }
    }

    /// Copies as much of `bytes` as fits; returns how many bytes it took.
    pub fn fill_from(&mut self, bytes: &[u8]) -> usize {
        let taken = bytes.len().min(BLOCK_BYTES - self.len());
        self.storage.extend_from_slice(&bytes[..taken]);
        taken
    }

    #[must_use]
    pub fn is_full(&self) -> bool {
        self.len() == BLOCK_BYTES
    }

    /// Empties the block for reuse.
    pub fn clear(&mut self) {
        self.storage.truncate(self.start);
    }

    fn len(&self) -> usize {
        self.storage.len() - self.start
    }

    fn data(&self) -> &[u8] {
        &self.storage[self.start..]
    }

    /// Pads the data with zeros to a whole number of sectors.
    fn pad_to_sectors(&mut self) {
        let padded = self.len().next_multiple_of(DIRECT_ALIGN);
        self.storage.resize(self.start + padded, 0);
    }
}

/// A new file written block by block.
pub struct BlockWriter {
    file: File,
    direct: bool,
}

impl BlockWriter {
    /// Creates the file at `path`, which must not exist yet.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(path: &Path) -> io::Result<Self> {
        Self::open(path, true)
    }

    /// Creates the file at `path`, straight to the disk if `direct` and the filesystem allows.
    fn open(path: &Path, direct: bool) -> io::Result<Self> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        if direct {
            match options.clone().custom_flags(libc::O_DIRECT).open(path) {
                Ok(file) => return Ok(Self { file, direct: true }),
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Self { file: options.open(path)?, direct: false })
    }

    /// Appends a full block.
    ///
    /// # Errors
    /// The disk refused the write (full, failing).
    pub fn write(&mut self, block: &Block) -> io::Result<()> {
        debug_assert!(block.is_full(), "only the last block may be partial");
        self.file.write_all(block.data())
    }

    /// Appends the last, partial block and waits until the file's `size` bytes are on the
    /// disk. Direct I/O writes whole sectors, so the last one is padded and the file cut back.
    ///
    /// # Errors
    /// The disk refused the write or the flush.
    pub fn finish(mut self, mut last: Block, size: u64) -> io::Result<()> {
        if last.len() > 0 {
            if self.direct {
                last.pad_to_sectors();
            }
            self.file.write_all(last.data())?;
            if self.direct {
                self.file.set_len(size)?;
            }
        }
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn pattern(length: usize) -> Vec<u8> {
        (0..length).map(|i| (i % 251) as u8).collect()
    }

    fn write_in_pieces(path: &Path, bytes: &[u8], direct: bool) {
        let mut writer = BlockWriter::open(path, direct).expect("create");
        let mut block = Block::new();
        for piece in bytes.chunks(65_000) {
            let mut rest = piece;
            while !rest.is_empty() {
                rest = &rest[block.fill_from(rest)..];
                if block.is_full() {
                    writer.write(&block).expect("write");
                    block.clear();
                }
            }
        }
        writer.finish(block, bytes.len() as u64).expect("finish");
    }

    #[test]
    fn files_of_any_length_come_back_byte_for_byte() {
        let folder = tempfile::tempdir().expect("temp dir");
        for direct in [true, false] {
            for length in [0, 1, DIRECT_ALIGN - 1, DIRECT_ALIGN, BLOCK_BYTES, BLOCK_BYTES + 1, 3 * BLOCK_BYTES + 12_345]
            {
                let path = folder.path().join(format!("file-{length}-{direct}"));
                let bytes = pattern(length);
                write_in_pieces(&path, &bytes, direct);
                assert_eq!(fs::read(&path).expect("read"), bytes, "length {length}, direct {direct}");
            }
        }
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let folder = tempfile::tempdir().expect("temp dir");
        let path = folder.path().join("taken");
        fs::write(&path, b"keep me").expect("write");
        assert!(BlockWriter::create(&path).is_err());
        assert_eq!(fs::read(&path).expect("read"), b"keep me");
    }
}
