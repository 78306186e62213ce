//! The decoder child from the service's side (`hearth-photos decode`), on honest files of
//! every format and on hostile ones made here: what comes back, and how a file that breaks a
//! reader ends (refused, or unreadable with what it ran out of) while this process, standing
//! in for the service, carries on. Then the same files uploaded to the service itself, on
//! SQLite and PostgreSQL: the reason on the item's page and in the API, the service still
//! answering, no second reading after a restart, and the budget held with many workers.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hearth_photos::AppState;
use hearth_photos::config::{DecoderConfig, PhotosConfig};
use hearth_photos::decoder::{DecodeError, Decoder, Streamed, memory_for};
use hearth_photos::media::{self, Fit, MediaError, PhotoInfo, Rendition};
use hearth_portal::testing::{Family, Person};
use hearth_shared::db::Backend;
use hearth_shared::{AuthClient, Config, both_backends};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tempfile::TempDir;

const MIB: u64 = 1024 * 1024;
const FITS: [Fit; 2] = [Fit::ShortEdge(400), Fit::LongEdge(1440)];

/// The decoder as the service has it, with `memory_mb` for all decodes in flight.
fn decoder(memory_mb: u64) -> Decoder {
    decoder_program(Path::new(env!("CARGO_BIN_EXE_hearth-photos")), memory_mb, 30)
}

fn decoder_program(program: &Path, memory_mb: u64, cpu_seconds: u64) -> Decoder {
    Decoder::new(&DecoderConfig { program: program.to_owned(), memory_bytes: memory_mb * MIB, cpu_seconds })
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("fixture written");
    path
}

/// A photograph-like picture: gradients and a little noise, so that it compresses as photos do.
fn photo(width: u32, height: u32) -> RgbImage {
    photo_seeded(width, height, 0x9E37_79B9)
}

/// [`photo`] with noise of its own: pictures of different seeds are different files.
fn photo_seeded(width: u32, height: u32, mut seed: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = u8::try_from(seed % 24).expect("small");
        let shade = |value: u32, side: u32| u8::try_from(value * 200 / side.max(1)).expect("below 256");
        Rgb([shade(x, width) + noise, shade(y, height) + noise, 90 + noise])
    })
}

fn jpeg(pixels: &RgbImage, progressive: bool) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
    encoder.set_progressive(progressive);
    let (width, height) = (u16::try_from(pixels.width()).expect("side"), u16::try_from(pixels.height()).expect("side"));
    encoder.encode(pixels.as_raw(), width, height, jpeg_encoder::ColorType::Rgb).expect("JPEG encoded");
    bytes
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).expect("encoded");
    bytes.into_inner()
}

/// The facts and renditions of the file at `path`, as the worker reads a photo.
async fn previews_of(
    decoder: &Decoder,
    path: &Path,
    content_type: &str,
) -> Result<(PhotoInfo, Vec<Rendition>), DecodeError> {
    let (info, renditions) = decoder.photo(path, content_type, &FITS).await?;
    Ok((info, renditions?))
}

/// Honest pictures are read within the memory their header says they need: the child is
/// given exactly that, so an estimate short of the truth would fail here.
#[tokio::test]
async fn honest_pictures_of_every_format_fit_in_what_their_header_says() {
    let dir = TempDir::new().expect("temp dir");
    // JPEGs large enough that a progressive one's coefficients dominate; the others smaller,
    // to keep the test quick, since their estimates scale with the pixels alone.
    let large = photo(3000, 2000);
    let medium = DynamicImage::ImageRgb8(photo(2000, 1500));
    let small = DynamicImage::ImageRgb8(photo(600, 400));
    let deep = DynamicImage::ImageRgba16(medium.to_rgba16());
    let cases = [
        ("baseline.jpg", "image/jpeg", jpeg(&large, false), (3000, 2000)),
        ("progressive.jpg", "image/jpeg", jpeg(&large, true), (3000, 2000)),
        ("photo.png", "image/png", encoded(&medium, ImageFormat::Png), (2000, 1500)),
        ("deep.png", "image/png", encoded(&deep, ImageFormat::Png), (2000, 1500)),
        ("photo.tif", "image/tiff", encoded(&medium, ImageFormat::Tiff), (2000, 1500)),
        ("photo.webp", "image/webp", encoded(&medium, ImageFormat::WebP), (2000, 1500)),
        ("photo.gif", "image/gif", encoded(&small, ImageFormat::Gif), (600, 400)),
    ];
    let decoder = decoder(1024);
    for (name, content_type, bytes, size) in cases {
        let path = write(&dir, name, &bytes);
        let (info, renditions) =
            previews_of(&decoder, &path, content_type).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((info.width, info.height), size, "{name}");
        let (thumbnail, preview) = (&renditions[0], &renditions[1]);
        assert_eq!(thumbnail.height, 400.min(size.1), "{name}");
        assert_eq!(preview.width, 1440.min(size.0), "{name}");
        assert!(thumbnail.bytes.starts_with(b"\xFF\xD8\xFF") && preview.bytes.starts_with(b"\xFF\xD8\xFF"), "{name}");
    }
    assert!(decoder.peak_reserved_bytes() <= decoder.budget_bytes());
}

/// A HEIC of `width` × `height` written by libheif (x265).
#[cfg(feature = "heic")]
fn heic(width: u32, height: u32) -> Vec<u8> {
    use libheif_rs::{Channel, ColorSpace, CompressionFormat, EncoderQuality, HeifContext, Image, LibHeif, RgbChroma};
    let pixels = photo(width, height);
    let mut image = Image::new(width, height, ColorSpace::Rgb(RgbChroma::Rgb)).expect("HEIF image");
    image.create_plane(Channel::Interleaved, width, height, 24).expect("HEIF plane");
    let plane = image.planes_mut().interleaved.expect("interleaved plane");
    let row = width as usize * 3;
    for (y, source) in pixels.as_raw().chunks_exact(row).enumerate() {
        plane.data[y * plane.stride..y * plane.stride + row].copy_from_slice(source);
    }
    let library = LibHeif::new();
    let mut encoder = library.encoder_for_format(CompressionFormat::Hevc).expect("an HEVC encoder");
    encoder.set_quality(EncoderQuality::Lossy(80)).expect("quality");
    let mut context = HeifContext::new().expect("HEIF context");
    context.encode_image(&image, &mut encoder, None).expect("HEIC encoded");
    context.write_to_bytes().expect("HEIC written")
}

#[cfg(feature = "heic")]
#[tokio::test]
async fn an_honest_heic_fits_in_what_its_header_says() {
    let dir = TempDir::new().expect("temp dir");
    let path = write(&dir, "IMG_0001.HEIC", &heic(1024, 768));
    let (info, renditions) = previews_of(&decoder(1024), &path, "image/heic").await.expect("read");
    assert_eq!((info.width, info.height), (1024, 768));
    assert_eq!((renditions[1].width, renditions[1].height), (1024, 768));
}

/// A HEIC whose image size property (`ispe`) claims 60,000 × 60,000 is refused from its header
/// (by libheif's own limits or by Hearth's), never decoded.
#[cfg(feature = "heic")]
#[tokio::test]
async fn a_heic_claiming_a_huge_size_is_refused_from_its_header() {
    let dir = TempDir::new().expect("temp dir");
    let mut bytes = heic(64, 48);
    let ispe = bytes.windows(4).position(|tag| tag == b"ispe").expect("an ispe box") + 8;
    bytes[ispe..ispe + 4].copy_from_slice(&60_000u32.to_be_bytes());
    bytes[ispe + 4..ispe + 8].copy_from_slice(&60_000u32.to_be_bytes());
    let path = write(&dir, "huge.heic", &bytes);
    let refused = match decoder(256).photo(&path, "image/heic", &FITS).await {
        Ok((_, renditions)) => renditions.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(matches!(refused, Err(DecodeError::Refused(_))), "{refused:?}");
}

/// The facts a camera wrote come back across the pipe, and a guest's copy loses the location.
#[tokio::test]
async fn facts_text_and_a_copy_without_location_come_back_from_the_child() {
    use exif::{Field, In, Rational, Tag, Value};
    let dir = TempDir::new().expect("temp dir");
    let degrees = |d| Value::Rational(vec![Rational::from((d, 1)), Rational::from((30, 1)), Rational::from((0, 1))]);
    let ascii =
        |tag, text: &str| Field { tag, ifd_num: In::PRIMARY, value: Value::Ascii(vec![text.as_bytes().to_vec()]) };
    let fields = [
        ascii(Tag::Make, "Canon"),
        ascii(Tag::Model, "Canon EOS R5"),
        ascii(Tag::GPSLatitudeRef, "N"),
        Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: degrees(52) },
        ascii(Tag::GPSLongitudeRef, "E"),
        Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: degrees(4) },
    ];
    let mut writer = exif::experimental::Writer::new();
    fields.iter().for_each(|field| writer.push_field(field));
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF");
    let plain = jpeg(&photo(64, 48), false);
    let app1 = [b"Exif\0\0".as_slice(), &tiff.into_inner()].concat();
    let mut located = vec![0xFF, 0xD8, 0xFF, 0xE1];
    located.extend(u16::try_from(app1.len() + 2).expect("short").to_be_bytes());
    located.extend(app1);
    located.extend(&plain[2..]);
    let path = write(&dir, "at-home.jpg", &located);

    let decoder = decoder(512);
    let (info, _) = decoder.photo(&path, "image/jpeg", &FITS).await.expect("facts");
    assert_eq!(info.camera.as_deref(), Some("Canon EOS R5"));
    assert!(info.gps.is_some_and(|(lat, lon)| (lat - 52.5).abs() < 1e-6 && (lon - 4.5).abs() < 1e-6));

    let (pieces, mut received) = tokio::sync::mpsc::channel(8);
    let collecting = tokio::spawn(async move {
        let mut copy = Vec::new();
        while let Some(piece) = received.recv().await {
            match piece {
                Streamed::Bytes(bytes) => copy.extend(bytes),
                Streamed::End => return Some(copy),
            }
        }
        None
    });
    assert!(decoder.without_location(&path, pieces).await.expect("cleaned"), "the location was removed");
    let copy = collecting.await.expect("task").expect("the copy ended whole");
    assert_eq!(copy.len(), located.len());
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(&copy)).expect("EXIF");
    assert!(exif.fields().all(|f| f.tag != Tag::GPSLatitude) && exif.fields().any(|f| f.tag == Tag::Model));

    let (pieces, _received) = tokio::sync::mpsc::channel(8);
    let gif = write(&dir, "not.jpg", b"GIF89a not a jpeg");
    assert!(matches!(decoder.without_location(&gif, pieces).await, Err(DecodeError::Refused(_))));

    let letter = write(&dir, "letter.pdf", &letter("Insurance renewal"));
    assert!(decoder.pdf_text(&letter, 1000).await.expect("text").contains("Insurance renewal"));
    let broken = write(&dir, "broken.pdf", b"%PDF-1.4 this is not really a PDF");
    assert!(matches!(decoder.pdf_text(&broken, 1000).await, Err(DecodeError::Refused(_))));
}

/// A PDF of the objects after the catalog and page tree (numbered from 3, the first a page),
/// with a correct cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let kids: Vec<String> = (3..)
        .zip(objects)
        .filter(|(_, body)| body.starts_with(b"<< /Type /Page "))
        .map(|(number, _)| format!("{number} 0 R"))
        .collect();
    let mut all = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), kids.len()).into_bytes(),
    ];
    all.extend_from_slice(objects);
    pdf_of(&all)
}

/// A PDF of exactly these objects (numbered from 1, the first the catalog).
fn pdf_of(all: &[Vec<u8>]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (number, body) in (1..).zip(all) {
        offsets.push(pdf.len());
        pdf.extend(format!("{number} 0 obj\n").as_bytes());
        pdf.extend(body);
        pdf.extend(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 {}\n0000000000 65535 f \n", all.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend(format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", all.len() + 1).as_bytes());
    pdf
}

fn stream(dictionary: &str, data: &[u8]) -> Vec<u8> {
    let mut object = format!("<< {dictionary} /Length {} >>\nstream\n", data.len()).into_bytes();
    object.extend(data);
    object.extend(b"\nendstream");
    object
}

/// A one-page PDF: the page (object 3) shows `contents` (object 4) with Helvetica as `/F1`
/// (object 5) and the form `form` as `/X1` (object 6).
fn one_page(contents: Vec<u8>, form: Vec<u8>) -> Vec<u8> {
    let page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
        /Resources << /Font << /F1 5 0 R >> /XObject << /X1 6 0 R >> >> >>";
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
    pdf(&[page.to_vec(), contents, font.to_vec(), form])
}

fn empty_form() -> Vec<u8> {
    stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", b"")
}

/// A letter whose page says `text`.
fn letter(text: &str) -> Vec<u8> {
    one_page(stream("", format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET").as_bytes()), empty_form())
}

/// The issue's 591-byte PDF, made again: a form XObject whose content draws itself.
fn self_drawing_pdf() -> Vec<u8> {
    let form = "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /X1 6 0 R >> >>";
    one_page(stream("", b"/X1 Do"), stream(form, b"/X1 Do"))
}

/// A page whose content is a Flate stream of `text_bytes` of drawn text, from a few hundred KB.
fn flate_bomb_pdf(text_bytes: usize) -> Vec<u8> {
    let line = b"BT /F1 12 Tf 72 720 Td (All work and no play makes Jack a dull boy) Tj ET\n";
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..text_bytes / line.len() {
        encoder.write_all(line).expect("compressed");
    }
    one_page(stream("/Filter /FlateDecode", &encoder.finish().expect("compressed")), empty_form())
}

/// A page whose content nests arrays `depth` deep.
fn deeply_nested_pdf(depth: usize) -> Vec<u8> {
    let mut content = "[".repeat(depth).into_bytes();
    content.extend("]".repeat(depth).as_bytes());
    content.extend(b" TJ");
    one_page(stream("", &content), empty_form())
}

/// Ends as the worker would mark it: unreadable (the child died of the file, the reason says
/// of what) or refused (the child said no); never a failure of Hearth's own.
fn reason_of(outcome: Result<String, DecodeError>) -> String {
    match outcome {
        Err(DecodeError::Unreadable(reason)) => format!("could not be read ({reason})"),
        Err(DecodeError::Refused(reason)) => format!("refused ({reason})"),
        Err(DecodeError::Hearth(e)) => panic!("Hearth's own failure: {e:#}"),
        Ok(text) => panic!("read {} characters", text.len()),
    }
}

#[tokio::test]
async fn a_pdf_that_draws_itself_ends_its_child_not_the_service() {
    let dir = TempDir::new().expect("temp dir");
    let bytes = self_drawing_pdf();
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
    let path = write(&dir, "self.pdf", &bytes);
    let decoder = decoder(512);
    let started = Instant::now();
    let reason = reason_of(decoder.pdf_text(&path, 1000).await);
    assert!(reason.starts_with("could not be read (") && reason.contains("nested too deeply"), "{reason}");
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    // The same decoder reads the next file as if nothing had happened.
    let letter = write(&dir, "letter.pdf", &letter("Still here"));
    assert!(decoder.pdf_text(&letter, 1000).await.expect("text").contains("Still here"));
}

/// The issue's bomb: 200 MB of drawn text from a few hundred KB, made once for every test.
fn flate_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| flate_bomb_pdf(200 * 1024 * 1024))
}

#[tokio::test]
async fn a_flate_bomb_runs_out_of_its_memory_not_the_services() {
    let dir = TempDir::new().expect("temp dir");
    let bytes = flate_bomb();
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let path = write(&dir, "bomb.pdf", bytes);
    let reason = reason_of(decoder(1024).pdf_text(&path, 1_000_000).await);
    assert!(reason.starts_with("could not be read (") && reason.contains("memory"), "{reason}");
}

/// Nesting and self-reference nobody wrote a check for: content arrays a million deep, an
/// object as deep, a page tree that is its own child.
#[tokio::test]
async fn deep_nesting_and_loops_end_as_unreadable_or_refused() {
    let dir = TempDir::new().expect("temp dir");
    let deep_object = ["[".repeat(1_000_000), "]".repeat(1_000_000)].concat().into_bytes();
    let cases = [
        ("nested.pdf", deeply_nested_pdf(1_000_000)),
        ("nested-object.pdf", one_page(stream("", b""), deep_object)),
        (
            "own-child.pdf",
            pdf_of(&[
                b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>".to_vec(),
            ]),
        ),
    ];
    let decoder = decoder(512);
    for (name, bytes) in cases {
        let path = write(&dir, name, &bytes);
        let outcome = decoder.pdf_text(&path, 1000).await;
        if let Ok(text) = &outcome {
            assert!(text.trim().is_empty(), "{name}: {text:?}");
            continue;
        }
        let reason = reason_of(outcome);
        assert!(reason.starts_with("could not be read (") || reason.starts_with("refused ("), "{name}: {reason}");
    }
}

/// A PNG by hand: a valid IHDR claiming `width` × `height`, then one tiny IDAT.
fn png_claiming(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
    fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        png.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32fast(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, colour_type, 0, 0, 0]);
    let idat = [0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01];
    let mut png = b"\x89PNG\r\n\x1A\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn crc32fast(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// `bytes` with the 16-bit little-endian value at `at` set to `value`.
fn patched_u16_le(mut bytes: Vec<u8>, at: usize, value: u16) -> Vec<u8> {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
    bytes
}

/// A small GIF whose screen and first frame claim `side` × `side`.
fn gif_claiming(side: u16) -> Vec<u8> {
    let gif = encoded(&DynamicImage::ImageRgb8(photo(8, 8)), ImageFormat::Gif);
    // After the header and screen descriptor, the global palette, then extension blocks
    // (0x21, a label, sub-blocks) until the first image descriptor (0x2C).
    let palette = if gif[10] & 0x80 == 0 { 0 } else { 3 << ((gif[10] & 7) + 1) };
    let mut at = 13 + palette;
    while gif[at] == 0x21 {
        at += 2;
        while gif[at] != 0 {
            at += usize::from(gif[at]) + 1;
        }
        at += 1;
    }
    assert_eq!(gif[at], 0x2C, "an image descriptor");
    let gif = patched_u16_le(patched_u16_le(gif, 6, side), 8, side);
    patched_u16_le(patched_u16_le(gif, at + 5, side), at + 7, side)
}

/// A small lossless WebP whose VP8L header claims 16,383 × 16,383 (its 14-bit fields hold
/// one less than each side).
fn webp_claiming_the_most() -> Vec<u8> {
    let mut webp = encoded(&DynamicImage::ImageRgb8(photo(8, 8)), ImageFormat::WebP);
    let header = webp.windows(4).position(|tag| tag == b"VP8L").expect("a VP8L chunk") + 9;
    let sides = 16_382u32 | (16_382 << 14) | (u32::from(webp[header + 3] >> 4) << 28);
    webp[header..header + 4].copy_from_slice(&sides.to_le_bytes());
    webp
}

/// A small TIFF whose width and length tags claim `side` × `side`, in one strip as tall (so
/// that its layout still adds up).
fn tiff_claiming(side: u16) -> Vec<u8> {
    let mut tiff = encoded(&DynamicImage::ImageRgb8(photo(8, 8)), ImageFormat::Tiff);
    assert_eq!(&tiff[..4], b"II*\0", "little-endian TIFF");
    let ifd = usize::try_from(u32::from_le_bytes(tiff[4..8].try_into().expect("offset"))).expect("offset");
    let count = usize::from(u16::from_le_bytes([tiff[ifd], tiff[ifd + 1]]));
    for entry in (0..count).map(|i| ifd + 2 + 12 * i) {
        // ImageWidth, ImageLength, RowsPerStrip.
        if matches!(u16::from_le_bytes([tiff[entry], tiff[entry + 1]]), 256 | 257 | 278) {
            tiff[entry + 8..entry + 12].fill(0);
            tiff[entry + 8..entry + 10].copy_from_slice(&side.to_le_bytes());
        }
    }
    tiff
}

fn jpeg_claiming(side: u16) -> Vec<u8> {
    let mut jpeg = jpeg(&photo(16, 16), false);
    let frame = jpeg.windows(2).position(|marker| marker == [0xFF, 0xC0]).expect("baseline frame header");
    jpeg[frame + 5..frame + 7].copy_from_slice(&side.to_be_bytes());
    jpeg[frame + 7..frame + 9].copy_from_slice(&side.to_be_bytes());
    jpeg
}

/// Headers that claim far more than the pixel limits are refused from the header by the child
/// that reads the facts: no memory is set aside for them, no decode starts.
#[tokio::test]
async fn huge_declared_sizes_in_every_format_are_refused_from_the_header() {
    let dir = TempDir::new().expect("temp dir");
    let cases = [
        ("huge.png", "image/png", png_claiming(100_000, 100_000, 8, 2)),
        ("huge.gif", "image/gif", gif_claiming(65_535)),
        ("huge.webp", "image/webp", webp_claiming_the_most()),
        ("huge.tif", "image/tiff", tiff_claiming(60_000)),
        ("huge.jpg", "image/jpeg", jpeg_claiming(65_000)),
    ];
    let decoder = decoder(256);
    for (name, content_type, bytes) in cases {
        assert!(bytes.len() < 4096, "{name}: {} bytes", bytes.len());
        let path = write(&dir, name, &bytes);
        let started = Instant::now();
        let (_, renditions) = decoder.photo(&path, content_type, &FITS).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            matches!(&renditions, Err(DecodeError::Refused(MediaError::TooLarge(reason))) if reason.contains("megapixels")),
            "{name}: {renditions:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{name}: {:?}", started.elapsed());
    }
}

/// A 100-megapixel picture is within the pixel limit, but reading it takes far more memory
/// than a small budget: it is refused before any child is given that memory.
#[tokio::test]
async fn a_100_megapixel_png_or_gif_over_the_budget_is_refused_before_decoding() {
    let dir = TempDir::new().expect("temp dir");
    let decoder = decoder(256);
    for (name, content_type, bytes) in [
        ("100mp.png", "image/png", png_claiming(10_000, 10_000, 8, 2)),
        ("100mp-deep.png", "image/png", png_claiming(10_000, 10_000, 16, 6)),
        ("100mp.gif", "image/gif", gif_claiming(10_000)),
    ] {
        let path = write(&dir, name, &bytes);
        let memory = media::memory_to_render(&path, content_type, &FITS).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(memory > 256 * MIB, "{name}: {memory}");
        let (info, refused) = decoder.photo(&path, content_type, &FITS).await.expect("facts");
        assert_eq!((info.width, info.height), (10_000, 10_000), "{name}");
        assert!(
            matches!(&refused, Err(DecodeError::Refused(MediaError::TooLarge(reason))) if reason.contains("more than the 256 MB")),
            "{name}: {refused:?}"
        );
    }
    assert!(decoder.peak_reserved_bytes() < 256 * MIB);
}

/// Many decodes at once, more than the budget holds: they wait their turn, every one is
/// read, and the memory set aside never passes the budget.
#[tokio::test]
async fn decodes_in_flight_never_hold_more_than_the_budget() {
    let dir = TempDir::new().expect("temp dir");
    let path = write(&dir, "photo.png", &encoded(&DynamicImage::ImageRgb8(photo(2000, 1500)), ImageFormat::Png));
    let decoder = decoder(256);
    let each = memory_for(media::memory_to_render(&path, "image/png", &FITS).expect("within the limits"));
    assert!(each * 3 > 256 * MIB, "three of these ({each} bytes each) would not fit at once");
    let memory = media::memory_to_render(&path, "image/png", &FITS).expect("within the limits");
    let reads = (0..6).map(|_| decoder.previews(&path, "image/png", &FITS, memory));
    for read in futures_util::future::join_all(reads).await {
        assert_eq!(read.expect("read")[1].width, 1440);
    }
    assert!(decoder.peak_reserved_bytes() <= 256 * MIB, "{}", decoder.peak_reserved_bytes());
}

/// A program standing in for a decoder, in a shell script.
fn fake_decoder(dir: &TempDir, name: &str, script: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = write(dir, name, format!("#!/bin/sh\n{script}\n").as_bytes());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("executable");
    path
}

const HELLO: &str = r"printf 'H\000\000\000\020hearth decoder 1'";

/// What the service does about a child it cannot trust: one that never ends is stopped at
/// its deadline, one that floods its output past the cap is stopped, one that dies is told as
/// a crash, and a program that is not a decoder at all is Hearth's own failure.
#[tokio::test]
async fn children_that_hang_flood_or_die_are_stopped_and_told_apart() {
    let dir = TempDir::new().expect("temp dir");
    let file = write(&dir, "letter.pdf", b"%PDF-1.4");
    let file = file.as_path();
    let outcome = |program: PathBuf| async move { decoder_program(&program, 256, 1).pdf_text(file, 1000).await };

    let started = Instant::now();
    let hangs = outcome(fake_decoder(&dir, "hangs", &format!("{HELLO}; exec sleep 60"))).await;
    assert!(matches!(&hangs, Err(DecodeError::Unreadable(reason)) if reason.contains("longer than 2 s")), "{hangs:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());

    let floods = outcome(fake_decoder(
        &dir,
        "floods",
        &format!("{HELLO}; while :; do printf 'D\\000\\001\\000\\000'; head -c 65536 /dev/zero; done"),
    ))
    .await;
    assert!(matches!(&floods, Err(DecodeError::Unreadable(reason)) if reason.contains("more than")), "{floods:?}");

    let dies = outcome(fake_decoder(&dir, "dies", &format!("{HELLO}; kill -SEGV $$"))).await;
    assert!(matches!(&dies, Err(DecodeError::Unreadable(reason)) if reason.contains("crashed")), "{dies:?}");

    let not_a_decoder = outcome(PathBuf::from("/bin/true")).await;
    assert!(matches!(not_a_decoder, Err(DecodeError::Hearth(_))));
    let missing = outcome(PathBuf::from("/nonexistent/hearth")).await;
    assert!(matches!(missing, Err(DecodeError::Hearth(_))));
}

/// Previews of a normal photo through the decoder child against the same work in this
/// process: the child's start-up is a small part of a photo's decode.
#[tokio::test]
async fn previews_through_the_child_cost_little_more_than_in_process() {
    let dir = TempDir::new().expect("temp dir");
    let path = write(&dir, "photo.jpg", &jpeg(&photo(4000, 3000), false));
    let decoder = decoder(1024);
    previews_of(&decoder, &path, "image/jpeg").await.expect("warm-up");
    let rounds = 3;
    let started = Instant::now();
    for _ in 0..rounds {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            media::read_photo_info(&path, "image/jpeg").expect("facts");
            media::memory_to_render(&path, "image/jpeg", &FITS).expect("cost");
            media::render_previews(&path, "image/jpeg", &FITS).expect("renditions")
        })
        .await
        .expect("task");
    }
    let in_process = started.elapsed() / rounds;
    let started = Instant::now();
    for _ in 0..rounds {
        previews_of(&decoder, &path, "image/jpeg").await.expect("read");
    }
    let through_children = started.elapsed() / rounds;
    eprintln!("12-megapixel JPEG: {in_process:?} in process, {through_children:?} through the child");
    assert!(
        through_children < in_process * 2 + Duration::from_millis(500),
        "{through_children:?} against {in_process:?}"
    );
}

/// The photos service with a family, reading files with this crate's binary, and what it
/// takes to start it again on the same database and files.
struct Photos {
    family: Family,
    auth: Arc<OnceLock<AuthClient>>,
    state: Arc<OnceLock<AppState>>,
    workers: usize,
    memory_mb: u64,
}

impl Photos {
    async fn start(backend: Backend, workers: usize, memory_mb: u64) -> Option<Self> {
        let db = hearth_shared::testing::TestDatabase::create(backend).await?;
        let (auth, state) = (Arc::new(OnceLock::new()), Arc::new(OnceLock::new()));
        let (keep_auth, keep_state) = (Arc::clone(&auth), Arc::clone(&state));
        let family = Family::start(db, move |config, given| async move {
            let photos = photos_config(&config, workers, memory_mb);
            let app = AppState::new(config, photos, given.clone()).await.expect("photos state");
            let _ = keep_auth.set(given);
            let _ = keep_state.set(app.clone());
            hearth_photos::router(app)
        })
        .await;
        Some(Self { family, auth, state, workers, memory_mb })
    }

    fn decoder(&self) -> Decoder {
        self.state.get().expect("started").library.preview_queue().decoder().clone()
    }

    /// The service started again on the same database and files, as after a restart. It is
    /// not served: what its start-up does is what is watched.
    async fn restarted(&self) -> AppState {
        let config = self.family.config.clone();
        let photos = photos_config(&config, self.workers, self.memory_mb);
        AppState::new(config, photos, self.auth.get().expect("started").clone()).await.expect("restarted")
    }
}

fn photos_config(config: &Config, workers: usize, memory_mb: u64) -> PhotosConfig {
    let mut photos = PhotosConfig::from_lookup(config, |_| None).expect("photos config");
    photos.preview_workers = workers;
    photos.decoder = DecoderConfig {
        program: PathBuf::from(env!("CARGO_BIN_EXE_hearth-photos")),
        memory_bytes: memory_mb * MIB,
        cpu_seconds: 30,
    };
    photos
}

async fn json(response: reqwest::Response) -> Value {
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

/// Uploads `bytes` as `name`; the new item's id.
async fn upload(person: &Person, name: &str, bytes: &[u8]) -> i64 {
    let response = person
        .request(Method::POST, "/photos/api/items")
        .query(&[("file_name", name), ("visibility", "family")])
        .body(bytes.to_vec())
        .send()
        .await
        .expect("upload");
    json(response).await["item"]["id"].as_i64().expect("an id")
}

async fn item(person: &Person, id: i64) -> Value {
    json(person.get(&format!("/photos/api/items/{id}")).send().await.expect("GET")).await
}

/// The item once the worker is done with it: up to two minutes, since CI runs tests side by
/// side on two cores and an unreadable file is read twice.
async fn settled(person: &Person, id: i64) -> Value {
    let mut found = Value::Null;
    for _ in 0..1200 {
        found = item(person, id).await;
        if found["preview"] != "pending" {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("item {id} is still pending: {found}");
}

async fn hostile_uploads_end_with_a_reason_and_are_not_read_again(backend: Backend) {
    let Some(photos) = Photos::start(backend, 2, 256).await else { return };
    let mum = &photos.family.admin;
    // A PDF whose deep nesting its first page never reaches has that page drawn all the same.
    let drawn = upload(mum, "nested.pdf", &deeply_nested_pdf(1_000_000)).await;
    let files: [(&str, Vec<u8>, &str); 8] = [
        ("self.pdf", self_drawing_pdf(), "could not be read (it is nested too deeply)"),
        ("bomb.pdf", flate_bomb().to_vec(), "could not be read (it needs more than"),
        ("100mp.png", png_claiming(10_000, 10_000, 8, 2), "reading it would take about"),
        ("huge.png", png_claiming(100_000, 100_000, 8, 2), "100000 × 100000 pixels"),
        ("huge.gif", gif_claiming(65_535), "65535 × 65535 pixels"),
        ("huge.webp", webp_claiming_the_most(), "16383 × 16383 pixels"),
        ("huge.tif", tiff_claiming(60_000), "60000 × 60000 pixels"),
        ("huge.jpg", jpeg_claiming(65_000), "65000 × 65000 pixels"),
    ];
    let mut ids = Vec::new();
    for (name, bytes, _) in &files {
        ids.push(upload(mum, name, bytes).await);
    }
    let honest = upload(mum, "honest.jpg", &jpeg(&photo(800, 600), false)).await;
    for ((name, _, reason), id) in files.iter().zip(&ids) {
        let found = settled(mum, *id).await;
        assert_eq!(found["preview"], "none", "{name}: {found}");
        let said = found["preview_error"].as_str().unwrap_or_default();
        assert!(!said.is_empty() && said.contains(reason), "{name}: {said:?} should say {reason:?}");
    }
    assert_eq!(settled(mum, honest).await["preview"], "ready", "the worker carries on after them");
    assert_eq!(settled(mum, drawn).await["preview"], "ready", "nested.pdf's first page is drawn");
    let page = mum.browser.get(&format!("/photos/items/{}", ids[0])).await.text().await.expect("html");
    assert!(page.contains("could not be read (it is nested too deeply)"), "the reason is on the item's page");
    let page = mum.browser.get(&format!("/photos/items/{}", ids[2])).await.text().await.expect("html");
    assert!(page.contains("No preview: reading it would take about"), "{page}");
    let list = mum.get("/photos/api/items").send().await.expect("GET");
    assert_eq!(list.status(), StatusCode::OK, "the service still answers");

    let before: Vec<Value> = futures_util::future::join_all(ids.iter().map(|id| item(mum, *id))).await;
    let again = photos.restarted().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(again.library.preview_queue().decoder().peak_reserved_bytes(), 0, "nothing is read again at start-up");
    let after: Vec<Value> = futures_util::future::join_all(ids.iter().map(|id| item(mum, *id))).await;
    assert_eq!(before, after);
}

async fn the_memory_of_decodes_in_flight_stays_in_the_budget_with_more_workers(backend: Backend) {
    let Some(photos) = Photos::start(backend, 8, 256).await else { return };
    let mum = &photos.family.admin;
    let mut ids = Vec::new();
    for seed in 1..=8 {
        let png = encoded(&DynamicImage::ImageRgb8(photo_seeded(2000, 1500, seed)), ImageFormat::Png);
        ids.push(upload(mum, &format!("scan-{seed}.png"), &png).await);
    }
    for id in ids {
        assert_eq!(settled(mum, id).await["preview"], "ready");
    }
    let decoder = photos.decoder();
    assert_eq!(decoder.budget_bytes(), 256 * MIB);
    assert!(decoder.peak_reserved_bytes() <= 256 * MIB, "{} bytes at once", decoder.peak_reserved_bytes());
}

both_backends!(
    hostile_uploads_end_with_a_reason_and_are_not_read_again,
    the_memory_of_decodes_in_flight_stays_in_the_budget_with_more_workers,
);
