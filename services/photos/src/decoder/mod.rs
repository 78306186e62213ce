//! Reading uploaded files where their failure cannot reach the server (ADR 0040). Every read
//! of an uploaded file's bytes past its first 512 (a photo's header and EXIF, its renditions,
//! a PDF's text and first page, a JPEG's copy without its location) runs in a child process: this same
//! binary, started as `<program> decode …` ([`child_main`]), which limits its own memory,
//! processor time and stack before it reads the file.
//!
//! The service's side is [`Decoder`]: it sets the child's memory aside first from one budget
//! for all decodes in flight ([`budget`], ADR 0041), starts the child on the stored file,
//! stops it at its deadline or past its output cap, and tells a file the child refused
//! ([`DecodeError::Refused`]) from one that killed it ([`DecodeError::Unreadable`]) and from
//! a failure of Hearth's own ([`DecodeError::Hearth`]).

mod budget;
mod child;
mod protocol;
mod run;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use self::budget::{MIB, MemoryBudget};
pub use self::child::main as child_main;
pub use self::protocol::SUBCOMMAND;
use self::protocol::{Job, Limits, Refusal, RefusalKind, RenditionSize, Renditions, Reply, Request};
use self::run::{Sink, Spawn};
use crate::config::DecoderConfig;
use crate::media::{self, Fit, MediaError, PhotoInfo, Rendition};

/// What the child takes before its job: the program's own data and heap, the decoding
/// thread's stack ([`child::STACK_BYTES`]) and the decoders' threads.
pub const CHILD_BYTES: u64 = 48 * MIB;

/// The smallest budget in which a photo's header can be read at all.
pub const SMALLEST_BUDGET_BYTES: u64 = CHILD_BYTES + media::INFO_BYTES;

/// The estimates of [`media::memory_to_render`] count what decoders ask for; the allocator
/// rounds up and fragments, so a child gets a quarter more ([`memory_for`]).
const ALLOCATOR_SHARE: u64 = 4;

/// A PDF's reader holds the whole document, its objects parsed, and each page's content
/// inflated: about this much beside the file, and a few times the file.
const PDF_BYTES: u64 = 64 * MIB;
const PDF_BYTES_PER_FILE_BYTE: u64 = 8;

/// Drawing a PDF's first page takes, beside the document: the page (at most 2,048 pixels a
/// side, RGBA), the renderer's own buffers, and the fits' resizes.
const PDF_PAGE_BYTES: u64 = 96 * MIB;

/// Copying a JPEG without its location holds one segment (at most 64 KiB) at a time.
const LOCATION_BYTES: u64 = 16 * MIB;

/// Most data two renditions can be: JPEGs of at most 1,440 × 1,440 pixels are far smaller.
const RENDITIONS_OUTPUT: u64 = 64 * MIB;

/// Bytes of UTF-8 a character may take.
const UTF8_BYTES: u64 = 4;

/// Why a decode gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The child looked and said no: not a kind we read, damaged, or too large, the same
    /// every time. The reason is the family's to read.
    #[error("{0}")]
    Refused(MediaError),
    /// The file killed the child or used up what it was given (memory, stack, processor
    /// time, the clock, the output cap); the reason says which, for the family.
    #[error("{0}")]
    Unreadable(String),
    /// Hearth's own failure: the stored file cannot be opened, or the decoder program cannot
    /// be started or does not answer as one. Not the file's fault.
    #[error(transparent)]
    Hearth(anyhow::Error),
}

/// A piece of a copy passed on as the child makes it. `End` comes last, and only once the
/// child has said the copy is whole.
#[derive(Debug)]
pub enum Streamed {
    Bytes(Vec<u8>),
    End,
}

/// Starts decoder children within the budget. Cheap to clone: clones share the budget.
#[derive(Clone)]
pub struct Decoder {
    inner: Arc<Inner>,
}

struct Inner {
    program: PathBuf,
    budget: MemoryBudget,
    cpu_seconds: u64,
}

impl Decoder {
    #[must_use]
    pub fn new(config: &DecoderConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                program: config.program.clone(),
                budget: MemoryBudget::new(config.memory_bytes.max(SMALLEST_BUDGET_BYTES)),
                cpu_seconds: config.cpu_seconds.max(1),
            }),
        }
    }

    /// The facts of the photo in `file` (stored as `content_type`), and its renditions for
    /// `fits` or why it has none. One child reads the facts and, when the renditions fit in
    /// what it was given, makes them; a larger picture gets a second child, given the memory
    /// its header says the renditions take.
    ///
    /// # Errors
    /// The facts could not be read: see [`DecodeError`]. The renditions' own outcome is the
    /// inner result.
    pub async fn photo(
        &self,
        file: &Path,
        content_type: &str,
        fits: &[Fit],
    ) -> Result<(PhotoInfo, Result<Vec<Rendition>, DecodeError>), DecodeError> {
        let mut data = Vec::new();
        let job = Job::Photo { content_type: content_type.to_owned(), fits: fits.to_vec() };
        let (info, renditions) =
            match self.call(file, job, SMALLEST_BUDGET_BYTES, RENDITIONS_OUTPUT, Sink::Collect(&mut data)).await? {
                Reply::Photo { info, renditions } => (info, renditions),
                other => return Err(unexpected(&other)),
            };
        let renditions = match renditions {
            Renditions::Made(sizes) => split(&data, &sizes),
            Renditions::Refused(refusal) => Err(refused(file, refusal)),
            Renditions::NeedMemory(bytes) => self.previews(file, content_type, fits, bytes).await,
        };
        Ok((info, renditions))
    }

    /// The renditions of the photo in `file` for `fits`, in a child given
    /// [`memory_for`]`(memory_to_render)` (from [`media::memory_to_render`]).
    ///
    /// # Errors
    /// More memory than the whole budget ([`DecodeError::Refused`] with
    /// [`MediaError::TooLarge`]); otherwise see [`DecodeError`].
    pub async fn previews(
        &self,
        file: &Path,
        content_type: &str,
        fits: &[Fit],
        memory_to_render: u64,
    ) -> Result<Vec<Rendition>, DecodeError> {
        let memory = memory_for(memory_to_render);
        let budget = self.inner.budget.total_bytes();
        if memory > budget {
            return Err(DecodeError::Refused(MediaError::TooLarge(format!(
                "reading it would take about {} MB of memory, more than the {} MB Hearth reads files in \
                 (HEARTH_PHOTOS_DECODE_MEMORY_MB)",
                memory.div_ceil(MIB),
                budget / MIB
            ))));
        }
        let mut data = Vec::new();
        let job = Job::Previews { content_type: content_type.to_owned(), fits: fits.to_vec() };
        match self.call(file, job, memory, RENDITIONS_OUTPUT, Sink::Collect(&mut data)).await? {
            Reply::Previews { renditions } => split(&data, &renditions),
            other => Err(unexpected(&other)),
        }
    }

    /// The first `max_chars` characters of the text of the PDF in `file`.
    ///
    /// # Errors
    /// A PDF whose text cannot be read is [`DecodeError::Refused`]; otherwise see
    /// [`DecodeError`].
    pub async fn pdf_text(&self, file: &Path, max_chars: usize) -> Result<String, DecodeError> {
        let memory = pdf_memory(file_size(file).await?);
        let output = (max_chars as u64).saturating_mul(UTF8_BYTES);
        let mut data = Vec::new();
        match self.call(file, Job::PdfText { max_chars }, memory, output, Sink::Collect(&mut data)).await? {
            Reply::Text => String::from_utf8(data)
                .map_err(|_| DecodeError::Hearth(anyhow::anyhow!("the decoder's text is not UTF-8"))),
            other => Err(unexpected(&other)),
        }
    }

    /// The first page of the PDF in `file`, one rendition per fit.
    ///
    /// # Errors
    /// A PDF that cannot be drawn (damaged, encrypted) is [`DecodeError::Refused`]; otherwise
    /// see [`DecodeError`].
    pub async fn pdf_page(&self, file: &Path, fits: &[Fit]) -> Result<Vec<Rendition>, DecodeError> {
        let memory = pdf_memory(file_size(file).await?).saturating_add(PDF_PAGE_BYTES);
        let mut data = Vec::new();
        let job = Job::PdfPage { fits: fits.to_vec() };
        match self.call(file, job, memory, RENDITIONS_OUTPUT, Sink::Collect(&mut data)).await? {
            Reply::Previews { renditions } => split(&data, &renditions),
            other => Err(unexpected(&other)),
        }
    }

    /// Passes the JPEG in `file` without its location to `sink` as the child makes it, then
    /// [`Streamed::End`]; whether anything was removed.
    ///
    /// # Errors
    /// Not a JPEG, or a malformed EXIF block ([`DecodeError::Refused`]: nothing is guessed);
    /// otherwise see [`DecodeError`].
    pub async fn without_location(&self, file: &Path, sink: mpsc::Sender<Streamed>) -> Result<bool, DecodeError> {
        let size = file_size(file).await?;
        let memory = CHILD_BYTES + LOCATION_BYTES;
        match self.call(file, Job::WithoutLocation, memory, size, Sink::Stream(&sink)).await? {
            Reply::WithoutLocation { removed } => {
                sink.send(Streamed::End)
                    .await
                    .map_err(|_| DecodeError::Hearth(anyhow::anyhow!("the cleaned copy could not be stored")))?;
                Ok(removed)
            }
            other => Err(unexpected(&other)),
        }
    }

    /// Memory of all decodes in flight together.
    #[must_use]
    pub fn budget_bytes(&self) -> u64 {
        self.inner.budget.total_bytes()
    }

    /// The most memory decodes in flight ever had set aside at once.
    #[must_use]
    pub fn peak_reserved_bytes(&self) -> u64 {
        self.inner.budget.peak_bytes()
    }

    /// One child for `job`, given `memory` (at most the whole budget), once it is free.
    async fn call(
        &self,
        file: &Path,
        job: Job,
        memory: u64,
        output_limit: u64,
        sink: Sink<'_>,
    ) -> Result<Reply, DecodeError> {
        let budget = &self.inner.budget;
        let reservation = budget
            .reserve(memory.min(budget.total_bytes()))
            .await
            .ok_or_else(|| DecodeError::Hearth(anyhow::anyhow!("the decoding budget is closed")))?;
        let request =
            Request { limits: Limits { memory_bytes: reservation.bytes(), cpu_seconds: self.inner.cpu_seconds }, job };
        let spawn = Spawn {
            program: &self.inner.program,
            file,
            request: &request,
            output_limit,
            deadline: Duration::from_secs(self.inner.cpu_seconds.saturating_mul(2)),
        };
        match run::run(&spawn, sink).await? {
            Reply::Refused(refusal) => Err(refused(file, refusal)),
            reply => Ok(reply),
        }
    }
}

/// What a child that decodes `memory_to_render` bytes (from [`media::memory_to_render`]) is
/// given: its own needs, those bytes, and a quarter more for the allocator.
#[must_use]
pub fn memory_for(memory_to_render: u64) -> u64 {
    CHILD_BYTES.saturating_add(memory_to_render).saturating_add(memory_to_render / ALLOCATOR_SHARE)
}

/// What a child reading a PDF of `size` bytes holds: itself, and the document parsed.
fn pdf_memory(size: u64) -> u64 {
    CHILD_BYTES.saturating_add(PDF_BYTES).saturating_add(size.saturating_mul(PDF_BYTES_PER_FILE_BYTE))
}

/// A refusal as the service takes it: the child failing to read its input is Hearth's failure.
fn refused(file: &Path, refusal: Refusal) -> DecodeError {
    if refusal.kind == RefusalKind::Io {
        DecodeError::Hearth(anyhow::anyhow!("the decoder could not read {}: {}", file.display(), refusal.reason))
    } else {
        DecodeError::Refused(refusal.into())
    }
}

/// Writes what [`Decoder::without_location`] passes on into `out`, on a blocking thread.
///
/// # Errors
/// The copy broke off before its end (then nothing must be kept), or `out` failing.
pub fn write_received(mut received: mpsc::Receiver<Streamed>, out: &mut dyn Write) -> io::Result<()> {
    while let Some(piece) = received.blocking_recv() {
        match piece {
            Streamed::Bytes(bytes) => out.write_all(&bytes)?,
            Streamed::End => return out.flush(),
        }
    }
    Err(io::Error::other("the copy broke off"))
}

async fn file_size(file: &Path) -> Result<u64, DecodeError> {
    let metadata = tokio::fs::metadata(file).await;
    metadata.map(|m| m.len()).map_err(|e| DecodeError::Hearth(anyhow::anyhow!("reading {}: {e}", file.display())))
}

fn unexpected(reply: &Reply) -> DecodeError {
    DecodeError::Hearth(anyhow::anyhow!("the decoder answered another job: {reply:?}"))
}

/// The renditions' bytes, one after the other in `data`, cut at their sizes.
fn split(data: &[u8], sizes: &[RenditionSize]) -> Result<Vec<Rendition>, DecodeError> {
    let garbled = || DecodeError::Hearth(anyhow::anyhow!("the decoder's renditions do not add up"));
    let mut rest = data;
    let mut renditions = Vec::with_capacity(sizes.len());
    for size in sizes {
        let length = usize::try_from(size.bytes).map_err(|_| garbled())?;
        let (bytes, after) = rest.split_at_checked(length).ok_or_else(garbled)?;
        renditions.push(Rendition { bytes: bytes.to_vec(), width: size.width, height: size.height });
        rest = after;
    }
    if rest.is_empty() { Ok(renditions) } else { Err(garbled()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renditions_are_cut_at_their_sizes_and_must_add_up() {
        let sizes = [RenditionSize { width: 4, height: 3, bytes: 2 }, RenditionSize { width: 8, height: 6, bytes: 3 }];
        let renditions = split(b"abcde", &sizes).expect("adds up");
        assert_eq!(renditions[0].bytes, b"ab");
        assert_eq!((renditions[1].bytes.as_slice(), renditions[1].width), (b"cde".as_slice(), 8));
        assert!(split(b"abcdef", &sizes).is_err());
        assert!(split(b"abcd", &sizes).is_err());
    }

    #[test]
    fn a_copy_that_broke_off_is_not_written_as_whole() {
        let (sender, received) = mpsc::channel(4);
        sender.try_send(Streamed::Bytes(b"half".to_vec())).expect("sent");
        drop(sender);
        let mut out = Vec::new();
        assert!(write_received(received, &mut out).is_err());
        let (sender, received) = mpsc::channel(4);
        sender.try_send(Streamed::Bytes(b"whole".to_vec())).expect("sent");
        sender.try_send(Streamed::End).expect("sent");
        let mut out = Vec::new();
        write_received(received, &mut out).expect("whole");
        assert_eq!(out, b"whole");
    }
}
