//! The photos service's use cases: upload, the timeline, one item and its files, visibility,
//! the trash. Pages and the JSON API both call these; each checks who may do it.

use std::fs::File;
use std::io::{self, Read as _};
use std::path::PathBuf;
use std::sync::Arc;

use hearth_shared::db::unix_now;
use hearth_shared::display::human_size;
use hearth_shared::http::body::body_error;
use hearth_shared::throttle::Throttle;
use hearth_shared::{AppError, AppResult, Database, Identity};

use crate::config::PhotosConfig;
use crate::db::items::{self, ItemRow, NewItem, Towards};
use crate::decoder::{self, DecodeError};
use crate::domain::{FileName, SearchQuery, Sha256, Visibility, search};
use crate::media::{self, MediaKind};
use crate::sharing::{self, GuessKey};
use crate::storage::{BlobStore, ByteStream, Derived, DerivedWriter, PutError};
use crate::worker::PreviewQueue;

/// Most items on one timeline page.
pub const MAX_PAGE: i64 = 200;
/// Bytes of a text document kept for search.
const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// The outcome of an upload.
#[derive(Debug)]
pub struct Uploaded {
    pub item: ItemRow,
    /// The uploader already had these bytes: this is the item they have.
    pub duplicate: bool,
    /// They asked for the family to see it, but the item they had is private and stays so.
    pub kept_private: bool,
}

/// A page of items and where the next one starts.
#[derive(Debug)]
/// One page of a list in keyset order; `next` is the sort key and id of its last row, where
/// the next page starts.
pub struct Page<T, Id = i64> {
    pub items: Vec<T>,
    pub next: Option<(i64, Id)>,
}

impl<T, Id> Page<T, Id> {
    /// From up to `limit + 1` rows: one more than the page means there is a next page.
    pub(crate) fn of(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> (i64, Id)) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(key)
        } else {
            None
        };
        Self { items: rows, next }
    }
}

/// Characters of a document's text shown on its page.
const TEXT_EXCERPT_CHARS: i64 = 4000;

/// Where a page of items starts, for the timeline and search.
fn item_key(item: &ItemRow) -> (i64, i64) {
    (item.sort_at, item.id)
}

/// A page size asked for, within 1 and [`MAX_PAGE`].
pub(crate) fn page_size(asked: i64) -> i64 {
    asked.clamp(1, MAX_PAGE)
}

/// The family's library: metadata in the database, bytes in the blob store.
#[derive(Clone)]
pub struct Library {
    pub(crate) db: Database,
    pub(crate) blobs: Arc<dyn BlobStore>,
    previews: PreviewQueue,
    config: Arc<PhotosConfig>,
    /// Wrong share-link passwords, per link and per address.
    pub(crate) guesses: Arc<Throttle<GuessKey>>,
}

impl Library {
    #[must_use]
    pub fn new(db: Database, blobs: Arc<dyn BlobStore>, previews: PreviewQueue, config: Arc<PhotosConfig>) -> Self {
        Self { db, blobs, previews, config, guesses: Arc::new(sharing::guess_throttle()) }
    }

    #[must_use]
    pub fn max_upload_bytes(&self) -> u64 {
        self.config.max_upload_bytes
    }

    /// The queue this library hands new items to.
    #[must_use]
    pub fn preview_queue(&self) -> PreviewQueue {
        self.previews.clone()
    }

    #[must_use]
    pub fn trash_days(&self) -> i64 {
        self.config.trash_days
    }

    /// Stores an upload and records it; the same bytes from the same person give back the
    /// item they already have (restored from the trash if it was there), private if they asked
    /// for private either time ([`Visibility::narrower`]): uploading a folder again never
    /// shares what was kept private, and asking for private is never ignored.
    ///
    /// # Errors
    /// Too large (413), interrupted (400), or our storage failing.
    pub async fn upload(
        &self,
        user: &Identity,
        raw_name: &str,
        visibility: Visibility,
        body: ByteStream<'_>,
    ) -> AppResult<Uploaded> {
        let file_name = FileName::sanitize(raw_name);
        let blob = self.blobs.put(body, self.config.max_upload_bytes).await.map_err(|e| match e {
            PutError::TooLarge { limit } => AppError::PayloadTooLarge(format!(
                "{file_name} is larger than the limit of {}. Ask a family admin to raise HEARTH_PHOTOS_MAX_UPLOAD_BYTES.",
                human_size(limit)
            )),
            PutError::Interrupted(e) => body_error(&e, &format!("The upload of {file_name}")),
            PutError::Storage(e) => AppError::Internal(anyhow::anyhow!("storing {file_name}: {e}")),
        })?;
        let sniffed = media::sniff(&blob.head, file_name.as_str());
        let text = if is_text(sniffed) { Some(self.read_text(&blob.sha256).await?) } else { None };
        let new = NewItem {
            owner_id: user.user_id,
            sha256: blob.sha256.as_str(),
            size: i64::try_from(blob.size).unwrap_or(i64::MAX),
            file_name: file_name.as_str(),
            content_type: sniffed.content_type,
            kind: sniffed.kind.as_str(),
            visibility: visibility.as_str(),
            now: unix_now(),
            text_content: text.as_deref(),
            search_text: &search::key(&format!("{file_name} {}", text.as_deref().unwrap_or_default())),
        };
        let pool = self.db.pool();
        if let Some(item) = items::insert(pool, &new).await? {
            self.previews.enqueue(item.id);
            tracing::info!(item = item.id, size = blob.size, kind = sniffed.kind.as_str(), "uploaded");
            return Ok(Uploaded { item, duplicate: false, kept_private: false });
        }
        let existing = items::by_owner_and_hash(pool, user.user_id, blob.sha256.as_str())
            .await?
            .ok_or_else(|| anyhow::anyhow!("duplicate item vanished"))?;
        let had = Visibility::parse(&existing.visibility)?;
        let kept = had.narrower(visibility);
        if existing.deleted_at.is_some() || kept != had {
            items::upload_again(pool, existing.id, kept.as_str()).await?;
        }
        let kept_private = kept != visibility;
        Ok(Uploaded { item: self.load(existing.id).await?, duplicate: true, kept_private })
    }

    /// The start of a text document's stored text, for search.
    async fn read_text(&self, sha256: &Sha256) -> AppResult<String> {
        let path = self.blobs.local_path(sha256).await.ok_or_else(|| anyhow::anyhow!("blob vanished after upload"))?;
        let read = tokio::task::spawn_blocking(move || -> io::Result<String> {
            let mut bytes = Vec::new();
            File::open(path)?.take(MAX_TEXT_BYTES).read_to_end(&mut bytes)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        });
        Ok(read
            .await
            .map_err(|e| anyhow::anyhow!(e))?
            .map_err(|e| anyhow::anyhow!("reading the text of {sha256}: {e}"))?)
    }

    pub(crate) async fn load(&self, id: i64) -> AppResult<ItemRow> {
        items::by_id(self.db.pool(), id).await?.ok_or_else(|| AppError::NotFound("There is no such item.".to_owned()))
    }

    /// The timeline the user sees, newest first, `limit` items after `cursor`.
    ///
    /// # Errors
    /// Database failure.
    pub async fn timeline(&self, user: &Identity, cursor: Option<(i64, i64)>, limit: i64) -> AppResult<Page<ItemRow>> {
        let limit = page_size(limit);
        let rows = items::timeline(self.db.pool(), user.user_id, cursor, Towards::Older, limit + 1).await?;
        Ok(Page::of(rows, limit, item_key))
    }

    /// Items the user sees that match the query, newest first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn search(
        &self,
        user: &Identity,
        query: &SearchQuery,
        cursor: Option<(i64, i64)>,
        limit: i64,
    ) -> AppResult<Page<ItemRow>> {
        let limit = page_size(limit);
        let rows = items::search(self.db.pool(), user.user_id, query, cursor, Towards::Older, limit + 1).await?;
        Ok(Page::of(rows, limit, item_key))
    }

    /// An item the user may see (`items::MEMBER_SEES`): someone else's private or trashed
    /// item is "not found", as if it did not exist. Every page, API answer and file of one
    /// item goes through here.
    ///
    /// # Errors
    /// [`AppError::NotFound`] when the user may not see it.
    pub async fn item(&self, user: &Identity, id: i64) -> AppResult<ItemRow> {
        items::seen_by(self.db.pool(), user.user_id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such item, or it is not shared with you.".to_owned()))
    }

    /// Where an item's bytes are (the caller has checked it may see the item).
    ///
    /// # Errors
    /// The blob is missing (our failure).
    pub async fn blob_path(&self, item: &ItemRow) -> AppResult<PathBuf> {
        let sha256 = Sha256::parse(&item.sha256)?;
        Ok(self
            .blobs
            .local_path(&sha256)
            .await
            .ok_or_else(|| anyhow::anyhow!("the blob of item {} is missing", item.id))?)
    }

    /// The original file of an item, for download or viewing.
    ///
    /// # Errors
    /// Not visible to the user, or its bytes are missing.
    pub async fn original(&self, user: &Identity, id: i64) -> AppResult<(ItemRow, PathBuf)> {
        let item = self.item(user, id).await?;
        let path = self.blob_path(&item).await?;
        Ok((item, path))
    }

    /// The thumbnail or preview of an item the caller may see. A deleted derived file is
    /// made again (and is "not found" until then).
    ///
    /// # Errors
    /// No preview (yet).
    pub async fn derived_of(&self, item: &ItemRow, kind: Derived) -> AppResult<PathBuf> {
        let sha256 = Sha256::parse(&item.sha256)?;
        if let Some(path) = self.blobs.derived_path(&sha256, kind).await {
            return Ok(path);
        }
        if item.preview == "ready" {
            items::set_preview(self.db.pool(), item.id, "pending", None).await?;
            self.previews.enqueue(item.id);
        }
        Err(AppError::NotFound("This item has no preview yet.".to_owned()))
    }

    /// The beginning of a document's text (from the PDF or the text file), for its page.
    ///
    /// # Errors
    /// Database failure.
    pub async fn text_excerpt(&self, item: &ItemRow) -> AppResult<Option<String>> {
        Ok(items::text_excerpt(self.db.pool(), item.id, TEXT_EXCERPT_CHARS).await?)
    }

    /// A document's text around the first place `word` (lowercase) appears, for a search's
    /// results, and whether it starts past the text's beginning.
    ///
    /// # Errors
    /// Database failure.
    pub async fn text_around(&self, item: &ItemRow, word: &str) -> AppResult<Option<(bool, String)>> {
        Ok(items::text_around(self.db.pool(), self.db.backend(), item.id, word).await?)
    }

    /// The path of a JPEG original with its location removed, made on first use.
    ///
    /// # Errors
    /// The original is missing, or its EXIF block is malformed (then no original is offered).
    pub async fn original_without_location(&self, item: &ItemRow) -> AppResult<PathBuf> {
        let sha256 = Sha256::parse(&item.sha256)?;
        if let Some(path) = self.blobs.derived_path(&sha256, Derived::WithoutLocation).await {
            return Ok(path);
        }
        let original = self.blob_path(item).await?;
        // The decoder child makes the copy; it is stored as it comes, and kept only when whole.
        let (pieces, received) = tokio::sync::mpsc::channel(8);
        let write_cleaned: DerivedWriter = Box::new(move |out| decoder::write_received(received, out));
        let (cleaned, stored) = tokio::join!(
            self.previews.decoder().without_location(&original, pieces),
            self.blobs.put_derived(&sha256, Derived::WithoutLocation, write_cleaned)
        );
        match cleaned {
            Err(DecodeError::Hearth(e)) => return Err(AppError::Internal(e)),
            Err(e) => {
                tracing::warn!(item = item.id, error = %e, "cannot remove the location from an original");
                return Err(AppError::Forbidden(
                    "This photo records where it was taken and cannot be offered without it.".to_owned(),
                ));
            }
            Ok(_) => stored.map_err(anyhow::Error::from)?,
        }
        self.blobs
            .derived_path(&sha256, Derived::WithoutLocation)
            .await
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the cleaned original vanished")))
    }

    /// Shares an item with the family or makes it private again (owner only).
    ///
    /// # Errors
    /// Not the owner, or not visible.
    pub async fn set_visibility(&self, user: &Identity, id: i64, visibility: Visibility) -> AppResult<ItemRow> {
        let item = self.item(user, id).await?;
        if item.owner_id != user.user_id {
            return Err(AppError::Forbidden("Only the person who uploaded it can change who sees it.".to_owned()));
        }
        items::set_visibility(self.db.pool(), id, visibility.as_str()).await?;
        self.load(id).await
    }

    /// Moves an item to the trash (the owner, or an admin for a family item).
    ///
    /// # Errors
    /// Not allowed, or not visible.
    pub async fn trash(&self, user: &Identity, id: i64) -> AppResult<()> {
        let item = self.item(user, id).await?;
        if item.owner_id != user.user_id && !user.is_admin() {
            return Err(AppError::Forbidden(
                "Only the person who uploaded it, or a family admin, can delete it.".to_owned(),
            ));
        }
        if item.deleted_at.is_none() {
            items::set_deleted(self.db.pool(), id, Some(unix_now())).await?;
        }
        Ok(())
    }

    /// Brings one of the user's items back from the trash.
    ///
    /// # Errors
    /// Not the owner's item in the trash.
    pub async fn restore(&self, user: &Identity, id: i64) -> AppResult<ItemRow> {
        let item = self.own_trashed(user, id).await?;
        items::set_deleted(self.db.pool(), item.id, None).await?;
        self.load(id).await
    }

    /// The user's items in the trash, most recently deleted first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn trashed(&self, user: &Identity, cursor: Option<(i64, i64)>, limit: i64) -> AppResult<Page<ItemRow>> {
        let limit = page_size(limit);
        let rows = items::trash(self.db.pool(), user.user_id, cursor, limit + 1).await?;
        Ok(Page::of(rows, limit, |item| (item.deleted_at.unwrap_or_default(), item.id)))
    }

    /// Deletes one of the user's trashed items for good, and its bytes if no item uses them.
    ///
    /// # Errors
    /// Not the owner's item in the trash; storage failure.
    pub async fn purge(&self, user: &Identity, id: i64) -> AppResult<()> {
        self.own_trashed(user, id).await?;
        if let Some(sha256) = items::delete(self.db.pool(), id).await? {
            self.delete_unused_blob(&sha256).await?;
        }
        Ok(())
    }

    /// Deletes items that have been in the trash longer than the retention, and blobs no
    /// item uses any more. Returns how many items went.
    ///
    /// # Errors
    /// Database or storage failure.
    pub async fn purge_expired(&self) -> AppResult<usize> {
        let cutoff = unix_now() - self.config.trash_days * 24 * 3600;
        let hashes = items::purge_trashed_before(self.db.pool(), cutoff).await?;
        for sha256 in &hashes {
            self.delete_unused_blob(sha256).await?;
        }
        Ok(hashes.len())
    }

    async fn own_trashed(&self, user: &Identity, id: i64) -> AppResult<ItemRow> {
        items::by_id(self.db.pool(), id)
            .await?
            .filter(|item| item.owner_id == user.user_id && item.deleted_at.is_some())
            .ok_or_else(|| AppError::NotFound("There is no such item in your trash.".to_owned()))
    }

    pub(crate) async fn delete_unused_blob(&self, sha256: &str) -> AppResult<()> {
        if !items::blob_in_use(self.db.pool(), sha256).await? {
            let sha256 = Sha256::parse(sha256)?;
            self.blobs.delete(&sha256).await.map_err(|e| anyhow::anyhow!("deleting blob {sha256}: {e}"))?;
        }
        Ok(())
    }
}

/// Whether the file is a text document, whose text is kept for search.
fn is_text(sniffed: media::Sniffed) -> bool {
    sniffed.kind == MediaKind::Document && sniffed.content_type.starts_with("text/")
}
