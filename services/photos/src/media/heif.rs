//! HEIF, HEIC and AVIF pictures through the system's libheif (feature `heic`, on by default;
//! `make run` turns it off when libheif-dev is not installed). libheif is C: its crashes
//! cannot be caught like a Rust panic, so sizes are checked from the header before decoding.

use std::path::Path;

use libheif_rs::{ColorSpace, HeifContext, HeifError, HeifErrorCode, LibHeif, RgbChroma};

use super::MediaError;
use super::decode::{DecodeCost, Layout, Raster, check_dimensions, damaged};

/// What libheif's threads and its decoders' working state take beside the pictures' planes.
const LIBHEIF_BYTES: u64 = 64 * 1024 * 1024;

/// The picture's size from its header.
pub(super) fn dimensions(path: &Path) -> Result<(u32, u32), MediaError> {
    let context = heif_context(path)?;
    let handle = context.primary_image_handle().map_err(heif_error)?;
    Ok((handle.width(), handle.height()))
}

/// What [`decode`] allocates: libheif's YCbCr planes (4:4:4 at worst, two bytes a sample past
/// 8 bits), the interleaved 8-bit RGB(A) it converts them to, and Hearth's copy of that.
pub(super) fn decode_cost(path: &Path) -> Result<DecodeCost, MediaError> {
    let context = heif_context(path)?;
    let handle = context.primary_image_handle().map_err(heif_error)?;
    let (width, height) = (handle.width(), handle.height());
    check_dimensions(width, height)?;
    let pixels = u64::from(width) * u64::from(height);
    let sample = if handle.luma_bits_per_pixel() > 8 { 2 } else { 1 };
    let channels = if handle.has_alpha_channel() { 4 } else { 3 };
    let planes = pixels * (channels * sample);
    Ok(DecodeCost { width, height, channels, bytes: planes + 2 * pixels * channels + LIBHEIF_BYTES })
}

fn heif_context(path: &Path) -> Result<HeifContext<'static>, MediaError> {
    let name =
        path.to_str().ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not UTF-8"))?;
    HeifContext::read_from_file(name).map_err(heif_error)
}

/// Decodes the primary image, with the rotation and mirroring the file carries applied.
pub(super) fn decode(path: &Path) -> Result<Raster, MediaError> {
    // Initialises libheif (reference-counted) for as long as the context is in use.
    let library = LibHeif::new();
    let context = heif_context(path)?;
    let handle = context.primary_image_handle().map_err(heif_error)?;
    check_dimensions(handle.width(), handle.height())?;
    let (chroma, layout) =
        if handle.has_alpha_channel() { (RgbChroma::Rgba, Layout::Rgba) } else { (RgbChroma::Rgb, Layout::Rgb) };
    // Decoding options stay `None`: libheif-rs 0.20 frees them before libheif reads them.
    let image = library.decode(&handle, ColorSpace::Rgb(chroma), None).map_err(heif_error)?;
    let planes = image.planes();
    let plane = planes.interleaved.ok_or_else(|| damaged("libheif returned no pixels"))?;
    let row = plane.width as usize * layout.channels();
    let mut data = Vec::with_capacity(row * plane.height as usize);
    for y in 0..plane.height as usize {
        let start = y * plane.stride;
        let pixels = plane
            .data
            .get(start..start + row)
            .ok_or_else(|| damaged("libheif returned fewer pixels than the picture has"))?;
        data.extend_from_slice(pixels);
    }
    Raster::new(plane.width, plane.height, layout, data)
}

fn heif_error(error: HeifError) -> MediaError {
    match error.code {
        HeifErrorCode::UnsupportedFileType | HeifErrorCode::UnsupportedFeature | HeifErrorCode::DecoderPluginError => {
            MediaError::Unsupported(format!("this HEIF picture uses a feature we cannot read ({})", error.message))
        }
        HeifErrorCode::MemoryAllocationError => MediaError::TooLarge(format!(
            "decoding the picture would take more memory than we allow ({})",
            error.message
        )),
        HeifErrorCode::InputDoesNotExist => {
            MediaError::Io(std::io::Error::new(std::io::ErrorKind::NotFound, error.message))
        }
        _ => damaged(&error.message),
    }
}
