//! Decompression bombs: tiny files whose headers claim huge pictures are refused from the
//! header, quickly and without the memory. A test binary of its own, so that the process's
//! peak memory (`VmHWM`) measures these tests alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hearth_photos::media::{Fit, MediaError, read_photo_info, render_previews, sniff};
use tempfile::TempDir;

/// Far below what any of the bombs would take if decoded (800 MB to 30 GB).
const PEAK_MEMORY_BYTES: u64 = 64 * 1024 * 1024;

/// The peak resident memory of this test process so far.
fn peak_memory() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let kilobytes = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .expect("VmHWM in kB");
    kilobytes * 1024
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("fixture written");
    path
}

/// Asserts that previews of `path` are refused as too large, within a second and the memory
/// bound.
fn assert_refused(path: &Path, content_type: &str) {
    let started = Instant::now();
    let result = render_previews(path, content_type, &[Fit::ShortEdge(400), Fit::LongEdge(1440)]);
    assert!(matches!(&result, Err(MediaError::TooLarge(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(peak_memory() < PEAK_MEMORY_BYTES, "peak {} bytes", peak_memory());
}

/// A PNG by hand: a valid IHDR claiming `width` × `height`, then one tiny IDAT.
fn png_claiming(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
    fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        png.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, colour_type, 0, 0, 0]);
    // zlib: one stored block holding a single zero byte, then its Adler-32.
    let idat = [0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01];
    let mut png = b"\x89PNG\r\n\x1A\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// PNG's CRC-32 (ISO 3309), bit by bit: fixtures are tiny.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_png_claiming_ten_gigapixels_is_refused_from_its_header() {
    let dir = TempDir::new().expect("temp dir");
    let bomb = png_claiming(100_000, 100_000, 8, 2);
    assert!(bomb.len() < 100);
    let path = write(&dir, "bomb.png", &bomb);
    assert_eq!(sniff(&bomb, "bomb.png").content_type, "image/png");
    assert_refused(&path, "image/png");
    // The facts read the header only, so they report the claim without decoding it.
    let info = read_photo_info(&path, "image/png").expect("header read");
    assert_eq!((info.width, info.height), (100_000, 100_000));
}

#[test]
fn a_png_within_the_pixel_limit_but_over_the_memory_limit_is_refused() {
    let dir = TempDir::new().expect("temp dir");
    // 100 megapixels of 16-bit RGBA: 800 MB to decode, past `MAX_DECODE_BYTES`.
    let path = write(&dir, "deep.png", &png_claiming(10_000, 10_000, 16, 6));
    assert_refused(&path, "image/png");
}

#[test]
fn a_jpeg_claiming_four_gigapixels_is_refused_from_its_header() {
    let dir = TempDir::new().expect("temp dir");
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(&[128; 16 * 16], 16, 16, jpeg_encoder::ColorType::Luma)
        .expect("JPEG encoded");
    let frame = jpeg.windows(2).position(|marker| marker == [0xFF, 0xC0]).expect("baseline frame header");
    // SOF0: marker (2 bytes), length (2), precision (1), then height and width: 65,000 each.
    jpeg[frame + 5..frame + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
    let path = write(&dir, "bomb.jpg", &jpeg);
    assert_refused(&path, "image/jpeg");
}
