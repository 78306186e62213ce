//! The viewer's use cases (ADR 0065): an item's neighbours in the list it was opened from (the
//! timeline, an album, a search, a share link), and where in that list "back" returns to.
//! Each list is read as its page reads it, through the same rule of who sees what.

use hearth_shared::{AppResult, Identity};

use crate::db::items::{self, ItemRow, Towards};
use crate::domain::SearchQuery;
use crate::library::Library;

/// Of the timeline page "back" opens, how many items come before the one that was shown, so
/// that it is not at the very top.
const SHOWN_ABOVE: usize = 30;

/// The list an item was opened from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Browsing {
    Timeline,
    Album(i64),
    Search(SearchQuery),
}

/// An item's place in its list: the items either side of it, and for the timeline, the page
/// it is on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Neighbours {
    /// The item before it: newer in the timeline and a search, earlier in an album.
    pub previous: Option<i64>,
    /// The item after it.
    pub next: Option<i64>,
    /// The cursor of a timeline page that shows the item, a little way down; `None` when it is
    /// on the first page (or the list is not the timeline).
    pub page_cursor: Option<(i64, i64)>,
}

impl Neighbours {
    /// The item's neighbours in a list held whole (an album, a share link's items).
    #[must_use]
    pub fn in_list(list: &[ItemRow], id: i64) -> Self {
        let Some(at) = list.iter().position(|item| item.id == id) else {
            return Self::default();
        };
        Self {
            previous: at.checked_sub(1).map(|before| list[before].id),
            next: list.get(at + 1).map(|after| after.id),
            page_cursor: None,
        }
    }
}

impl Library {
    /// The neighbours of `item` (which the user sees) in the list it was opened from. A
    /// timeline page holds `page` items: `page_cursor` is the page on which it appears.
    ///
    /// # Errors
    /// An album the user may not see; database failure.
    pub async fn neighbours(
        &self,
        user: &Identity,
        item: &ItemRow,
        browsing: &Browsing,
        page: i64,
    ) -> AppResult<Neighbours> {
        let pool = self.db.pool();
        let place = Some((item.sort_at, item.id));
        match browsing {
            Browsing::Timeline => {
                let newer = items::timeline(pool, user.user_id, place, Towards::Newer, page).await?;
                let older = items::timeline(pool, user.user_id, place, Towards::Older, 1).await?;
                let on_first_page = newer.len() < usize::try_from(page).unwrap_or(usize::MAX);
                let page_cursor = if on_first_page {
                    None
                } else {
                    newer.get(SHOWN_ABOVE.min(newer.len().saturating_sub(1))).map(|row| (row.sort_at, row.id))
                };
                Ok(Neighbours {
                    previous: newer.first().map(|row| row.id),
                    next: older.first().map(|row| row.id),
                    page_cursor,
                })
            }
            Browsing::Album(album_id) => {
                let (_, list) = self.album(user, *album_id).await?;
                Ok(Neighbours::in_list(&list, item.id))
            }
            Browsing::Search(query) => {
                let newer = items::search(pool, user.user_id, query, place, Towards::Newer, 1).await?;
                let older = items::search(pool, user.user_id, query, place, Towards::Older, 1).await?;
                Ok(Neighbours {
                    previous: newer.first().map(|row| row.id),
                    next: older.first().map(|row| row.id),
                    page_cursor: None,
                })
            }
        }
    }
}
