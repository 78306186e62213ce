//! The preview worker: makes the grid thumbnail and the large preview of each new photo and
//! of a PDF's first page, reads a photo's details (date taken, camera, exposure, GPS) and a
//! PDF's text, a bounded number at a time.
//! Every read of the file's bytes goes through the decoder child ([`crate::decoder`]): a file
//! that crashes or exhausts a decoder ends that child, never the service. The queue lives in
//! the database (`preview = 'pending'`), so work interrupted by a restart is picked up again
//! at start-up.
//!
//! - A file the child refuses (not a kind we read, damaged, over the limits) is `none` with
//!   the child's reason, for good.
//! - A file that kills the child, or uses up its memory, stack or time, is tried once more at
//!   once; the second time it is `none`: "could not be read", and what it ran out of.
//! - Each attempt is counted before the child starts (ADR 0042), so an attempt cut short by
//!   the whole service stopping counts too: at start-up, items whose attempts are used up are
//!   marked "could not be read" instead of being queued, and never tried again.
//! - A failure that is not the file's fault (the database, the disk, the decoder program)
//!   gives its attempt back, leaves the item pending with a reason the family sees at once,
//!   is tried again once a little later, and then at the next start.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hearth_shared::Database;
use tokio::sync::{Semaphore, mpsc};

use crate::db::items::{self, ItemRow, PhotoFacts};
use crate::decoder::{DecodeError, Decoder};
use crate::domain::{Sha256, search};
use crate::media::{Fit, MediaKind, PhotoInfo, Rendition, clean_text};
use crate::storage::{BlobStore, Derived};

/// The grid thumbnail's short edge and the preview's long edge, in pixels.
const THUMBNAIL: Fit = Fit::ShortEdge(400);
const PREVIEW: Fit = Fit::LongEdge(1440);
const FITS: [Fit; 2] = [THUMBNAIL, PREVIEW];

/// How long after a failure of Hearth's own the worker tries once more.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// Attempts at reading one file before it is "could not be read" for good.
pub const MAX_ATTEMPTS: i64 = 2;

/// Characters of a document's text kept for search.
const MAX_TEXT_CHARS: usize = 1_000_000;

/// Shown with a pending preview whose attempt failed for a reason of Hearth's own.
pub const NOT_MADE_YET: &str =
    "Hearth could not make it yet (its log says why); it tries again shortly and at its next start.";

/// Shown, for good, with an item whose reading was cut short by Hearth stopping, each time.
pub const CUT_SHORT: &str = "could not be read (reading it was cut short twice, as Hearth stopped)";

/// An item to make previews for, and whether this is already the second try after a failure
/// of Hearth's own.
#[derive(Clone, Copy)]
struct Job {
    id: i64,
    retry: bool,
}

/// Hands item ids to the worker.
#[derive(Clone)]
pub struct PreviewQueue {
    sender: mpsc::UnboundedSender<Job>,
    decoder: Decoder,
}

/// What every job needs.
struct Worker {
    db: Database,
    blobs: Arc<dyn BlobStore>,
    decoder: Decoder,
}

impl PreviewQueue {
    /// Marks the items whose attempts were used up by interrupted reads as could not be read,
    /// starts the worker with `concurrency` previews at a time, and queues the items left
    /// pending from before.
    ///
    /// # Errors
    /// The pending items cannot be read or marked.
    pub async fn start(
        db: Database,
        blobs: Arc<dyn BlobStore>,
        decoder: Decoder,
        concurrency: usize,
    ) -> anyhow::Result<Self> {
        let given_up = items::give_up_previews(db.pool(), MAX_ATTEMPTS, CUT_SHORT).await?;
        if given_up > 0 {
            tracing::warn!(given_up, "items whose reading was cut short twice are marked unreadable, not tried again");
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        let queue = Self { sender, decoder: decoder.clone() };
        for id in items::pending_previews(db.pool()).await? {
            queue.enqueue(id);
        }
        let worker = Arc::new(Worker { db, blobs, decoder });
        tokio::spawn(run(worker, receiver, queue.sender.downgrade(), concurrency));
        Ok(queue)
    }

    /// Asks for the previews of an item; the row stays `pending` until they are made.
    pub fn enqueue(&self, id: i64) {
        if self.sender.send(Job { id, retry: false }).is_err() {
            tracing::warn!(item = id, "preview worker is gone; the item stays pending until restart");
        }
    }

    /// The decoder the worker reads files with, for the other reads of uploaded files.
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }
}

async fn run(
    worker: Arc<Worker>,
    mut receiver: mpsc::UnboundedReceiver<Job>,
    retries: mpsc::WeakUnboundedSender<Job>,
    concurrency: usize,
) {
    let permits = Arc::new(Semaphore::new(concurrency));
    while let Some(job) = receiver.recv().await {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let (worker, retries) = (Arc::clone(&worker), retries.clone());
        tokio::spawn(async move {
            let made = make_previews(&worker, job.id).await;
            drop(permit);
            match made {
                Ok(Attempt::Done) => {}
                Ok(Attempt::Again) => {
                    if let Some(sender) = retries.upgrade() {
                        let _ = sender.send(job);
                    }
                }
                Err(e) => {
                    tracing::error!(item = job.id, retry = job.retry, error = %e, "making previews failed");
                    failed(&worker.db, retries, job).await;
                }
            }
        });
    }
}

/// Says why the item is still pending, and queues it once more after [`RETRY_AFTER`].
async fn failed(db: &Database, retries: mpsc::WeakUnboundedSender<Job>, job: Job) {
    if let Err(e) = items::set_preview(db.pool(), job.id, "pending", Some(NOT_MADE_YET)).await {
        tracing::error!(item = job.id, error = %e, "recording a failed preview");
    }
    if job.retry {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep(RETRY_AFTER).await;
        if let Some(sender) = retries.upgrade() {
            let _ = sender.send(Job { id: job.id, retry: true });
        }
    });
}

/// How one attempt at an item ended, when not in a failure of Hearth's own.
enum Attempt {
    Done,
    /// The file killed the child; it has another try.
    Again,
}

/// How reading the file ended, when not in a failure of Hearth's own.
enum Read {
    Done,
    /// The file killed the child or used up what it was given, for this reason.
    Unreadable(String),
}

async fn make_previews(worker: &Worker, id: i64) -> anyhow::Result<Attempt> {
    let pool = worker.db.pool();
    let Some(item) = items::by_id(pool, id).await? else {
        return Ok(Attempt::Done);
    };
    if item.preview != "pending" {
        return Ok(Attempt::Done);
    }
    let is_photo = MediaKind::parse(&item.kind) == Some(MediaKind::Photo);
    let is_pdf = item.content_type == "application/pdf";
    if !is_photo && !is_pdf {
        items::set_preview(pool, id, "none", Some(&no_preview_for(&item))).await?;
        return Ok(Attempt::Done);
    }
    let sha256 = Sha256::parse(&item.sha256).map_err(|e| anyhow::anyhow!("{e}"))?;
    let path = worker.blobs.local_path(&sha256).await.ok_or_else(|| anyhow::anyhow!("blob {sha256} is missing"))?;
    let attempt = items::count_preview_attempt(pool, id).await?;
    let read = if is_photo {
        read_photo(worker, &item, &sha256, &path).await
    } else {
        read_pdf(worker, &item, &sha256, &path).await
    };
    match read {
        Ok(Read::Done) => Ok(Attempt::Done),
        Ok(Read::Unreadable(cause)) if attempt < MAX_ATTEMPTS => {
            tracing::warn!(item = id, attempt, %cause, "reading a file failed; trying once more");
            let reason = format!("the first try to read it failed ({cause}); Hearth tries once more");
            items::set_preview(pool, id, "pending", Some(&reason)).await?;
            Ok(Attempt::Again)
        }
        Ok(Read::Unreadable(cause)) => {
            tracing::warn!(item = id, attempt, %cause, "a file could not be read; not trying again");
            items::set_preview(pool, id, "none", Some(&format!("could not be read ({cause})"))).await?;
            Ok(Attempt::Done)
        }
        Err(e) => {
            if let Err(back) = items::give_back_preview_attempt(pool, id).await {
                tracing::error!(item = id, error = %back, "giving back an attempt that was not the file's fault");
            }
            Err(e)
        }
    }
}

fn no_preview_for(item: &ItemRow) -> String {
    format!("no preview for {}", item.content_type)
}

/// The photo's facts and its renditions, read by the decoder.
async fn read_photo(worker: &Worker, item: &ItemRow, sha256: &Sha256, path: &Path) -> anyhow::Result<Read> {
    let (info, renditions) = match worker.decoder.photo(path, &item.content_type, &FITS).await {
        Ok(read) => read,
        Err(error) => return settle(worker, item, error).await,
    };
    record_facts(&worker.db, item, &info).await?;
    match renditions {
        Ok(renditions) => {
            store_renditions(worker, sha256, item.id, renditions).await?;
            Ok(Read::Done)
        }
        Err(error) => settle(worker, item, error).await,
    }
}

/// A photo the decoder gave nothing for: no preview for good when the child refused it.
async fn settle(worker: &Worker, item: &ItemRow, error: DecodeError) -> anyhow::Result<Read> {
    match error {
        DecodeError::Refused(reason) => {
            tracing::info!(item = item.id, %reason, "no preview");
            items::set_preview(worker.db.pool(), item.id, "none", Some(&reason.to_string())).await?;
            Ok(Read::Done)
        }
        DecodeError::Unreadable(cause) => Ok(Read::Unreadable(cause)),
        DecodeError::Hearth(e) => Err(e.context(format!("reading item {} for its previews", item.id))),
    }
}

async fn record_facts(db: &Database, item: &ItemRow, info: &PhotoInfo) -> anyhow::Result<()> {
    let described = format!(
        "{} {} {}",
        item.file_name,
        info.camera.as_deref().unwrap_or_default(),
        info.lens.as_deref().unwrap_or_default()
    );
    let facts = PhotoFacts {
        search_text: &search::key(&described),
        camera_key: &search::key(info.camera.as_deref().unwrap_or_default()),
        width: i64::from(info.width),
        height: i64::from(info.height),
        taken_at: info.taken_at,
        taken_offset_minutes: info.taken_offset_minutes.map(i64::from),
        camera: info.camera.as_deref(),
        lens: info.lens.as_deref(),
        gps: info.gps,
        exposure: &info.exposure,
    };
    items::set_photo_facts(db.pool(), item.id, &facts).await?;
    Ok(())
}

async fn store_renditions(worker: &Worker, sha256: &Sha256, id: i64, renditions: Vec<Rendition>) -> anyhow::Result<()> {
    for (kind, rendition) in [Derived::Thumbnail, Derived::Preview].into_iter().zip(renditions) {
        worker.blobs.put_derived(sha256, kind, Box::new(move |out| out.write_all(&rendition.bytes))).await?;
    }
    items::set_preview_ready(worker.db.pool(), id).await?;
    Ok(())
}

/// Extracts a PDF's text for search (cleaned of what extraction leaves: [`clean_text`]) and
/// draws its first page. A PDF whose text cannot be read (encrypted, broken) simply has no
/// text, and one whose page cannot be drawn no preview, with the reason; one that kills a
/// child is tried again, then could not be read.
async fn read_pdf(worker: &Worker, item: &ItemRow, sha256: &Sha256, path: &Path) -> anyhow::Result<Read> {
    match worker.decoder.pdf_text(path, MAX_TEXT_CHARS).await {
        Ok(text) => {
            let text = clean_text(&text);
            let search_text = search::key(&format!("{} {text}", item.file_name));
            items::set_text(worker.db.pool(), item.id, &text, &search_text).await?;
        }
        Err(DecodeError::Refused(reason)) => tracing::info!(item = item.id, %reason, "no text from this PDF"),
        Err(DecodeError::Unreadable(cause)) => return Ok(Read::Unreadable(cause)),
        Err(DecodeError::Hearth(e)) => return Err(e.context(format!("reading the text of item {}", item.id))),
    }
    match worker.decoder.pdf_page(path, &FITS).await {
        Ok(renditions) => {
            if let Some(page) = renditions.last() {
                items::set_dimensions(worker.db.pool(), item.id, i64::from(page.width), i64::from(page.height)).await?;
            }
            store_renditions(worker, sha256, item.id, renditions).await?;
            Ok(Read::Done)
        }
        Err(error) => settle(worker, item, error).await,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use hearth_shared::both_backends;
    use hearth_shared::db::Backend;
    use hearth_shared::testing::TestDatabase;

    use super::*;
    use crate::config::DecoderConfig;
    use crate::db::items::NewItem;
    use crate::storage::FsBlobStore;

    /// A worker's database and blob store in a test's own folder.
    struct Setup {
        _test_db: TestDatabase,
        db: Database,
        blobs: Arc<FsBlobStore>,
    }

    async fn setup(backend: Backend) -> Option<Setup> {
        let test_db = TestDatabase::create(backend).await?;
        let db = Database::connect(&test_db.url_for("photos"), "photos", &crate::MIGRATIONS).await.expect("database");
        let blobs = Arc::new(FsBlobStore::open(&test_db.data_dir.path().join("blobs")).expect("blob store"));
        Some(Setup { _test_db: test_db, db, blobs })
    }

    /// A decoder that is not one: every read through it fails for Hearth's own reason.
    fn decoder(program: &str) -> Decoder {
        Decoder::new(&DecoderConfig { program: PathBuf::from(program), memory_bytes: 256 << 20, cpu_seconds: 10 })
    }

    async fn insert(db: &Database, sha256: &str) -> i64 {
        let item = NewItem {
            owner_id: 1,
            sha256,
            size: 10,
            file_name: "photo.jpg",
            content_type: "image/jpeg",
            kind: "photo",
            visibility: "family",
            now: 0,
            text_content: None,
            search_text: "photo.jpg",
        };
        items::insert(db.pool(), &item).await.expect("insert").expect("new item").id
    }

    async fn wait_for_reason(db: &Database, id: i64) -> ItemRow {
        let mut row = None;
        for _ in 0..400 {
            row = items::by_id(db.pool(), id).await.expect("read");
            if row.as_ref().is_some_and(|r| r.preview_error.is_some()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        row.expect("the item")
    }

    /// The attempts counted so far (counting one more to read them, which the test ignores).
    async fn attempts(db: &Database, id: i64) -> i64 {
        items::count_preview_attempt(db.pool(), id).await.expect("counted") - 1
    }

    /// A photo whose blob has gone (a disk problem, not the file's fault) stays pending, and
    /// the family is told so instead of waiting on a placeholder.
    async fn a_failure_of_hearths_own_is_shown_and_stays_pending(backend: Backend) {
        let Some(setup) = setup(backend).await else { return };
        let id = insert(&setup.db, &"ab".repeat(32)).await;
        let _queue =
            PreviewQueue::start(setup.db.clone(), setup.blobs.clone(), decoder("/bin/true"), 1).await.expect("worker");
        let row = wait_for_reason(&setup.db, id).await;
        assert_eq!(row.preview, "pending");
        assert_eq!(row.preview_error.as_deref(), Some(NOT_MADE_YET));
    }

    /// A decoder program that does not answer as one is Hearth's fault: the attempt is given
    /// back, so that a mistaken setting never marks the family's photos as unreadable.
    async fn a_program_that_is_not_a_decoder_costs_no_attempt(backend: Backend) {
        let Some(setup) = setup(backend).await else { return };
        let mut body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
            b"\xFF\xD8\xFF not really",
        ))]);
        let blob = setup.blobs.put(&mut body, 1 << 20).await.expect("stored");
        let id = insert(&setup.db, blob.sha256.as_str()).await;
        let _queue =
            PreviewQueue::start(setup.db.clone(), setup.blobs.clone(), decoder("/bin/true"), 1).await.expect("worker");
        let row = wait_for_reason(&setup.db, id).await;
        assert_eq!((row.preview.as_str(), row.preview_error.as_deref()), ("pending", Some(NOT_MADE_YET)));
        assert_eq!(attempts(&setup.db, id).await, 0);
    }

    /// An item whose attempts were used up by reads cut short (the service stopped during
    /// each) is not read a third time at start-up: it is marked, and the decoder is never
    /// started (this one could not be).
    async fn used_up_attempts_are_marked_at_start_up_not_retried(backend: Backend) {
        let Some(setup) = setup(backend).await else { return };
        let id = insert(&setup.db, &"cd".repeat(32)).await;
        for _ in 0..MAX_ATTEMPTS {
            items::count_preview_attempt(setup.db.pool(), id).await.expect("counted");
        }
        let _queue = PreviewQueue::start(setup.db.clone(), setup.blobs.clone(), decoder("/nonexistent/decoder"), 1)
            .await
            .expect("worker");
        let row = items::by_id(setup.db.pool(), id).await.expect("read").expect("the item");
        assert_eq!((row.preview.as_str(), row.preview_error.as_deref()), ("none", Some(CUT_SHORT)));
        assert!(!items::pending_previews(setup.db.pool()).await.expect("pending").contains(&id));
    }

    both_backends!(
        a_failure_of_hearths_own_is_shown_and_stays_pending,
        a_program_that_is_not_a_decoder_costs_no_attempt,
        used_up_attempts_are_marked_at_start_up_not_retried,
    );
}
