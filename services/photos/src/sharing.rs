//! Share links: a token of 256 random bits that lets a guest with no account see one album
//! or one item — optionally until a date, optionally behind a password, revocable. A link
//! never shows more than the family sees: private and trashed items are not served to guests
//! (`db::items::GUEST_SEES`). Guests never see where photos were taken unless the sharer
//! chose to show it, and then only for photos the sharer uploaded. Password guesses are
//! throttled per link and per address.

use std::net::IpAddr;
use std::time::Duration;

use hearth_shared::db::unix_now;
use hearth_shared::passwords::{self, PasswordHash};
use hearth_shared::throttle::{Refused, Throttle};
use hearth_shared::tokens::{constant_time_eq, hash_token, random_token};
use hearth_shared::{AppError, AppResult, Identity};

use crate::db::albums;
use crate::db::items::{self, ItemRow};
use crate::db::shares::{self, ShareRow};
use crate::domain::{ShareOptions, Visibility};
use crate::library::{Library, Page, page_size};

/// What a share link points at.
#[derive(Debug, Clone, Copy)]
pub enum ShareTarget {
    Album(i64),
    Item(i64),
}

impl ShareTarget {
    /// What `share` points at.
    ///
    /// # Errors
    /// [`AppError::Gone`] for a link that points at nothing.
    pub fn of(share: &ShareRow) -> AppResult<Self> {
        match (share.album_id, share.item_id) {
            (Some(album_id), _) => Ok(Self::Album(album_id)),
            (None, Some(item_id)) => Ok(Self::Item(item_id)),
            (None, None) => Err(gone()),
        }
    }
}

fn gone() -> AppError {
    AppError::Gone("What this link pointed at has been deleted, or is no longer shared.".to_owned())
}

/// What a password guess counts against ([`GUESSES_PER_LINK`], [`GUESSES_PER_ADDRESS`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GuessKey {
    /// One link, by its id.
    Link(String),
    /// One client address, across links.
    Address(IpAddr),
}

/// The window over which wrong share-link passwords are counted.
pub const GUESS_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Wrong passwords one link accepts per window, from anyone.
pub const GUESSES_PER_LINK: usize = 10;
/// Wrong passwords one address may type per window, across links.
pub const GUESSES_PER_ADDRESS: usize = 30;

/// Wrong share-link passwords in the current window.
pub(crate) fn guess_throttle() -> Throttle<GuessKey> {
    Throttle::new(GUESS_WINDOW)
}

/// A share link as a guest opens it.
#[derive(Debug)]
pub struct OpenShare {
    pub share: ShareRow,
    /// The album's name, or the item's file name.
    pub title: String,
    /// What the guest may see, in order.
    pub items: Vec<ItemRow>,
}

impl Library {
    /// Makes a link to one of the user's albums or items; the token is returned this once.
    /// An item must be shared with the family first: a link never shows what the family
    /// cannot see.
    ///
    /// # Errors
    /// Not the owner of what is shared, a private or trashed item, or invalid options.
    pub async fn create_share(
        &self,
        user: &Identity,
        target: ShareTarget,
        options: ShareOptions,
    ) -> AppResult<(String, ShareRow)> {
        let (album_id, item_id) = match target {
            ShareTarget::Album(id) => {
                let (album, _) = self.album(user, id).await?;
                if album.owner_id != user.user_id {
                    return Err(AppError::Forbidden("Only the person who made this album can share it.".to_owned()));
                }
                (Some(id), None)
            }
            ShareTarget::Item(id) => {
                let item = self.item(user, id).await?;
                if item.owner_id != user.user_id {
                    return Err(AppError::Forbidden("Only the person who uploaded it can share it.".to_owned()));
                }
                if item.deleted_at.is_some() {
                    return Err(AppError::Invalid("This is in the trash: restore it first.".to_owned()));
                }
                if item.visibility != Visibility::Family.as_str() {
                    return Err(AppError::Invalid(
                        "Only you see this. Share it with the family first, then make a link: a link never \
                         shows what the family cannot see."
                            .to_owned(),
                    ));
                }
                (None, Some(id))
            }
        };
        let password_hash = match options.password {
            Some(password) => Some(password.hash().await?.0),
            None => None,
        };
        let now = unix_now();
        let token = random_token();
        let share = ShareRow {
            id: random_token().chars().take(11).collect(),
            owner_id: user.user_id,
            album_id,
            item_id,
            password_hash,
            show_location: i64::from(options.show_location),
            created_at: now,
            expires_at: options.expires_in_days.map(|days| now + days * 24 * 3600),
            revoked_at: None,
            owner_name: Some(user.display_name.clone()),
        };
        shares::insert(self.db.pool(), &share, &hash_token(&token)).await?;
        tracing::info!(share = share.id, owner = user.user_id, "share link created");
        Ok((token, share))
    }

    /// The user's links that have not been revoked, newest first.
    ///
    /// # Errors
    /// Database failure.
    pub async fn shares(
        &self,
        user: &Identity,
        cursor: Option<(i64, String)>,
        limit: i64,
    ) -> AppResult<Page<ShareRow, String>> {
        let limit = page_size(limit);
        let after = cursor.as_ref().map(|(at, id)| (*at, id.as_str()));
        let rows = shares::by_owner(self.db.pool(), user.user_id, after, limit + 1).await?;
        Ok(Page::of(rows, limit, |share| (share.created_at, share.id.clone())))
    }

    /// The user's live links to one of their albums.
    ///
    /// # Errors
    /// Database failure.
    pub async fn album_shares(&self, user: &Identity, album_id: i64) -> AppResult<Vec<ShareRow>> {
        Ok(shares::for_album(self.db.pool(), user.user_id, album_id).await?)
    }

    /// Stops a link from working, at once.
    ///
    /// # Errors
    /// Not one of the user's links.
    pub async fn revoke_share(&self, user: &Identity, id: &str) -> AppResult<()> {
        if shares::revoke(self.db.pool(), user.user_id, id, unix_now()).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("You have no link with that id.".to_owned()))
        }
    }

    /// The share behind a token, if it still works (password not checked here).
    ///
    /// # Errors
    /// [`AppError::NotFound`] for an unknown or revoked link, [`AppError::Gone`] for an
    /// expired one.
    pub async fn share_by_token(&self, token: &str) -> AppResult<ShareRow> {
        let share =
            shares::by_token(self.db.pool(), &hash_token(token)).await?.filter(|s| s.revoked_at.is_none()).ok_or_else(
                || AppError::NotFound("This link does not work: it was never made, or it was withdrawn.".to_owned()),
            )?;
        if share.expires_at.is_some_and(|at| at <= unix_now()) {
            return Err(AppError::Gone("This link has expired. Ask whoever sent it for a new one.".to_owned()));
        }
        Ok(share)
    }

    /// Checks a guest's password for the link behind `token`. The guess counts against the
    /// link and the guest's address before it is checked, so that a burst of guesses is
    /// refused at once; a right one is not counted.
    ///
    /// # Errors
    /// [`AppError::TooManyRequests`] after too many wrong passwords, [`AppError::Unauthorized`]
    /// for a wrong one; as [`Library::share_by_token`] for a link that does not work.
    pub async fn unlock_share(&self, token: &str, password: &str, address: Option<IpAddr>) -> AppResult<ShareRow> {
        let share = self.share_by_token(token).await?;
        let Some(hash) = share.password_hash.clone() else {
            return Ok(share);
        };
        let mut limits = vec![(GuessKey::Link(share.id.clone()), GUESSES_PER_LINK)];
        limits.extend(address.map(|address| (GuessKey::Address(address), GUESSES_PER_ADDRESS)));
        let attempt = self.guesses.begin(limits).map_err(|refused| too_many_guesses(refused, &share))?;
        if passwords::verify(password, Some(&PasswordHash(hash))).await? {
            attempt.succeeded();
            Ok(share)
        } else {
            // The attempt stays counted.
            Err(AppError::Unauthorized("That password is not right.".to_owned()))
        }
    }

    /// What the guest sees: the shared item, or the album's items, as far as guests see them
    /// (`db::items::GUEST_SEES`).
    ///
    /// # Errors
    /// What was shared no longer exists or is no longer shared.
    pub async fn open_share(&self, share: ShareRow) -> AppResult<OpenShare> {
        let pool = self.db.pool();
        let (title, items) = match ShareTarget::of(&share)? {
            ShareTarget::Album(album_id) => {
                let album = albums::by_id(pool, share.owner_id, album_id).await?.ok_or_else(gone)?;
                (album.name, albums::items_seen_by_guests(pool, album_id).await?)
            }
            ShareTarget::Item(item_id) => {
                let item = items::seen_by_guests(pool, item_id).await?.ok_or_else(gone)?;
                (item.file_name.clone(), vec![item])
            }
        };
        Ok(OpenShare { share, title, items })
    }

    /// One item of what the link shows, if guests see it (`db::items::GUEST_SEES`).
    ///
    /// # Errors
    /// [`AppError::NotFound`] for anything else.
    pub async fn shared_item(&self, share: &ShareRow, id: i64) -> AppResult<ItemRow> {
        let pool = self.db.pool();
        let item = match ShareTarget::of(share)? {
            ShareTarget::Album(album_id) => albums::item_seen_by_guests(pool, album_id, id).await?,
            ShareTarget::Item(item_id) if item_id == id => items::seen_by_guests(pool, id).await?,
            ShareTarget::Item(_) => None,
        };
        item.ok_or_else(|| AppError::NotFound("That is not part of this link.".to_owned()))
    }
}

fn too_many_guesses(refused: Refused, share: &ShareRow) -> AppError {
    tracing::warn!(share = share.id, "share-link password guesses throttled");
    let minutes = refused.retry_after_minutes();
    let wait = if minutes == 1 { "a minute".to_owned() } else { format!("{minutes} minutes") };
    AppError::TooManyRequests {
        message: format!("Too many wrong passwords were typed for this link. Wait {wait} and try again."),
        retry_after_secs: refused.retry_after_secs(),
    }
}

/// The cookie value that proves a guest typed a protected link's password: a hash of the
/// link's token and its password hash, which only someone who knew both could make.
#[must_use]
pub fn unlock_proof(token: &str, share: &ShareRow) -> Option<String> {
    share.password_hash.as_ref().map(|hash| hash_token(&format!("{token}:{hash}")))
}

/// Whether `cookie` proves the password was typed for this link.
#[must_use]
pub fn is_unlocked(token: &str, share: &ShareRow, cookie: Option<&str>) -> bool {
    match (unlock_proof(token, share), cookie) {
        (None, _) => true,
        (Some(proof), Some(cookie)) => constant_time_eq(proof.as_bytes(), cookie.as_bytes()),
        (Some(_), None) => false,
    }
}

/// What a guest may download of an item through a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestDownload {
    /// The original file.
    Original,
    /// The original JPEG with its EXIF location removed (other tags kept).
    OriginalWithoutLocation,
    /// The large preview, which carries no metadata: the original records where the photo
    /// was taken and the sharer keeps that private.
    PreviewWithoutLocation,
    /// Nothing, for the reason given.
    NotOffered(&'static str),
}

/// Whether guests of the link may learn where the item was taken: only when the sharer
/// chose so, and only for what the sharer uploaded (an album can hold other members' photos,
/// whose places are theirs to give).
#[must_use]
pub fn shows_location(share: &ShareRow, item: &ItemRow) -> bool {
    share.show_location != 0 && item.owner_id == share.owner_id
}

/// Originals go to guests only when they cannot reveal a place kept private: photos whose
/// EXIF was read and holds no GPS, documents, or anything whose location the link shows
/// ([`shows_location`]). A JPEG with GPS goes with its location removed; other photos with GPS
/// as their preview. Videos may carry a location we do not read, so they need that choice.
#[must_use]
pub fn guest_download(share: &ShareRow, item: &ItemRow) -> GuestDownload {
    if shows_location(share, item) {
        return GuestDownload::Original;
    }
    match item.kind.as_str() {
        "photo" if item.width.is_some() && item.gps_lat.is_none() => GuestDownload::Original,
        "photo" if item.width.is_some() && item.content_type == "image/jpeg" => GuestDownload::OriginalWithoutLocation,
        "photo" if item.preview == "ready" => GuestDownload::PreviewWithoutLocation,
        "photo" => GuestDownload::NotOffered("This photo is not ready to download yet."),
        "video" => {
            GuestDownload::NotOffered("Videos can record where they were filmed, and this link keeps that private.")
        }
        _ => GuestDownload::Original,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(show_location: bool) -> ShareRow {
        ShareRow {
            id: "s".to_owned(),
            owner_id: 1,
            album_id: Some(1),
            item_id: None,
            password_hash: None,
            show_location: i64::from(show_location),
            created_at: 0,
            expires_at: None,
            revoked_at: None,
            owner_name: None,
        }
    }

    fn item(kind: &str, facts_read: bool, gps: bool, preview: &str) -> ItemRow {
        ItemRow {
            id: 1,
            owner_id: 1,
            sha256: String::new(),
            size: 1,
            file_name: "x".to_owned(),
            content_type: String::new(),
            kind: kind.to_owned(),
            visibility: "family".to_owned(),
            uploaded_at: 0,
            taken_at: None,
            sort_at: 0,
            width: facts_read.then_some(10),
            height: facts_read.then_some(10),
            camera: None,
            lens: None,
            gps_lat: gps.then_some(52.0),
            gps_lon: gps.then_some(4.0),
            preview: preview.to_owned(),
            preview_error: None,
            deleted_at: None,
            taken_offset_minutes: None,
            exposure_time: None,
            f_number_hundredths: None,
            iso: None,
            focal_length_hundredths: None,
            focal_length_35mm: None,
        }
    }

    #[test]
    fn guests_never_get_a_location_the_sharer_kept_private() {
        let hidden = share(false);
        assert_eq!(guest_download(&hidden, &item("photo", true, false, "ready")), GuestDownload::Original);
        assert_eq!(guest_download(&hidden, &item("photo", true, true, "ready")), GuestDownload::PreviewWithoutLocation);
        let jpeg = ItemRow { content_type: "image/jpeg".to_owned(), ..item("photo", true, true, "ready") };
        assert_eq!(guest_download(&hidden, &jpeg), GuestDownload::OriginalWithoutLocation);
        assert!(matches!(
            guest_download(&hidden, &item("photo", false, false, "pending")),
            GuestDownload::NotOffered(_)
        ));
        assert!(matches!(guest_download(&hidden, &item("video", false, false, "none")), GuestDownload::NotOffered(_)));
        assert_eq!(guest_download(&hidden, &item("document", false, false, "none")), GuestDownload::Original);
        assert_eq!(guest_download(&share(true), &item("video", false, false, "none")), GuestDownload::Original);
    }

    #[test]
    fn a_link_shows_only_the_places_of_what_its_sharer_uploaded() {
        let showing = share(true);
        let own = item("photo", true, true, "ready");
        assert!(shows_location(&showing, &own));
        assert_eq!(guest_download(&showing, &own), GuestDownload::Original);
        let someone_elses = ItemRow { owner_id: 2, content_type: "image/jpeg".to_owned(), ..own };
        assert!(!shows_location(&showing, &someone_elses));
        assert_eq!(guest_download(&showing, &someone_elses), GuestDownload::OriginalWithoutLocation);
        let their_video = ItemRow { owner_id: 2, ..item("video", false, false, "none") };
        assert!(matches!(guest_download(&showing, &their_video), GuestDownload::NotOffered(_)));
    }
}
