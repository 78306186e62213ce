//! The media module from the outside, on files written by real encoders in the test: what
//! sniffing names them, what `read_photo_info` reads from them, the renditions
//! `render_previews` makes, and how damaged, hostile and unsupported files fail.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use hearth_photos::media::{Exposure, Fit, MediaError, MediaKind, PhotoInfo, read_photo_info, render_previews, sniff};
use image::{Frame, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use tempfile::TempDir;

const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];

/// A picture whose left half is red and right half blue, so a rendition shows which way up
/// it was turned.
fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| Rgb(if x < width / 2 { RED } else { BLUE }))
}

/// A JPEG written as a camera would: pixels plus an EXIF block.
struct JpegFixture {
    pixels: RgbImage,
    exif: Vec<Field>,
}

impl JpegFixture {
    fn new(width: u32, height: u32) -> Self {
        Self { pixels: halves(width, height), exif: Vec::new() }
    }

    fn field(mut self, tag: Tag, value: Value) -> Self {
        self.exif.push(Field { tag, ifd_num: In::PRIMARY, value });
        self
    }

    fn text(self, tag: Tag, text: &str) -> Self {
        self.field(tag, Value::Ascii(vec![text.as_bytes().to_vec()]))
    }

    fn orientation(self, value: u16) -> Self {
        self.field(Tag::Orientation, Value::Short(vec![value]))
    }

    fn gps(self, latitude: (&str, [u32; 3]), longitude: (&str, [u32; 3])) -> Self {
        let degrees = |[d, m, s]: [u32; 3]| {
            Value::Rational(vec![Rational::from((d, 1)), Rational::from((m, 1)), Rational::from((s, 1))])
        };
        self.text(Tag::GPSLatitudeRef, latitude.0)
            .field(Tag::GPSLatitude, degrees(latitude.1))
            .text(Tag::GPSLongitudeRef, longitude.0)
            .field(Tag::GPSLongitude, degrees(longitude.1))
    }

    fn bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
        if !self.exif.is_empty() {
            let mut app1 = b"Exif\0\0".to_vec();
            app1.extend_from_slice(&exif_block(&self.exif));
            encoder.add_app_segment(1, app1).expect("EXIF fits");
        }
        let side = |length: u32| u16::try_from(length).expect("small fixture");
        encoder
            .encode(
                self.pixels.as_raw(),
                side(self.pixels.width()),
                side(self.pixels.height()),
                jpeg_encoder::ColorType::Rgb,
            )
            .expect("JPEG encoded");
        bytes
    }

    fn write(&self, dir: &TempDir, name: &str) -> PathBuf {
        write(dir, name, &self.bytes())
    }
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("fixture written");
    path
}

fn save(dir: &TempDir, name: &str, image: &image::DynamicImage, format: ImageFormat) -> PathBuf {
    let path = dir.path().join(name);
    image.save_with_format(&path, format).expect("fixture saved");
    path
}

/// EXIF `fields` as a TIFF structure, the way cameras embed them.
fn exif_block(fields: &[Field]) -> Vec<u8> {
    let mut writer = Writer::new();
    for field in fields {
        writer.push_field(field);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("EXIF written");
    tiff.into_inner()
}

/// A HEIC written by libheif (x265), with an EXIF block of `exif`.
fn heic(dir: &TempDir, pixels: &RgbImage, exif: &[Field]) -> PathBuf {
    use libheif_rs::{Channel, ColorSpace, CompressionFormat, EncoderQuality, HeifContext, Image, LibHeif, RgbChroma};
    let (width, height) = pixels.dimensions();
    let mut image = Image::new(width, height, ColorSpace::Rgb(RgbChroma::Rgb)).expect("HEIF image");
    image.create_plane(Channel::Interleaved, width, height, 24).expect("HEIF plane");
    let planes = image.planes_mut();
    let plane = planes.interleaved.expect("interleaved plane");
    let row = width as usize * 3;
    for (y, source) in pixels.as_raw().chunks_exact(row).enumerate() {
        plane.data[y * plane.stride..y * plane.stride + row].copy_from_slice(source);
    }
    let library = LibHeif::new();
    let mut encoder = library.encoder_for_format(CompressionFormat::Hevc).expect("libheif has an HEVC encoder");
    encoder.set_quality(EncoderQuality::Lossy(90)).expect("quality set");
    let mut context = HeifContext::new().expect("HEIF context");
    // No encoding options: libheif-rs 0.20 frees them before libheif reads them.
    let handle = context.encode_image(&image, &mut encoder, None).expect("HEIC encoded");
    if !exif.is_empty() {
        context.add_exif_metadata(&handle, &exif_block(exif)).expect("EXIF added");
    }
    let path = dir.path().join("IMG_0001.HEIC");
    std::fs::write(&path, context.write_to_bytes().expect("HEIC written")).expect("saved");
    path
}

fn head(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("fixture read");
    bytes.truncate(512);
    bytes
}

/// The rendition decoded back, as (width, height, RGB pixels).
fn decoded(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = jpeg_decoder::Decoder::new(jpeg);
    let pixels = decoder.decode().expect("rendition is a JPEG");
    let info = decoder.info().expect("JPEG info");
    (info.width.into(), info.height.into(), pixels)
}

fn pixel(decoded: &(u32, u32, Vec<u8>), x: u32, y: u32) -> [u8; 3] {
    let start = ((y * decoded.0 + x) * 3) as usize;
    let mut pixel = [0; 3];
    pixel.copy_from_slice(&decoded.2[start..start + 3]);
    pixel
}

fn close_to(actual: [u8; 3], expected: [u8; 3]) -> bool {
    actual.iter().zip(expected).all(|(a, e)| a.abs_diff(e) <= 24)
}

#[test]
fn files_written_by_real_encoders_are_sniffed_by_their_bytes() {
    let dir = TempDir::new().expect("temp dir");
    let picture = image::DynamicImage::ImageRgb8(halves(64, 48));
    let cases = [
        (JpegFixture::new(64, 48).write(&dir, "a.jpg"), "image/jpeg"),
        (save(&dir, "a.png", &picture, ImageFormat::Png), "image/png"),
        (save(&dir, "a.gif", &picture, ImageFormat::Gif), "image/gif"),
        (save(&dir, "a.webp", &picture, ImageFormat::WebP), "image/webp"),
        (save(&dir, "a.tif", &picture, ImageFormat::Tiff), "image/tiff"),
        (heic(&dir, &halves(64, 48), &[]), "image/heic"),
    ];
    for (path, content_type) in cases {
        // The name lies on purpose: pictures are known by their bytes.
        let sniffed = sniff(&head(&path), "renamed.bin");
        assert_eq!(sniffed.content_type, content_type);
        assert_eq!(sniffed.kind, MediaKind::Photo);
    }
}

#[test]
fn photo_info_reads_the_camera_exif() {
    let dir = TempDir::new().expect("temp dir");
    let path = JpegFixture::new(64, 32)
        .orientation(6)
        .text(Tag::Make, "Apple")
        .text(Tag::Model, "iPhone 15 Pro")
        .text(Tag::LensModel, "iPhone 15 Pro back triple camera 6.86mm f/1.78")
        .text(Tag::DateTimeOriginal, "2024:12:24 18:05:30")
        .text(Tag::OffsetTimeOriginal, "+01:00")
        .gps(("N", [59, 19, 30]), ("E", [18, 4, 12]))
        .write(&dir, "IMG_0002.JPG");
    let info = read_photo_info(&path, "image/jpeg").expect("photo info");
    let (latitude, longitude) = info.gps.expect("GPS read");
    assert!((latitude - 59.325).abs() < 1e-9, "{latitude}");
    assert!((longitude - 18.07).abs() < 1e-9, "{longitude}");
    assert_eq!(
        info,
        PhotoInfo {
            // Stored 64 × 32 and held upright: a portrait.
            width: 32,
            height: 64,
            // 2024-12-24 17:05:30 UTC
            taken_at: Some(1_735_059_930),
            camera: Some("Apple iPhone 15 Pro".to_owned()),
            lens: Some("iPhone 15 Pro back triple camera 6.86mm f/1.78".to_owned()),
            gps: info.gps,
            taken_offset_minutes: Some(60),
            exposure: Exposure::default(),
        }
    );
}

#[test]
fn photo_info_without_exif_is_the_size_alone() {
    let dir = TempDir::new().expect("temp dir");
    let picture = image::DynamicImage::ImageRgb8(halves(40, 30));
    for (name, format, content_type) in [
        ("a.png", ImageFormat::Png, "image/png"),
        ("a.webp", ImageFormat::WebP, "image/webp"),
        ("a.gif", ImageFormat::Gif, "image/gif"),
        ("a.tif", ImageFormat::Tiff, "image/tiff"),
    ] {
        let path = save(&dir, name, &picture, format);
        let info = read_photo_info(&path, content_type).expect("photo info");
        assert_eq!(
            info,
            PhotoInfo {
                width: 40,
                height: 30,
                taken_at: None,
                camera: None,
                lens: None,
                gps: None,
                taken_offset_minutes: None,
                exposure: Exposure::default()
            },
            "{content_type}"
        );
    }
}

#[test]
fn previews_follow_the_fits_in_order_and_never_upscale() {
    let dir = TempDir::new().expect("temp dir");
    let path = JpegFixture::new(600, 400).write(&dir, "a.jpg");
    let fits = [Fit::ShortEdge(100), Fit::LongEdge(300), Fit::LongEdge(2000)];
    let renditions = render_previews(&path, "image/jpeg", &fits).expect("renditions");
    let sizes: Vec<_> = renditions.iter().map(|r| (r.width, r.height)).collect();
    assert_eq!(sizes, vec![(150, 100), (300, 200), (600, 400)]);
    for rendition in &renditions {
        let (width, height, _) = decoded(&rendition.bytes);
        assert_eq!((width, height), (rendition.width, rendition.height));
    }
    assert!(render_previews(&path, "image/jpeg", &[]).expect("none asked").is_empty());
}

#[test]
fn previews_of_a_large_jpeg_keep_its_colours() {
    let dir = TempDir::new().expect("temp dir");
    let path = JpegFixture::new(4000, 3000).write(&dir, "big.jpg");
    let renditions = render_previews(&path, "image/jpeg", &[Fit::LongEdge(500)]).expect("renditions");
    let rendition = decoded(&renditions[0].bytes);
    assert_eq!((rendition.0, rendition.1), (500, 375));
    assert!(close_to(pixel(&rendition, 50, 180), RED));
    assert!(close_to(pixel(&rendition, 450, 180), BLUE));
}

#[test]
fn previews_are_turned_upright_by_the_exif_orientation() {
    let dir = TempDir::new().expect("temp dir");
    // Stored sideways: red on the left, held so that the left side is the top.
    let path = JpegFixture::new(64, 32).orientation(6).write(&dir, "a.jpg");
    let renditions = render_previews(&path, "image/jpeg", &[Fit::LongEdge(1440)]).expect("renditions");
    let upright = decoded(&renditions[0].bytes);
    assert_eq!((upright.0, upright.1), (32, 64));
    assert!(close_to(pixel(&upright, 16, 8), RED));
    assert!(close_to(pixel(&upright, 16, 56), BLUE));

    let path = JpegFixture::new(64, 32).orientation(3).write(&dir, "b.jpg");
    let renditions = render_previews(&path, "image/jpeg", &[Fit::LongEdge(1440)]).expect("renditions");
    let upside_down = decoded(&renditions[0].bytes);
    assert_eq!((upside_down.0, upside_down.1), (64, 32));
    assert!(close_to(pixel(&upside_down, 8, 16), BLUE));
}

#[test]
fn previews_of_png_webp_gif_and_tiff() {
    let dir = TempDir::new().expect("temp dir");
    let picture = image::DynamicImage::ImageRgb8(halves(200, 100));
    for (name, format, content_type) in [
        ("a.png", ImageFormat::Png, "image/png"),
        ("a.webp", ImageFormat::WebP, "image/webp"),
        ("a.gif", ImageFormat::Gif, "image/gif"),
        ("a.tif", ImageFormat::Tiff, "image/tiff"),
    ] {
        let path = save(&dir, name, &picture, format);
        let renditions = render_previews(&path, content_type, &[Fit::LongEdge(100)]).expect("renditions");
        let preview = decoded(&renditions[0].bytes);
        assert_eq!((preview.0, preview.1), (100, 50), "{content_type}");
        assert!(close_to(pixel(&preview, 10, 25), RED), "{content_type}");
        assert!(close_to(pixel(&preview, 90, 25), BLUE), "{content_type}");
    }
}

#[test]
fn transparent_pixels_become_white() {
    let dir = TempDir::new().expect("temp dir");
    let logo =
        RgbaImage::from_fn(
            100,
            100,
            |x, _| {
                if x < 50 { Rgba([0, 0, 0, 0]) } else { Rgba([RED[0], RED[1], RED[2], 255]) }
            },
        );
    let path = save(&dir, "logo.png", &image::DynamicImage::ImageRgba8(logo), ImageFormat::Png);
    let renditions = render_previews(&path, "image/png", &[Fit::LongEdge(50)]).expect("renditions");
    let preview = decoded(&renditions[0].bytes);
    assert!(close_to(pixel(&preview, 5, 25), [255, 255, 255]));
    assert!(close_to(pixel(&preview, 45, 25), RED));
}

#[test]
fn an_animated_gif_shows_its_first_frame() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("wave.gif");
    let frame =
        |colour: [u8; 3]| Frame::new(RgbaImage::from_pixel(40, 40, Rgba([colour[0], colour[1], colour[2], 255])));
    {
        let file = std::fs::File::create(&path).expect("created");
        let mut encoder = image::codecs::gif::GifEncoder::new(file);
        encoder.encode_frames([frame(RED), frame(BLUE)]).expect("GIF encoded");
    }
    let renditions = render_previews(&path, "image/gif", &[Fit::LongEdge(40)]).expect("renditions");
    assert!(close_to(pixel(&decoded(&renditions[0].bytes), 20, 20), RED));
}

/// Phones write a HEIC's rotation twice: in the HEIF boxes, which libheif applies, and in the
/// EXIF, which must then be ignored or the picture would be turned twice.
#[test]
fn heic_is_decoded_through_libheif_and_its_exif_orientation_ignored() {
    let dir = TempDir::new().expect("temp dir");
    let exif = [
        Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![6]) },
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"2023:05:01 09:00:00".to_vec()]),
        },
    ];
    let path = heic(&dir, &halves(64, 48), &exif);
    let info = read_photo_info(&path, "image/heic").expect("photo info");
    assert_eq!((info.width, info.height), (64, 48));
    assert_eq!(info.taken_at, Some(1_682_931_600));
    let renditions = render_previews(&path, "image/heic", &[Fit::LongEdge(32)]).expect("renditions");
    let preview = decoded(&renditions[0].bytes);
    assert_eq!((preview.0, preview.1), (32, 24));
    assert!(close_to(pixel(&preview, 4, 12), RED));
    assert!(close_to(pixel(&preview, 28, 12), BLUE));
}

#[test]
fn damaged_pictures_are_corrupt_not_a_crash() {
    let dir = TempDir::new().expect("temp dir");
    let jpeg = JpegFixture::new(300, 200).bytes();
    let png =
        std::fs::read(save(&dir, "full.png", &image::DynamicImage::ImageRgb8(halves(300, 200)), ImageFormat::Png))
            .expect("read");
    let heic_bytes = std::fs::read(heic(&dir, &halves(64, 48), &[])).expect("read");
    let cases = [
        ("truncated.jpg", "image/jpeg", jpeg[..jpeg.len() / 2].to_vec()),
        ("header-only.jpg", "image/jpeg", jpeg[..40].to_vec()),
        ("truncated.png", "image/png", png[..png.len() / 2].to_vec()),
        ("truncated.heic", "image/heic", heic_bytes[..heic_bytes.len() / 2].to_vec()),
        ("garbage.jpg", "image/jpeg", b"\xFF\xD8\xFFnot a jpeg at all".to_vec()),
        ("empty.png", "image/png", Vec::new()),
    ];
    for (name, content_type, bytes) in cases {
        let path = write(&dir, name, &bytes);
        let result = render_previews(&path, content_type, &[Fit::LongEdge(100)]);
        assert!(matches!(result, Err(MediaError::Corrupt(_))), "{name}: {result:?}");
    }
}

/// Bytes changed at pseudo-random places in valid files: every outcome is a rendition or an
/// error, never a panic out of `render_previews`.
#[test]
fn mangled_pictures_never_panic() {
    let dir = TempDir::new().expect("temp dir");
    let picture = image::DynamicImage::ImageRgb8(halves(48, 32));
    let originals = [
        (JpegFixture::new(48, 32).orientation(6).bytes(), "image/jpeg"),
        (std::fs::read(save(&dir, "a.png", &picture, ImageFormat::Png)).expect("read"), "image/png"),
        (std::fs::read(save(&dir, "a.gif", &picture, ImageFormat::Gif)).expect("read"), "image/gif"),
        (std::fs::read(save(&dir, "a.webp", &picture, ImageFormat::WebP)).expect("read"), "image/webp"),
        (std::fs::read(save(&dir, "a.tif", &picture, ImageFormat::Tiff)).expect("read"), "image/tiff"),
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (original, content_type) in &originals {
        for round in 0..60 {
            let mut bytes = original.clone();
            for _ in 0..=round % 4 {
                let at = usize::try_from(next() % bytes.len() as u64).expect("index");
                bytes[at] = u8::try_from(next() % 256).expect("byte");
            }
            let path = write(&dir, "mangled", &bytes);
            let fits = [Fit::ShortEdge(16), Fit::LongEdge(40)];
            let outcome = render_previews(&path, content_type, &fits);
            assert!(!matches!(outcome, Err(MediaError::Io(_))), "{outcome:?}");
            // Reading the facts must hold up to the same bytes.
            let _ = read_photo_info(&path, content_type);
        }
    }
}

#[test]
fn files_without_previews_say_why() {
    let dir = TempDir::new().expect("temp dir");
    let path = write(&dir, "clip.mp4", b"\0\0\0\x18ftypisom\0\0\0\0isomavc1");
    for (content_type, reason) in [
        ("video/mp4", "videos have no preview yet"),
        ("application/pdf", "this kind of file has no preview"),
        ("application/octet-stream", "this kind of file has no preview"),
    ] {
        let error = render_previews(&path, content_type, &[Fit::LongEdge(100)]).expect_err("no preview");
        assert!(matches!(error, MediaError::Unsupported(_)));
        assert_eq!(error.to_string(), reason);
        assert!(matches!(read_photo_info(&path, content_type), Err(MediaError::Unsupported(_))));
    }
}

#[test]
fn a_missing_file_is_an_io_error() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("gone.jpg");
    for content_type in ["image/jpeg", "image/png", "image/heic"] {
        let result = render_previews(&path, content_type, &[Fit::LongEdge(100)]);
        assert!(matches!(result, Err(MediaError::Io(_))), "{content_type}: {result:?}");
        let result = read_photo_info(&path, content_type);
        assert!(matches!(result, Err(MediaError::Io(_))), "{content_type}: {result:?}");
    }
}
