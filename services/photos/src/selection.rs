//! Acting on many items at once (ADR 0068): adding them to an album, their files, the trash and
//! back, who sees them. Each item is checked as it would be alone (who sees it, who may change
//! it); what the person may not do to an item is left as it is and counted, so the page can say
//! so, and nothing is half done without a word.

use std::path::PathBuf;

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use crate::db::albums::{self, AlbumRow};
use crate::db::items::{self, ItemRow};
use crate::domain::Visibility;
use crate::library::Library;

/// Most items one selection may hold: a few screens of the timeline.
pub const MAX_SELECTED: usize = 1000;

/// What became of a selection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The items it was done to.
    pub done: Vec<i64>,
    /// The items left as they were: not the person's to change, or no longer there.
    pub skipped: usize,
}

impl Outcome {
    fn record(&mut self, id: i64, done: bool) {
        if done {
            self.done.push(id);
        } else {
            self.skipped += 1;
        }
    }
}

impl Library {
    /// The selected items the user sees, in the order given; the others are counted.
    async fn seen_of(&self, user: &Identity, ids: &[i64]) -> AppResult<(Vec<ItemRow>, usize)> {
        let mut seen = Vec::with_capacity(ids.len());
        let mut unseen = 0;
        for id in ids {
            match items::seen_by(self.db.pool(), user.user_id, *id).await? {
                Some(item) => seen.push(item),
                None => unseen += 1,
            }
        }
        Ok((seen, unseen))
    }

    /// Moves the selected items to the trash: the user's own, and as an admin the family's.
    ///
    /// # Errors
    /// Database failure.
    pub async fn trash_selected(&self, user: &Identity, ids: &[i64]) -> AppResult<Outcome> {
        let (seen, unseen) = self.seen_of(user, ids).await?;
        let mut outcome = Outcome { skipped: unseen, ..Outcome::default() };
        let now = unix_now();
        for item in seen {
            let allowed = (item.owner_id == user.user_id || user.is_admin()) && item.deleted_at.is_none();
            if allowed {
                items::set_deleted(self.db.pool(), item.id, Some(now)).await?;
            }
            outcome.record(item.id, allowed);
        }
        Ok(outcome)
    }

    /// Brings the selected items back from the user's trash (an undo of
    /// [`Library::trash_selected`]). An admin's undo brings back the family's items they
    /// trashed too.
    ///
    /// # Errors
    /// Database failure.
    pub async fn restore_selected(&self, user: &Identity, ids: &[i64]) -> AppResult<Outcome> {
        let mut outcome = Outcome::default();
        for id in ids {
            let item = items::by_id(self.db.pool(), *id).await?;
            let allowed = item
                .is_some_and(|item| item.deleted_at.is_some() && (item.owner_id == user.user_id || user.is_admin()));
            if allowed {
                items::set_deleted(self.db.pool(), *id, None).await?;
            }
            outcome.record(*id, allowed);
        }
        Ok(outcome)
    }

    /// Shares the selected items with the family or makes them private: those the user
    /// uploaded.
    ///
    /// # Errors
    /// Database failure.
    pub async fn set_visibility_selected(
        &self,
        user: &Identity,
        ids: &[i64],
        visibility: Visibility,
    ) -> AppResult<Outcome> {
        let (seen, unseen) = self.seen_of(user, ids).await?;
        let mut outcome = Outcome { skipped: unseen, ..Outcome::default() };
        for item in seen {
            let allowed = item.owner_id == user.user_id && item.deleted_at.is_none();
            if allowed && item.visibility != visibility.as_str() {
                items::set_visibility(self.db.pool(), item.id, visibility.as_str()).await?;
            }
            outcome.record(item.id, allowed);
        }
        Ok(outcome)
    }

    /// Adds the selected items the user sees to the end of one of their albums.
    ///
    /// # Errors
    /// An album that is not theirs; database failure.
    pub async fn add_selected_to_album(
        &self,
        user: &Identity,
        album_id: i64,
        ids: &[i64],
    ) -> AppResult<(AlbumRow, Outcome)> {
        let (album, _) = self.album(user, album_id).await?;
        if album.owner_id != user.user_id {
            return Err(AppError::Forbidden("Only the person who made this album can add to it.".to_owned()));
        }
        let (seen, unseen) = self.seen_of(user, ids).await?;
        let mut outcome = Outcome { skipped: unseen, ..Outcome::default() };
        for item in &seen {
            outcome.record(item.id, item.deleted_at.is_none());
        }
        albums::add_items(self.db.pool(), album_id, &outcome.done, unix_now()).await?;
        let (album, _) = self.album(user, album_id).await?;
        Ok((album, outcome))
    }

    /// The selected items the user sees that are not in the trash, with where their bytes are,
    /// for one download.
    ///
    /// # Errors
    /// Nothing of the selection can be downloaded; database or storage failure.
    pub async fn selected_files(&self, user: &Identity, ids: &[i64]) -> AppResult<Vec<(ItemRow, PathBuf)>> {
        let (seen, _) = self.seen_of(user, ids).await?;
        let mut files = Vec::with_capacity(seen.len());
        for item in seen.into_iter().filter(|item| item.deleted_at.is_none()) {
            let path = self.blob_path(&item).await?;
            files.push((item, path));
        }
        if files.is_empty() {
            return Err(AppError::NotFound("None of the selected items can be downloaded.".to_owned()));
        }
        Ok(files)
    }
}
