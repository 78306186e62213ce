//! From a stored picture to pixels, safely: the size is read from the header and checked
//! against [`MAX_PIXELS`] and [`MAX_SIDE`] before any decode, decodes run under
//! [`MAX_DECODE_BYTES`], and a panicking decoder becomes [`MediaError::Corrupt`]. What a
//! decode will allocate is also told from the header ([`decode_cost`]), so that the decoder
//! child can be given that much memory and no more.
//!
//! JPEG goes through `jpeg-decoder`, which can decode at 1/2, 1/4 or 1/8 scale in the DCT (as
//! libjpeg does for libvips): a 24-megapixel photo for a 1,440-pixel preview is decoded at
//! 1,500 × 1,000, never at full size. PNG, WebP, GIF (first frame) and TIFF go through the
//! `image` crate, HEIF, HEIC and AVIF through the system's libheif.

use std::fs::File;
use std::io::{BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits};

use super::{MAX_DECODE_BYTES, MAX_PIXELS, MAX_SIDE, MediaError};

/// JPEGs up to this size are read into memory first: `jpeg-decoder` reads byte by byte, which
/// is a fifth faster from a slice than through a `BufReader`. Larger ones stream.
const JPEG_IN_MEMORY_BYTES: u64 = 64 * 1024 * 1024;

/// Most bytes reading a header may allocate (an ICC profile, text chunks): far more than any
/// camera writes, and well inside what the decoder child is given for it.
pub(super) const HEADER_BYTES: u64 = 32 * 1024 * 1024;

/// How the 8-bit samples of a [`Raster`] are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    Luma,
    Rgb,
    Rgba,
}

impl Layout {
    pub(super) const fn channels(self) -> usize {
        match self {
            Self::Luma => 1,
            Self::Rgb => 3,
            Self::Rgba => 4,
        }
    }
}

/// Decoded pixels, rows top to bottom without padding: `data.len()` is always
/// `width × height × channels`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Raster {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) layout: Layout,
    pub(super) data: Vec<u8>,
}

impl Raster {
    pub(super) fn new(width: u32, height: u32, layout: Layout, data: Vec<u8>) -> Result<Self, MediaError> {
        let expected = width as usize * height as usize * layout.channels();
        if data.len() == expected {
            Ok(Self { width, height, layout, data })
        } else {
            Err(damaged("the decoder returned fewer pixels than the picture has"))
        }
    }

    fn from_image(image: DynamicImage) -> Result<Self, MediaError> {
        let (width, height) = (image.width(), image.height());
        let (layout, data) = match image {
            DynamicImage::ImageLuma8(pixels) => (Layout::Luma, pixels.into_raw()),
            DynamicImage::ImageRgb8(pixels) => (Layout::Rgb, pixels.into_raw()),
            DynamicImage::ImageRgba8(pixels) => (Layout::Rgba, pixels.into_raw()),
            other if other.color().has_alpha() => (Layout::Rgba, other.into_rgba8().into_raw()),
            other => (Layout::Rgb, other.into_rgb8().into_raw()),
        };
        Self::new(width, height, layout, data)
    }
}

/// Which decoder a content type goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Codec {
    Jpeg,
    Image(ImageFormat),
    Heif,
}

impl Codec {
    /// The decoder for `content_type` (as [`super::sniff`] gives it), or why there is none.
    pub(super) fn for_content_type(content_type: &str) -> Result<Self, MediaError> {
        match content_type {
            "image/jpeg" => Ok(Self::Jpeg),
            "image/png" => Ok(Self::Image(ImageFormat::Png)),
            "image/gif" => Ok(Self::Image(ImageFormat::Gif)),
            "image/webp" => Ok(Self::Image(ImageFormat::WebP)),
            "image/tiff" => Ok(Self::Image(ImageFormat::Tiff)),
            "image/heic" | "image/heif" | "image/avif" => Ok(Self::Heif),
            video if video.starts_with("video/") => {
                Err(MediaError::Unsupported("videos have no preview yet".to_owned()))
            }
            _ => Err(MediaError::Unsupported("this kind of file has no preview".to_owned())),
        }
    }

    /// Whether the EXIF orientation says how to turn the decoded pixels. HEIF carries its own
    /// rotation and mirroring, which libheif applies; its EXIF copy is informative only.
    pub(super) fn uses_exif_orientation(self) -> bool {
        self != Self::Heif
    }
}

/// The stored width and height of the picture, from its header alone.
pub(super) fn dimensions(path: &Path, codec: Codec) -> Result<(u32, u32), MediaError> {
    guarded(|| match codec {
        Codec::Jpeg => {
            let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(File::open(path)?));
            decoder.read_info().map_err(jpeg_error)?;
            let info = decoder.info().ok_or_else(|| damaged("no JPEG header"))?;
            Ok((info.width.into(), info.height.into()))
        }
        Codec::Image(format) => image_reader(path, format, header_limits())?.into_dimensions().map_err(image_error),
        Codec::Heif => super::heif::dimensions(path),
    })
}

/// Decodes the picture. `wanted` maps its full size to the smallest size the caller can use;
/// JPEGs are decoded at the smallest DCT scale that still covers it.
pub(super) fn decode(path: &Path, codec: Codec, wanted: &dyn Fn(u32, u32) -> (u32, u32)) -> Result<Raster, MediaError> {
    guarded(|| match codec {
        Codec::Jpeg => decode_jpeg(path, wanted),
        Codec::Image(format) => decode_image(path, format),
        Codec::Heif => super::heif::decode(path),
    })
}

/// What [`decode`] will take, told from the header: the raster it gives and the bytes it
/// allocates on the way there (the decoder's buffers and the pixels, an upper bound for files
/// that tell the truth about themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DecodeCost {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) channels: u64,
    pub(super) bytes: u64,
}

/// The cost of [`decode`] with the same `wanted`. Refuses what `decode` would refuse from
/// the header (too many pixels), so that no memory is set aside for it.
pub(super) fn decode_cost(
    path: &Path,
    codec: Codec,
    wanted: &dyn Fn(u32, u32) -> (u32, u32),
) -> Result<DecodeCost, MediaError> {
    guarded(|| match codec {
        Codec::Jpeg => jpeg_cost(path, wanted),
        Codec::Image(format) => image_cost(path, format),
        Codec::Heif => super::heif::decode_cost(path),
    })
}

fn jpeg_cost(path: &Path, wanted: &dyn Fn(u32, u32) -> (u32, u32)) -> Result<DecodeCost, MediaError> {
    let file = File::open(path)?;
    let length = file.metadata()?.len();
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(file));
    decoder.read_info().map_err(jpeg_error)?;
    let info = decoder.info().ok_or_else(|| damaged("no JPEG header"))?;
    check_dimensions(info.width.into(), info.height.into())?;
    let (wanted_width, wanted_height) = wanted(info.width.into(), info.height.into());
    let (width, height) = decoder
        .scale(u16::try_from(wanted_width).unwrap_or(u16::MAX), u16::try_from(wanted_height).unwrap_or(u16::MAX))
        .map_err(jpeg_error)?;
    let components = info.pixel_format.pixel_bytes() as u64;
    let padded = |side: u16| u64::from(side).div_ceil(16) * 16;
    // A progressive JPEG keeps every coefficient of the whole picture (two bytes each, for
    // every component at full resolution at worst) until its last scan.
    let coefficients = if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive {
        padded(info.width) * padded(info.height) * components * 2
    } else {
        0
    };
    // The component planes at the decoded scale, the interleaved pixels, and RGB from CMYK.
    let scaled = padded(width) * padded(height) * components;
    let in_memory = if length <= JPEG_IN_MEMORY_BYTES { length } else { 0 };
    let channels = if components == 1 { 1 } else { 3 };
    Ok(DecodeCost {
        width: width.into(),
        height: height.into(),
        channels,
        bytes: in_memory + coefficients + 3 * scaled,
    })
}

fn image_cost(path: &Path, format: ImageFormat) -> Result<DecodeCost, MediaError> {
    use image::{ColorType, ImageDecoder as _};
    let decoder = image_reader(path, format, header_limits())?.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height)?;
    let pixels = u64::from(width) * u64::from(height);
    let color = decoder.color_type();
    let channels = match color {
        ColorType::L8 => 1,
        ColorType::Rgb8 => 3,
        ColorType::Rgba8 => 4,
        other if other.has_alpha() => 4,
        _ => 3,
    };
    // The decoder's own buffers (a GIF's canvas, a CMYK TIFF's, WebP's planes) are at most
    // the picture again; anything but 8-bit grey, RGB or RGBA is then converted to 8 bits.
    let native = decoder.total_bytes().saturating_mul(2);
    let converted =
        if matches!(color, ColorType::L8 | ColorType::Rgb8 | ColorType::Rgba8) { 0 } else { pixels * channels };
    Ok(DecodeCost { width, height, channels, bytes: native.saturating_add(converted) })
}

/// Runs a decoder, turning a panic inside it into [`MediaError::Corrupt`]: decoders are
/// fuzzed but not proven, and one bad file must not take the worker down with it.
pub(super) fn guarded<T>(decode: impl FnOnce() -> Result<T, MediaError>) -> Result<T, MediaError> {
    catch_unwind(AssertUnwindSafe(decode)).unwrap_or_else(|_| Err(damaged("the decoder gave up on this file")))
}

/// Refuses a picture whose header claims more than the limits, before it is decoded.
pub(super) fn check_dimensions(width: u32, height: u32) -> Result<(), MediaError> {
    if width == 0 || height == 0 {
        return Err(damaged("the picture claims to have no pixels"));
    }
    let pixels = u64::from(width) * u64::from(height);
    if width > MAX_SIDE || height > MAX_SIDE || pixels > MAX_PIXELS {
        return Err(MediaError::TooLarge(format!(
            "the picture is {width} × {height} pixels, more than the {} megapixels or \
             {MAX_SIDE} pixels a side we make previews of",
            MAX_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

pub(super) fn damaged(detail: &str) -> MediaError {
    MediaError::Corrupt(format!("the picture is damaged or incomplete ({detail})"))
}

fn decode_jpeg(path: &Path, wanted: &dyn Fn(u32, u32) -> (u32, u32)) -> Result<Raster, MediaError> {
    let mut file = File::open(path)?;
    let length = file.metadata()?.len();
    if length <= JPEG_IN_MEMORY_BYTES {
        let mut bytes = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        decode_jpeg_from(bytes.as_slice(), wanted)
    } else {
        decode_jpeg_from(BufReader::new(file), wanted)
    }
}

fn decode_jpeg_from(reader: impl Read, wanted: &dyn Fn(u32, u32) -> (u32, u32)) -> Result<Raster, MediaError> {
    let mut decoder = jpeg_decoder::Decoder::new(reader);
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX));
    decoder.read_info().map_err(jpeg_error)?;
    let info = decoder.info().ok_or_else(|| damaged("no JPEG header"))?;
    check_dimensions(info.width.into(), info.height.into())?;
    let (wanted_width, wanted_height) = wanted(info.width.into(), info.height.into());
    let (width, height) = decoder
        .scale(u16::try_from(wanted_width).unwrap_or(u16::MAX), u16::try_from(wanted_height).unwrap_or(u16::MAX))
        .map_err(jpeg_error)?;
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let (layout, data) = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => (Layout::Luma, pixels),
        jpeg_decoder::PixelFormat::RGB24 => (Layout::Rgb, pixels),
        jpeg_decoder::PixelFormat::CMYK32 => (Layout::Rgb, cmyk_to_rgb(&pixels)),
        jpeg_decoder::PixelFormat::L16 => {
            return Err(MediaError::Unsupported("16-bit JPEGs have no preview".to_owned()));
        }
    };
    Raster::new(width.into(), height.into(), layout, data)
}

/// Print colours to screen colours, the simple way (no colour profile): good enough for a
/// preview of the rare CMYK photo.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for pixel in cmyk.chunks_exact(4) {
        let black = 255 - u16::from(pixel[3]);
        for &ink in &pixel[..3] {
            let channel = (255 - u16::from(ink)) * black / 255;
            rgb.push(u8::try_from(channel).unwrap_or(u8::MAX));
        }
    }
    rgb
}

fn jpeg_error(error: jpeg_decoder::Error) -> MediaError {
    match error {
        jpeg_decoder::Error::Unsupported(feature) => {
            MediaError::Unsupported(format!("this JPEG uses a feature we cannot read ({feature:?})"))
        }
        other => damaged(&other.to_string()),
    }
}

fn image_reader(path: &Path, format: ImageFormat, limits: Limits) -> Result<ImageReader<BufReader<File>>, MediaError> {
    let mut reader = ImageReader::new(BufReader::new(File::open(path)?));
    reader.set_format(format);
    reader.limits(limits);
    Ok(reader)
}

/// Limits for reading a header: a memory bound without the size bound, so that a header's
/// claim can be reported, while what the header itself holds (an ICC profile, text) stays
/// bounded.
fn header_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(HEADER_BYTES);
    limits
}

fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits
}

fn decode_image(path: &Path, format: ImageFormat) -> Result<Raster, MediaError> {
    let (width, height) = image_reader(path, format, header_limits())?.into_dimensions().map_err(image_error)?;
    check_dimensions(width, height)?;
    let image = image_reader(path, format, decode_limits())?.decode().map_err(image_error)?;
    Raster::from_image(image)
}

fn image_error(error: ImageError) -> MediaError {
    match error {
        ImageError::Limits(limit) => {
            MediaError::TooLarge(format!("decoding the picture would take more memory than we allow ({limit})"))
        }
        ImageError::Unsupported(unsupported) => {
            MediaError::Unsupported(format!("this picture uses a feature we cannot read ({unsupported})"))
        }
        other => damaged(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limits_are_checked_on_the_header() {
        assert!(check_dimensions(6000, 4000).is_ok());
        assert!(check_dimensions(MAX_SIDE, 3333).is_ok());
        assert!(matches!(check_dimensions(100_000, 100_000), Err(MediaError::TooLarge(_))));
        assert!(matches!(check_dimensions(MAX_SIDE + 1, 1), Err(MediaError::TooLarge(_))));
        assert!(matches!(check_dimensions(12_000, 9_000), Err(MediaError::TooLarge(_))));
        assert!(matches!(check_dimensions(0, 10), Err(MediaError::Corrupt(_))));
    }

    #[test]
    fn too_large_says_what_the_limits_are() {
        let Err(error) = check_dimensions(100_000, 100_000) else {
            panic!("a 10-gigapixel header passed");
        };
        assert_eq!(
            error.to_string(),
            "the picture is 100000 × 100000 pixels, more than the 100 megapixels or 30000 \
             pixels a side we make previews of"
        );
    }

    #[test]
    fn jpegs_are_decoded_at_the_smallest_scale_that_covers_the_target() {
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 80)
            .encode(&vec![90; 4000 * 3000], 4000, 3000, jpeg_encoder::ColorType::Luma)
            .expect("JPEG encoded");
        let decoded_size = |target: (u32, u32)| {
            let raster = decode_jpeg_from(jpeg.as_slice(), &|_, _| target).expect("decoded");
            (raster.width, raster.height)
        };
        assert_eq!(decoded_size((400, 300)), (500, 375));
        assert_eq!(decoded_size((1000, 750)), (1000, 750));
        assert_eq!(decoded_size((1440, 1080)), (2000, 1500));
        assert_eq!(decoded_size((2001, 1501)), (4000, 3000));
    }

    #[test]
    fn a_panicking_decoder_is_a_corrupt_file() {
        let result: Result<(), MediaError> = guarded(|| panic!("decoder bug"));
        assert!(matches!(result, Err(MediaError::Corrupt(_))));
    }

    #[test]
    fn cmyk_becomes_rgb() {
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255]), vec![255, 255, 255, 0, 255, 255, 0, 0, 0]);
    }

    #[test]
    fn only_pictures_have_a_decoder() {
        assert_eq!(Codec::for_content_type("image/jpeg").ok(), Some(Codec::Jpeg));
        assert_eq!(Codec::for_content_type("image/heic").ok(), Some(Codec::Heif));
        assert!(matches!(
            Codec::for_content_type("video/mp4"),
            Err(MediaError::Unsupported(reason)) if reason == "videos have no preview yet"
        ));
        assert!(matches!(Codec::for_content_type("application/pdf"), Err(MediaError::Unsupported(_))));
    }
}
