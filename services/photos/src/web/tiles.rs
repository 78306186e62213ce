//! The tiles of the grids (timeline, albums, search, share links) and the days that head the
//! timeline. A tile carries its shape as a class (`r30` is 3:2), since the CSP allows no style
//! attribute: the stylesheet turns it into a justified grid (ADR 0066).

use crate::db::items::ItemRow;
use crate::domain::TakenAt;
use crate::domain::taken::{day_label, utc_clock};

/// Shapes are kept in twentieths: `r20` is square, `r8` the tallest (2:5), `r60` the widest
/// (3:1); anything past those is shown cropped to them.
const NARROWEST: f64 = 8.0;
const WIDEST: f64 = 60.0;
const SQUARE: u32 = 20;

/// One tile of a grid.
pub(super) struct Tile {
    pub id: i64,
    pub file_name: String,
    pub kind: String,
    /// pending, ready or none.
    pub preview: String,
    /// Its shape: width over height, in twentieths.
    pub ratio: u32,
    /// The item's page.
    pub href: String,
    pub thumbnail: String,
    /// The original, for a video tile's first frame.
    pub original: String,
    /// Whether it can be picked for an action (a member's grid, not a guest's).
    pub selectable: bool,
}

impl Tile {
    /// A tile of a member's grid; `suffix` keeps the item page in the list it was opened from.
    pub(super) fn member(row: ItemRow, suffix: &str) -> Self {
        let base = format!("/photos/items/{}", row.id);
        Self::new(row, format!("{base}{suffix}"), &base, true)
    }

    /// A tile of a share link's grid.
    pub(super) fn guest(row: ItemRow, token: &str) -> Self {
        let base = format!("/photos/s/{token}/items/{}", row.id);
        Self::new(row, base.clone(), &base, false)
    }

    fn new(row: ItemRow, href: String, base: &str, selectable: bool) -> Self {
        Self {
            ratio: ratio(row.width, row.height),
            thumbnail: format!("{base}/thumbnail"),
            original: format!("{base}/original"),
            href,
            selectable,
            id: row.id,
            file_name: row.file_name,
            kind: row.kind,
            preview: row.preview,
        }
    }
}

/// The shape class of a `width` × `height` item, square when unknown.
fn ratio(width: Option<i64>, height: Option<i64>) -> u32 {
    match (width, height) {
        (Some(width), Some(height)) if width > 0 && height > 0 => {
            let twentieths = (width as f64 / height as f64 * 20.0).round().clamp(NARROWEST, WIDEST);
            twentieths as u32
        }
        _ => SQUARE,
    }
}

/// The tiles of one day, under its date.
pub(super) struct Day {
    pub label: String,
    pub tiles: Vec<Tile>,
}

/// The day an item belongs to: the camera's day when it was taken (a photo at 23:30 is on that
/// evening's day, wherever the camera was), else the day of its upload in UTC.
pub(super) fn day_of(row: &ItemRow) -> String {
    let clock = match row.taken_at {
        Some(at) => TakenAt::new(at, row.taken_offset_minutes).clock(),
        None => utc_clock(row.sort_at),
    };
    clock.map_or_else(|| "Unknown date".to_owned(), day_label)
}

/// Rows in order, grouped under their days.
pub(super) fn by_day(rows: Vec<ItemRow>, suffix: &str) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    for row in rows {
        let label = day_of(&row);
        let tile = Tile::member(row, suffix);
        match days.last_mut() {
            Some(day) if day.label == label => day.tiles.push(tile),
            _ => days.push(Day { label, tiles: vec![tile] }),
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_twentieths_within_bounds() {
        assert_eq!(ratio(Some(6000), Some(4000)), 30);
        assert_eq!(ratio(Some(3024), Some(4032)), 15);
        assert_eq!(ratio(Some(1000), Some(1000)), 20);
        assert_eq!(ratio(Some(30_000), Some(100)), 60, "a panorama is shown as wide as the widest");
        assert_eq!(ratio(Some(10), Some(30_000)), 8);
        assert_eq!(ratio(None, Some(10)), SQUARE);
        assert_eq!(ratio(Some(0), Some(0)), SQUARE);
    }
}
