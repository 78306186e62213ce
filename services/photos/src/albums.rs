//! Albums: a person's ordered selection of items, private or shared with the family. Only
//! the album's owner changes it; viewers see the items in it that they may see.

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use crate::db::albums::{self, AlbumRow};
use crate::db::items::ItemRow;
use crate::domain::{AlbumName, Visibility};
use crate::library::{Library, Page, page_size};

/// Which way an item moves in its album.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Earlier,
    Later,
}

/// Changes to an album; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct AlbumChanges<'a> {
    pub name: Option<&'a str>,
    pub visibility: Option<Visibility>,
    pub cover_item_id: Option<i64>,
}

impl Library {
    /// # Errors
    /// An invalid name, or database failure.
    pub async fn create_album(&self, user: &Identity, name: &str, visibility: Visibility) -> AppResult<AlbumRow> {
        let name = AlbumName::parse(name)?;
        let id = albums::insert(self.db.pool(), user.user_id, name.as_str(), visibility.as_str(), unix_now()).await?;
        self.album_row(user, id).await
    }

    /// The album, whoever may see it, with the items `user` sees counted.
    async fn album_row(&self, user: &Identity, id: i64) -> AppResult<AlbumRow> {
        albums::by_id(self.db.pool(), user.user_id, id)
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such album.".to_owned()))
    }

    /// Albums the user sees, the most recently changed first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn albums(&self, user: &Identity, cursor: Option<(i64, i64)>, limit: i64) -> AppResult<Page<AlbumRow>> {
        let limit = page_size(limit);
        let rows = albums::visible_to(self.db.pool(), user.user_id, cursor, limit + 1).await?;
        Ok(Page::of(rows, limit, |album| (album.updated_at, album.id)))
    }

    /// The user's own albums, to add things to.
    ///
    /// # Errors
    /// Database failure.
    pub async fn own_albums(&self, user: &Identity) -> AppResult<Vec<AlbumRow>> {
        Ok(albums::owned_by(self.db.pool(), user.user_id).await?)
    }

    /// An album the user may see, and the items in it they may see, in order.
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an album that is not theirs and not the family's.
    pub async fn album(&self, user: &Identity, id: i64) -> AppResult<(AlbumRow, Vec<ItemRow>)> {
        let album = self.album_row(user, id).await?;
        if album.owner_id != user.user_id && album.visibility != Visibility::Family.as_str() {
            return Err(AppError::NotFound("There is no such album, or it is not shared with you.".to_owned()));
        }
        let items = albums::items(self.db.pool(), id, user.user_id).await?;
        Ok((album, items))
    }

    /// The album, if the user owns it (to change it).
    async fn own_album(&self, user: &Identity, id: i64) -> AppResult<AlbumRow> {
        let (album, _) = self.album(user, id).await?;
        if album.owner_id == user.user_id {
            Ok(album)
        } else {
            Err(AppError::Forbidden("Only the person who made this album can change it.".to_owned()))
        }
    }

    /// Renames, shares or unshares an album, or sets its cover (an item in it).
    ///
    /// # Errors
    /// Not the owner, an invalid name, or a cover that is not in the album.
    pub async fn change_album(&self, user: &Identity, id: i64, changes: AlbumChanges<'_>) -> AppResult<AlbumRow> {
        let album = self.own_album(user, id).await?;
        let name = AlbumName::parse(changes.name.unwrap_or(&album.name))?;
        let visibility = changes.visibility.map_or(album.visibility.clone(), |v| v.as_str().to_owned());
        if let Some(cover) = changes.cover_item_id
            && !albums::contains(self.db.pool(), id, cover).await?
        {
            return Err(AppError::Invalid("The cover must be one of the album's items.".to_owned()));
        }
        let cover = changes.cover_item_id.or(album.cover_item_id);
        albums::update(self.db.pool(), id, name.as_str(), &visibility, cover, unix_now()).await?;
        self.album_row(user, id).await
    }

    /// Deletes an album (its items stay in the library).
    ///
    /// # Errors
    /// Not the owner.
    pub async fn delete_album(&self, user: &Identity, id: i64) -> AppResult<()> {
        self.own_album(user, id).await?;
        albums::delete(self.db.pool(), id).await?;
        Ok(())
    }

    /// Adds items the owner may see to the end of the album.
    ///
    /// # Errors
    /// Not the owner, or an item they may not see.
    pub async fn add_to_album(&self, user: &Identity, id: i64, item_ids: &[i64]) -> AppResult<AlbumRow> {
        self.own_album(user, id).await?;
        for item_id in item_ids {
            let item = self.item(user, *item_id).await?;
            if item.deleted_at.is_some() {
                return Err(AppError::Invalid(format!("{} is in the trash.", item.file_name)));
            }
        }
        albums::add_items(self.db.pool(), id, item_ids, unix_now()).await?;
        self.album_row(user, id).await
    }

    /// The item that stands for the album: its cover if the viewer may see it, else its
    /// first item.
    ///
    /// # Errors
    /// The album is not visible to the user.
    pub async fn album_cover(&self, user: &Identity, id: i64) -> AppResult<Option<ItemRow>> {
        let (album, mut items) = self.album(user, id).await?;
        let cover = album.cover_item_id.and_then(|cover| items.iter().position(|i| i.id == cover)).unwrap_or(0);
        Ok((cover < items.len()).then(|| items.swap_remove(cover)))
    }

    /// Takes an item out of the album (it stays in the library).
    ///
    /// # Errors
    /// Not the owner, or the item is not in the album.
    pub async fn remove_from_album(&self, user: &Identity, id: i64, item_id: i64) -> AppResult<()> {
        self.own_album(user, id).await?;
        if albums::remove_item(self.db.pool(), id, item_id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("That item is not in this album.".to_owned()))
        }
    }

    /// Moves an item one place earlier or later in its album.
    ///
    /// # Errors
    /// Not the owner, or the item is not in the album.
    pub async fn move_in_album(&self, user: &Identity, id: i64, item_id: i64, step: Step) -> AppResult<()> {
        self.own_album(user, id).await?;
        let mut order = albums::item_order(self.db.pool(), id).await?;
        let at = order
            .iter()
            .position(|i| *i == item_id)
            .ok_or_else(|| AppError::NotFound("That item is not in this album.".to_owned()))?;
        let to = match step {
            Step::Earlier => at.checked_sub(1),
            Step::Later => Some(at + 1).filter(|to| *to < order.len()),
        };
        if let Some(to) = to {
            order.swap(at, to);
            albums::reorder(self.db.pool(), id, &order).await?;
        }
        Ok(())
    }

    /// Puts the listed items first, in that order.
    ///
    /// # Errors
    /// Not the owner.
    pub async fn reorder_album(&self, user: &Identity, id: i64, item_ids: &[i64]) -> AppResult<()> {
        self.own_album(user, id).await?;
        albums::reorder(self.db.pool(), id, item_ids).await?;
        Ok(())
    }
}
