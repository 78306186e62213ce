//! A file's kind and content type from its first bytes, with the file name only to tell apart
//! formats that share a container (a zip is a .docx or an .odt; UTF-8 is a note or Markdown).
//!
//! The content type is what the file is served with, so this never answers `text/html` or
//! `image/svg+xml`: a page or a drawing that can carry script is stored as
//! `application/octet-stream`, like anything else not on the list.

use super::{MediaKind, Sniffed};

const OTHER: Sniffed = Sniffed { kind: MediaKind::Other, content_type: "application/octet-stream" };

/// What the file whose first bytes are `head` (at least 512 when it has them) is, given the
/// name its owner gave it.
#[must_use]
pub fn sniff(head: &[u8], file_name: &str) -> Sniffed {
    let extension = extension(file_name);
    by_signature(head, &extension).or_else(|| by_text(head, &extension)).unwrap_or(OTHER)
}

const fn photo(content_type: &'static str) -> Sniffed {
    Sniffed { kind: MediaKind::Photo, content_type }
}

const fn video(content_type: &'static str) -> Sniffed {
    Sniffed { kind: MediaKind::Video, content_type }
}

const fn document(content_type: &'static str) -> Sniffed {
    Sniffed { kind: MediaKind::Document, content_type }
}

/// The lowercase extension of the last component of `file_name`, or "".
fn extension(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    base.rsplit_once('.').map(|(_, extension)| extension.to_ascii_lowercase()).unwrap_or_default()
}

fn by_signature(head: &[u8], extension: &str) -> Option<Sniffed> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\xFF\xD8\xFF") {
        Some(photo("image/jpeg"))
    } else if at(0, b"\x89PNG\r\n\x1A\n") {
        Some(photo("image/png"))
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some(photo("image/gif"))
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some(photo("image/webp"))
    } else if at(0, b"RIFF") && at(8, b"AVI ") {
        Some(video("video/x-msvideo"))
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Some(photo("image/tiff"))
    } else if at(4, b"ftyp") {
        iso_media(head)
    } else if at(0, b"\x1A\x45\xDF\xA3") {
        matroska(head)
    } else if at(0, b"%PDF-") {
        Some(document("application/pdf"))
    } else if at(0, b"PK\x03\x04") {
        office_zip(extension)
    } else if at(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        office_compound(extension)
    } else if QUICKTIME_ATOMS.iter().any(|atom| at(4, *atom)) && matches!(extension, "mov" | "qt") {
        Some(video("video/quicktime"))
    } else {
        None
    }
}

/// Top-level atoms that old QuickTime files (before `ftyp` existed) start with.
const QUICKTIME_ATOMS: [&[u8; 4]; 5] = [b"moov", b"mdat", b"wide", b"free", b"pnot"];

/// An ISO base media file (`ftyp` box first): HEIF/AVIF pictures by any of their brands,
/// else a video by its major brand.
fn iso_media(head: &[u8]) -> Option<Sniffed> {
    let declared = head
        .get(0..4)
        .and_then(|size| size.try_into().ok())
        .map_or(0, |size: [u8; 4]| u32::from_be_bytes(size) as usize);
    let end = declared.clamp(16, head.len().max(16)).min(head.len());
    let major: &[u8] = head.get(8..12)?;
    let compatible = head.get(16..end).unwrap_or_default().chunks_exact(4);
    let brands: Vec<&[u8]> = std::iter::once(major).chain(compatible).collect();
    let any = |wanted: &[&[u8; 4]]| brands.iter().any(|brand| wanted.iter().any(|w| w.as_slice() == *brand));
    if any(&[b"avif", b"avis"]) {
        Some(photo("image/avif"))
    } else if any(&[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"]) {
        Some(photo("image/heic"))
    } else if any(&[b"mif1", b"msf1"]) {
        Some(photo("image/heif"))
    } else {
        match major {
            b"qt  " => Some(video("video/quicktime")),
            // Audio-only MPEG-4 and Canon's CR3 raw files share the container, not the kind.
            b"M4A " | b"M4B " | b"M4P " | b"F4A " | b"crx " => None,
            brand if brand.starts_with(b"3g") => Some(video("video/3gpp")),
            _ => Some(video("video/mp4")),
        }
    }
}

/// An EBML file: WebM or Matroska by the DocType, which follows the header within a few bytes.
fn matroska(head: &[u8]) -> Option<Sniffed> {
    let header = &head[..head.len().min(64)];
    let contains = |needle: &[u8]| header.windows(needle.len()).any(|w| w == needle);
    if contains(b"webm") {
        Some(video("video/webm"))
    } else if contains(b"matroska") {
        Some(video("video/x-matroska"))
    } else {
        None
    }
}

fn office_zip(extension: &str) -> Option<Sniffed> {
    let content_type = match extension {
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "odp" => "application/vnd.oasis.opendocument.presentation",
        _ => return None,
    };
    Some(document(content_type))
}

/// Office files from before 2007, in Microsoft's compound file format.
fn office_compound(extension: &str) -> Option<Sniffed> {
    let content_type = match extension {
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "ppt" => "application/vnd.ms-powerpoint",
        _ => return None,
    };
    Some(document(content_type))
}

/// Notes and Markdown: the right extension and text that is UTF-8 without control characters.
fn by_text(head: &[u8], extension: &str) -> Option<Sniffed> {
    let content_type = match extension {
        "txt" | "text" => "text/plain; charset=utf-8",
        "md" | "markdown" => "text/markdown; charset=utf-8",
        _ => return None,
    };
    is_utf8_text(head).then_some(document(content_type))
}

fn is_utf8_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The head may end inside a character; what comes before must be valid.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(prefix: &[u8]) -> Vec<u8> {
        let mut head = prefix.to_vec();
        head.resize(512, 0);
        head
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut head = u32::try_from(size).unwrap_or(0).to_be_bytes().to_vec();
        head.extend_from_slice(b"ftyp");
        head.extend_from_slice(major);
        head.extend_from_slice(&[0, 0, 0, 0]);
        for brand in compatible {
            head.extend_from_slice(*brand);
        }
        head.extend_from_slice(b"\0\0\0\x08free");
        padded(&head)
    }

    fn content_type(head: &[u8], name: &str) -> &'static str {
        sniff(head, name).content_type
    }

    #[test]
    fn pictures_by_signature_whatever_their_name() {
        let cases: [(&[u8], &str); 7] = [
            (b"\xFF\xD8\xFF\xE1\0\0Exif", "image/jpeg"),
            (b"\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR", "image/png"),
            (b"GIF89a\x01\0\x01\0", "image/gif"),
            (b"GIF87a\x01\0\x01\0", "image/gif"),
            (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
            (b"II*\0\x08\0\0\0", "image/tiff"),
            (b"MM\0*\0\0\0\x08", "image/tiff"),
        ];
        for (magic, expected) in cases {
            let sniffed = sniff(&padded(magic), "upload.bin");
            assert_eq!(sniffed, photo(expected), "{expected}");
        }
    }

    #[test]
    fn heif_family_by_brand() {
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"]), "IMG_0001.HEIC"), photo("image/heic"));
        assert_eq!(content_type(&ftyp(b"mif1", &[b"heix"]), "a"), "image/heic");
        assert_eq!(content_type(&ftyp(b"hevc", &[b"msf1"]), "a"), "image/heic");
        assert_eq!(content_type(&ftyp(b"mif1", &[b"mif1"]), "a"), "image/heif");
        assert_eq!(content_type(&ftyp(b"msf1", &[]), "a"), "image/heif");
        assert_eq!(content_type(&ftyp(b"avif", &[b"mif1", b"miaf"]), "a"), "image/avif");
    }

    #[test]
    fn videos_by_container() {
        assert_eq!(sniff(&ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"]), "clip.mp4"), video("video/mp4"));
        assert_eq!(content_type(&ftyp(b"mp42", &[b"mp42"]), "a"), "video/mp4");
        assert_eq!(content_type(&ftyp(b"qt  ", &[b"qt  "]), "IMG_0002.MOV"), "video/quicktime");
        assert_eq!(content_type(&ftyp(b"3gp4", &[]), "a"), "video/3gpp");
        assert_eq!(content_type(&padded(b"\0\0\0\x08wide\0\0\0\0mdat"), "old.mov"), "video/quicktime");
        let webm = padded(b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm");
        assert_eq!(sniff(&webm, "a.webm"), video("video/webm"));
        let mkv = padded(b"\x1A\x45\xDF\xA3\xA3\x42\x82\x88matroska");
        assert_eq!(content_type(&mkv, "a.mkv"), "video/x-matroska");
        assert_eq!(content_type(&padded(b"RIFF\0\0\0\0AVI LIST"), "a.avi"), "video/x-msvideo");
    }

    #[test]
    fn other_iso_media_is_not_a_video() {
        assert_eq!(sniff(&ftyp(b"M4A ", &[b"M4A "]), "song.m4a"), OTHER);
        assert_eq!(sniff(&ftyp(b"crx ", &[b"crx "]), "IMG_1.CR3"), OTHER);
        assert_eq!(sniff(&padded(b"\0\0\0\x08mdat"), "raw.bin"), OTHER);
    }

    #[test]
    fn documents() {
        assert_eq!(sniff(&padded(b"%PDF-1.7\n%"), "scan.pdf"), document("application/pdf"));
        let zip = padded(b"PK\x03\x04\x14\0\x06\0");
        assert_eq!(
            content_type(&zip, "Letter.DOCX"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(
            content_type(&zip, "budget.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            content_type(&zip, "talk.pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        );
        assert_eq!(content_type(&zip, "notes.odt"), "application/vnd.oasis.opendocument.text");
        assert_eq!(content_type(&zip, "sums.ods"), "application/vnd.oasis.opendocument.spreadsheet");
        assert_eq!(content_type(&zip, "slides.odp"), "application/vnd.oasis.opendocument.presentation");
        assert_eq!(sniff(&zip, "photos.zip"), OTHER);
        let compound = padded(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        assert_eq!(content_type(&compound, "old.doc"), "application/msword");
        assert_eq!(sniff(&compound, "thumbs.db"), OTHER);
    }

    #[test]
    fn notes_and_markdown_when_utf8() {
        let note = "Shopping: milk, bread, café\n".as_bytes();
        assert_eq!(sniff(note, "list.txt"), document("text/plain; charset=utf-8"));
        assert_eq!(sniff(b"# Holiday\n\n- pack\tbags\r\n", "plan.md"), document("text/markdown; charset=utf-8"));
        assert_eq!(content_type(b"# Recipes", "recipes.markdown"), "text/markdown; charset=utf-8");
        assert_eq!(content_type(b"", "empty.txt"), "text/plain; charset=utf-8");
    }

    #[test]
    fn a_head_cut_inside_a_character_is_still_text() {
        let mut head = "a".repeat(511).into_bytes();
        head.extend_from_slice(&"é".as_bytes()[..1]);
        assert_eq!(content_type(&head, "long.txt"), "text/plain; charset=utf-8");
    }

    #[test]
    fn binary_or_unnamed_text_is_other() {
        assert_eq!(sniff(b"\xC3\x28 not utf-8", "broken.txt"), OTHER);
        assert_eq!(sniff(b"nul \0 inside", "binary.txt"), OTHER);
        assert_eq!(sniff(b"just words", "README"), OTHER);
        assert_eq!(sniff(b"a,b\n1,2\n", "table.csv"), OTHER);
        assert_eq!(sniff(b"", "nothing"), OTHER);
    }

    #[test]
    fn never_html_or_svg() {
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>";
        for (head, name) in
            [(&html[..], "page.html"), (&html[..], "page.htm"), (&svg[..], "drawing.svg"), (&svg[..], "drawing.xml")]
        {
            assert_eq!(sniff(head, name), OTHER, "{name}");
        }
        let sniffed = sniff(html, "page.txt");
        assert_eq!(sniffed.content_type, "text/plain; charset=utf-8");
    }

    #[test]
    fn extensions_come_from_the_last_path_component() {
        assert_eq!(extension("IMG_0001.JPG"), "jpg");
        assert_eq!(extension("dir.v2/readme"), "");
        assert_eq!(extension("C:\\Users\\mum\\notes.TXT"), "txt");
        assert_eq!(extension("archive.tar.gz"), "gz");
        assert_eq!(extension(""), "");
    }
}
