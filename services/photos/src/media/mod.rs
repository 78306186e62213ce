//! What a stored file is and what can be made from it: its kind and content type from its
//! first bytes ([`sniff`]), a photo's size and EXIF facts ([`read_photo_info`]), JPEG
//! renditions for grids and previews ([`render_previews`]) and the memory they take
//! ([`memory_to_render`]), a PDF's text ([`pdf_text`]) and its first page
//! ([`render_pdf_page`]), and a JPEG without its location ([`copy_without_location`]).
//!
//! Everything here is blocking and CPU-bound (a 24-megapixel JPEG takes about 0.2 s of one
//! core), and nothing here touches the database or the network. Hostile files end as a
//! [`MediaError`] where the libraries let us see it coming; where they do not (a PDF that
//! recurses, a decompression bomb), only a process of its own is safe. So the service calls
//! none of this on an uploaded file's bytes itself, except [`sniff`] on the first 512: the
//! decoder child ([`crate::decoder`]) does, within its limits.

mod decode;
#[cfg(feature = "heic")]
mod heif;
#[cfg(not(feature = "heic"))]
#[path = "heif_missing.rs"]
mod heif;
mod location;
mod metadata;
mod orientation;
mod pdf_page;
mod preview;
mod sniff;
mod text;

pub use location::{LocationError, copy_without_location};
pub use metadata::read_photo_info;
pub use pdf_page::render_pdf_page;
pub use preview::{memory_to_render, render_previews};
pub use sniff::sniff;
pub use text::{clean_text, pdf_text};

/// Most pixels a picture may have to be decoded. 100 megapixels is past every camera a family
/// owns; a header claiming more is refused before anything is allocated for it.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Longest side a picture may have to be decoded: a 30,000-pixel panorama is fine, a strip of
/// 100,000 × 1 pixels that a decoder would buffer row by row is not.
pub const MAX_SIDE: u32 = 30_000;

/// Most bytes one decode may allocate (`image::Limits::max_alloc`, and the JPEG decoder's
/// output limit): 100 megapixels of RGBA fit, a file whose data lies about its size does not.
pub const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Most bytes that reading a photo's facts and the cost of its previews allocates
/// ([`read_photo_info`], then [`memory_to_render`]): each reads the header under its own bound,
/// and a TIFF's EXIF is the whole file.
pub const INFO_BYTES: u64 = 2 * decode::HEADER_BYTES + metadata::MAX_TIFF_EXIF_BYTES;

/// What the family sees a file as. Stored in the database as [`MediaKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    Photo,
    Video,
    Document,
    Other,
}

impl MediaKind {
    /// The kind's name in the database.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Video => "video",
            Self::Document => "document",
            Self::Other => "other",
        }
    }

    /// The kind stored as `value`; `None` for a name this version does not know.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "photo" => Some(Self::Photo),
            "video" => Some(Self::Video),
            "document" => Some(Self::Document),
            "other" => Some(Self::Other),
            _ => None,
        }
    }
}

/// What [`sniff`] made of a file: its kind and the content type to serve it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub kind: MediaKind,
    pub content_type: &'static str,
}

/// A photo's facts, as a person would see it: `width` and `height` are after the EXIF
/// orientation is applied (a portrait shot stored sideways is taller than wide).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhotoInfo {
    pub width: u32,
    pub height: u32,
    /// When it was taken, in Unix seconds; the camera's clock is taken as UTC when the EXIF
    /// has no offset.
    pub taken_at: Option<i64>,
    /// "Make Model", without the make twice ("Canon EOS R5", "Apple iPhone 15").
    pub camera: Option<String>,
    pub lens: Option<String>,
    /// Latitude and longitude in degrees, south and west negative.
    pub gps: Option<(f64, f64)>,
    /// The offset from UTC of the camera's clock when the photo was taken, in minutes, when the
    /// EXIF says (OffsetTimeOriginal).
    #[serde(default)]
    pub taken_offset_minutes: Option<i16>,
    #[serde(default)]
    pub exposure: Exposure,
}

/// How a photo was exposed, as the camera recorded it, each value within what a camera can do.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exposure {
    /// Seconds as a reduced fraction: `1/250`, `2`, `13/10`.
    pub exposure_time: Option<String>,
    /// The f-number in hundredths: 180 for f/1.8.
    pub f_number_hundredths: Option<u32>,
    /// ISO speed.
    pub iso: Option<u32>,
    /// The focal length in hundredths of a millimetre: 686 for 6.86 mm.
    pub focal_length_hundredths: Option<u32>,
    /// The focal length a 35 mm camera would need for the same view, in millimetres.
    pub focal_length_35mm: Option<u32>,
}

/// How big a rendition should be. A picture smaller than the fit keeps its own size: never
/// upscaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The longer side gets this many pixels (a preview that fits a screen).
    LongEdge(u32),
    /// The shorter side gets this many pixels (a grid cell cropped to a square by the page).
    ShortEdge(u32),
}

impl Fit {
    /// The size of this fit's rendition of a `width` × `height` picture: the named side at the
    /// fit's length, the other in proportion (at least 1), or the picture's own size when it is
    /// no larger than that.
    #[must_use]
    pub fn target_size(self, width: u32, height: u32) -> (u32, u32) {
        let (side, length) = match self {
            Self::LongEdge(length) => (width.max(height), length.max(1)),
            Self::ShortEdge(length) => (width.min(height), length.max(1)),
        };
        if length >= side {
            return (width, height);
        }
        let scale = |edge: u32| {
            let scaled = (u64::from(edge) * u64::from(length) + u64::from(side) / 2) / u64::from(side);
            u32::try_from(scaled).unwrap_or(edge).max(1)
        };
        (scale(width), scale(height))
    }
}

/// One rendition: a baseline JPEG, upright.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why a file has no preview. `Display` is the reason a family member reads after
/// "no preview: ".
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Not a kind of file we make previews of, or a variant of one that the decoders lack.
    #[error("{0}")]
    Unsupported(String),
    /// Damaged or incomplete: the decoder gave up (or panicked) on the data.
    #[error("{0}")]
    Corrupt(String),
    /// Refused by the pixel or memory limits, before the memory was taken.
    #[error("{0}")]
    TooLarge(String),
    /// The stored file could not be opened or read: our failure, not the file's, and worth
    /// another try later rather than a "no preview" mark.
    #[error("the stored file could not be read")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_database_names() {
        for kind in [MediaKind::Photo, MediaKind::Video, MediaKind::Document, MediaKind::Other] {
            assert_eq!(MediaKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(MediaKind::parse("Photo"), None);
    }

    #[test]
    fn fits_scale_the_named_edge_and_keep_the_proportions() {
        assert_eq!(Fit::LongEdge(1440).target_size(6000, 4000), (1440, 960));
        assert_eq!(Fit::LongEdge(1440).target_size(4000, 6000), (960, 1440));
        assert_eq!(Fit::ShortEdge(400).target_size(6000, 4000), (600, 400));
        assert_eq!(Fit::ShortEdge(400).target_size(3024, 4032), (400, 533));
    }

    #[test]
    fn fits_never_upscale() {
        assert_eq!(Fit::LongEdge(1440).target_size(800, 600), (800, 600));
        assert_eq!(Fit::ShortEdge(400).target_size(1000, 400), (1000, 400));
    }

    #[test]
    fn extreme_fits_keep_at_least_one_pixel() {
        assert_eq!(Fit::LongEdge(10).target_size(30_000, 2), (10, 1));
        assert_eq!(Fit::LongEdge(0).target_size(100, 50), (1, 1));
    }

    #[test]
    fn errors_read_as_their_reason() {
        let error = MediaError::Corrupt("the picture is damaged or incomplete".to_owned());
        assert_eq!(format!("no preview: {error}"), "no preview: the picture is damaged or incomplete");
    }
}
