//! What a stored file is, and what can be made from it. Blocking functions: call them from
//! the worker's blocking threads.
//!
//! Interim version: recognises kinds by their first bytes and extension; previews and photo
//! metadata arrive with the media pipeline.

use std::fmt;
use std::path::Path;

/// The broad kind of an item, which decides how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Photo,
    Video,
    Document,
    Other,
}

impl MediaKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Video => "video",
            Self::Document => "document",
            Self::Other => "other",
        }
    }

    #[must_use]
    pub fn parse(raw: &str) -> Self {
        match raw {
            "photo" => Self::Photo,
            "video" => Self::Video,
            "document" => Self::Document,
            _ => Self::Other,
        }
    }
}

/// What [`sniff`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub kind: MediaKind,
    pub content_type: &'static str,
}

/// The kind and content type of a file from its first bytes and its name. Never claims
/// HTML or SVG, which must not be served inline from our origin.
#[must_use]
pub fn sniff(head: &[u8], file_name: &str) -> Sniffed {
    let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let (kind, content_type) = if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (MediaKind::Photo, "image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        (MediaKind::Photo, "image/png")
    } else if head.starts_with(b"GIF8") {
        (MediaKind::Photo, "image/gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        (MediaKind::Photo, "image/webp")
    } else if head.starts_with(b"%PDF-") {
        (MediaKind::Document, "application/pdf")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        match &head[8..12] {
            b"qt  " => (MediaKind::Video, "video/quicktime"),
            b"heic" | b"heix" | b"mif1" | b"msf1" => (MediaKind::Photo, "image/heic"),
            _ => (MediaKind::Video, "video/mp4"),
        }
    } else if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        (MediaKind::Video, "video/webm")
    } else if std::str::from_utf8(head).is_ok() && matches!(extension.as_str(), "txt" | "md" | "markdown") {
        let content_type = if extension == "txt" { "text/plain" } else { "text/markdown" };
        (MediaKind::Document, content_type)
    } else {
        (MediaKind::Other, "application/octet-stream")
    };
    Sniffed { kind, content_type }
}

/// Facts read from a photo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhotoInfo {
    pub width: u32,
    pub height: u32,
    pub taken_at: Option<i64>,
    pub camera: Option<String>,
    pub lens: Option<String>,
    pub gps: Option<(f64, f64)>,
}

/// How a rendition fits its box; never larger than the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    LongEdge(u32),
    ShortEdge(u32),
}

/// A JPEG made from an original.
#[derive(Debug, Clone)]
pub struct Rendition {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why there is no preview, in words for the family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaError {
    Unsupported(String),
    Corrupt(String),
    TooLarge(String),
}

impl fmt::Display for MediaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(reason) | Self::Corrupt(reason) | Self::TooLarge(reason) => f.write_str(reason),
        }
    }
}

/// # Errors
/// Always, in this interim version.
pub fn read_photo_info(_path: &Path, _content_type: &str) -> Result<PhotoInfo, MediaError> {
    Err(MediaError::Unsupported("photo details are not read yet".to_owned()))
}

/// # Errors
/// Always, in this interim version.
pub fn render_previews(_path: &Path, _content_type: &str, _fits: &[Fit]) -> Result<Vec<Rendition>, MediaError> {
    Err(MediaError::Unsupported("previews are not made yet".to_owned()))
}
