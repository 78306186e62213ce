//! The preview worker: makes the grid thumbnail and the large preview of each new photo and
//! reads its details (date taken, camera, GPS), a bounded number at a time, on blocking
//! threads, with decoder panics caught. The queue lives in the database (`preview =
//! 'pending'`), so work interrupted by a restart is picked up again at start-up.
//!
//! A failure that is not the file's fault (the database, the disk) leaves the item pending
//! with a reason the family sees at once, is tried again once a little later, and then at the
//! next start. A file that cannot be decoded is `none` with the decoder's reason, for good.

use std::sync::Arc;
use std::time::Duration;

use hearth_shared::Database;
use tokio::sync::{Semaphore, mpsc};

use crate::db::items::{self, ItemRow, PhotoFacts};
use crate::domain::{Sha256, search};
use crate::media::{self, Fit, MediaError, MediaKind, PhotoInfo, Rendition};
use crate::storage::{BlobStore, Derived};

/// The grid thumbnail's short edge and the preview's long edge, in pixels.
const THUMBNAIL: Fit = Fit::ShortEdge(400);
const PREVIEW: Fit = Fit::LongEdge(1440);

/// How long after a failed attempt the worker tries once more.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// Shown with a pending preview whose attempt failed for a reason of Hearth's own.
pub const NOT_MADE_YET: &str =
    "Hearth could not make it yet (its log says why); it tries again shortly and at its next start.";

/// An item to make previews for, and whether this is already the second try.
#[derive(Clone, Copy)]
struct Job {
    id: i64,
    retry: bool,
}

/// Hands item ids to the worker.
#[derive(Clone)]
pub struct PreviewQueue {
    sender: mpsc::UnboundedSender<Job>,
}

impl PreviewQueue {
    /// Starts the worker with `concurrency` previews at a time, and queues the items left
    /// pending from before.
    ///
    /// # Errors
    /// The pending items cannot be read.
    pub async fn start(db: Database, blobs: Arc<dyn BlobStore>, concurrency: usize) -> anyhow::Result<Self> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let queue = Self { sender };
        for id in items::pending_previews(db.pool()).await? {
            queue.enqueue(id);
        }
        tokio::spawn(run(db, blobs, receiver, queue.sender.downgrade(), concurrency));
        Ok(queue)
    }

    /// Asks for the previews of an item; the row stays `pending` until they are made.
    pub fn enqueue(&self, id: i64) {
        if self.sender.send(Job { id, retry: false }).is_err() {
            tracing::warn!(item = id, "preview worker is gone; the item stays pending until restart");
        }
    }
}

async fn run(
    db: Database,
    blobs: Arc<dyn BlobStore>,
    mut receiver: mpsc::UnboundedReceiver<Job>,
    retries: mpsc::WeakUnboundedSender<Job>,
    concurrency: usize,
) {
    let permits = Arc::new(Semaphore::new(concurrency));
    while let Some(job) = receiver.recv().await {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let (db, blobs, retries) = (db.clone(), Arc::clone(&blobs), retries.clone());
        tokio::spawn(async move {
            let made = make_previews(&db, blobs.as_ref(), job.id).await;
            drop(permit);
            if let Err(e) = made {
                tracing::error!(item = job.id, retry = job.retry, error = %e, "making previews failed");
                failed(&db, retries, job).await;
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

async fn make_previews(db: &Database, blobs: &dyn BlobStore, id: i64) -> anyhow::Result<()> {
    let Some(item) = items::by_id(db.pool(), id).await? else {
        return Ok(());
    };
    if item.preview != "pending" {
        return Ok(());
    }
    if MediaKind::parse(&item.kind) != Some(MediaKind::Photo) {
        if item.content_type == "application/pdf" {
            index_pdf_text(db, blobs, &item).await?;
        }
        let reason = format!("no preview for {}", item.content_type);
        items::set_preview(db.pool(), id, "none", Some(&reason)).await?;
        return Ok(());
    }
    let sha256 = Sha256::parse(&item.sha256).map_err(|e| anyhow::anyhow!("{e}"))?;
    let path = blobs.local_path(&sha256).await.ok_or_else(|| anyhow::anyhow!("blob {sha256} is missing"))?;
    let content_type = item.content_type.clone();
    // A picture whose header cannot be read cannot be decoded either: its whole file is not
    // read for a decode that would fail the same way.
    let outcome = tokio::task::spawn_blocking(move || match media::read_photo_info(&path, &content_type) {
        Ok(info) => (Some(info), media::render_previews(&path, &content_type, &[THUMBNAIL, PREVIEW])),
        Err(reason) => (None, Err(reason)),
    })
    .await;
    let (info, renditions) = match outcome {
        Ok(result) => result,
        Err(e) if e.is_panic() => (None, Err(MediaError::Corrupt("the decoder crashed on this file".to_owned()))),
        Err(e) => return Err(e.into()),
    };
    if let Some(info) = &info {
        record_facts(db, &item, info).await?;
    }
    match renditions {
        Ok(renditions) => store_renditions(db, blobs, &sha256, id, renditions).await,
        Err(MediaError::Io(e)) => Err(anyhow::anyhow!("reading item {id} for its previews: {e}")),
        Err(reason) => {
            tracing::info!(item = id, %reason, "no preview");
            items::set_preview(db.pool(), id, "none", Some(&reason.to_string())).await?;
            Ok(())
        }
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
        camera: info.camera.as_deref(),
        lens: info.lens.as_deref(),
        gps: info.gps,
    };
    items::set_photo_facts(db.pool(), item.id, &facts).await?;
    Ok(())
}

async fn store_renditions(
    db: &Database,
    blobs: &dyn BlobStore,
    sha256: &Sha256,
    id: i64,
    renditions: Vec<Rendition>,
) -> anyhow::Result<()> {
    for (kind, rendition) in [Derived::Thumbnail, Derived::Preview].into_iter().zip(renditions) {
        blobs.put_derived(sha256, kind, Box::new(move |out| out.write_all(&rendition.bytes))).await?;
    }
    items::set_preview(db.pool(), id, "ready", None).await?;
    Ok(())
}

/// Characters of a document's text kept for search.
const MAX_TEXT_CHARS: usize = 1_000_000;

/// Extracts a PDF's text for search. A PDF that cannot be read (encrypted, broken, or one
/// that makes the extractor panic) simply has no text.
async fn index_pdf_text(db: &Database, blobs: &dyn BlobStore, item: &ItemRow) -> anyhow::Result<()> {
    let sha256 = Sha256::parse(&item.sha256).map_err(|e| anyhow::anyhow!("{e}"))?;
    let path = blobs.local_path(&sha256).await.ok_or_else(|| anyhow::anyhow!("blob {sha256} is missing"))?;
    let text = match tokio::task::spawn_blocking(move || pdf_extract::extract_text(path)).await {
        Ok(Ok(text)) => text.chars().take(MAX_TEXT_CHARS).collect::<String>(),
        Ok(Err(e)) => {
            tracing::info!(item = item.id, error = %e, "no text from this PDF");
            return Ok(());
        }
        Err(e) if e.is_panic() => {
            tracing::info!(item = item.id, "the PDF text extractor crashed on this file");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let search_text = search::key(&format!("{} {text}", item.file_name));
    items::set_text(db.pool(), item.id, &text, &search_text).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use hearth_shared::db::Backend;
    use hearth_shared::testing::TestDatabase;

    use super::*;
    use crate::db::items::NewItem;
    use crate::storage::FsBlobStore;

    /// A photo whose blob has gone (a disk problem, not the file's fault) stays pending, and
    /// the family is told so instead of waiting on a placeholder.
    #[tokio::test]
    async fn a_failure_of_hearths_own_is_shown_and_stays_pending() {
        let test_db = TestDatabase::create(Backend::Sqlite).await.expect("SQLite is always there");
        let db = Database::connect(&test_db.url_for("photos"), "photos", &crate::MIGRATIONS).await.expect("database");
        let blobs = FsBlobStore::open(&test_db.data_dir.path().join("blobs")).expect("blob store");
        let missing = "ab".repeat(32);
        let item = NewItem {
            owner_id: 1,
            sha256: &missing,
            size: 10,
            file_name: "gone.jpg",
            content_type: "image/jpeg",
            kind: "photo",
            visibility: "family",
            now: 0,
            text_content: None,
            search_text: "gone.jpg",
        };
        let id = items::insert(db.pool(), &item).await.expect("insert").expect("new item").id;
        let _queue = PreviewQueue::start(db.clone(), Arc::new(blobs), 1).await.expect("worker");
        let mut row = None;
        for _ in 0..200 {
            row = items::by_id(db.pool(), id).await.expect("read");
            if row.as_ref().is_some_and(|r| r.preview_error.is_some()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let row = row.expect("the item");
        assert_eq!(row.preview, "pending");
        assert_eq!(row.preview_error.as_deref(), Some(NOT_MADE_YET));
    }
}
