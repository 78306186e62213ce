//! Renditions: one decode (shrunk on load where the format allows), then for each fit a
//! Lanczos3 resize with `fast_image_resize` (SIMD), the EXIF orientation applied to the small
//! result, and a baseline JPEG from `jpeg-encoder`.

use std::path::Path;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder};

use super::decode::{self, Codec, Layout, Raster};
use super::orientation::Orientation;
use super::{Fit, MediaError, Rendition, metadata};

/// JPEG quality of every rendition: libvips' default, where artefacts stay invisible at
/// screen size and a 1,440-pixel preview weighs about 100–300 kB.
const JPEG_QUALITY: u8 = 82;

/// One rendition of the picture at `path` (stored as `content_type`) per entry of `fits`, in
/// the same order, upright, from a single decode.
///
/// # Errors
/// Not a picture we decode ([`MediaError::Unsupported`]), damaged data
/// ([`MediaError::Corrupt`]), a picture over the pixel or memory limits
/// ([`MediaError::TooLarge`]), or a file that cannot be read ([`MediaError::Io`]).
pub fn render_previews(path: &Path, content_type: &str, fits: &[Fit]) -> Result<Vec<Rendition>, MediaError> {
    let codec = Codec::for_content_type(content_type)?;
    if fits.is_empty() {
        return Ok(Vec::new());
    }
    let orientation = metadata::orientation(path, codec);
    let raster = decode::decode(path, codec, &|width, height| largest_target(fits, width, height))?;
    let mut resizer = Resizer::new();
    fits.iter().map(|fit| render(&mut resizer, &raster, *fit, orientation)).collect()
}

/// Most bytes [`render_previews`] of the same picture and fits allocates, from the header: the
/// decode's, and for each fit the resize's (a pass as wide as the fit and as tall as the
/// picture, or the other way round), the rendition, its turned copy and its JPEG.
///
/// # Errors
/// As [`render_previews`] for what its header tells: not a picture we decode, damaged, or over
/// the pixel limits.
pub fn memory_to_render(path: &Path, content_type: &str, fits: &[Fit]) -> Result<u64, MediaError> {
    let codec = Codec::for_content_type(content_type)?;
    let cost = decode::decode_cost(path, codec, &|width, height| largest_target(fits, width, height))?;
    let (width, height) = (u64::from(cost.width), u64::from(cost.height));
    let resizes: u64 = fits
        .iter()
        .map(|fit| {
            let (fit_width, fit_height) = fit.target_size(cost.width, cost.height);
            let (fit_width, fit_height) = (u64::from(fit_width), u64::from(fit_height));
            (fit_width * height + width * fit_height + 3 * fit_width * fit_height) * cost.channels
        })
        .sum();
    Ok(cost.bytes.saturating_add(resizes))
}

/// The smallest size that covers every fit of a `width` × `height` picture.
pub(super) fn largest_target(fits: &[Fit], width: u32, height: u32) -> (u32, u32) {
    fits.iter()
        .map(|fit| fit.target_size(width, height))
        .fold((1, 1), |(w, h), (fit_w, fit_h)| (w.max(fit_w), h.max(fit_h)))
}

pub(super) fn render(
    resizer: &mut Resizer,
    raster: &Raster,
    fit: Fit,
    orientation: Orientation,
) -> Result<Rendition, MediaError> {
    let (width, height) = fit.target_size(raster.width, raster.height);
    let resized;
    let sized = if (width, height) == (raster.width, raster.height) {
        raster
    } else {
        resized = resize(resizer, raster, width, height)?;
        &resized
    };
    let turned;
    let upright = if orientation == Orientation::Upright {
        sized
    } else {
        turned = orientation.apply(sized);
        &turned
    };
    Ok(Rendition { bytes: encode(upright)?, width: upright.width, height: upright.height })
}

fn resize(resizer: &mut Resizer, raster: &Raster, width: u32, height: u32) -> Result<Raster, MediaError> {
    let pixel_type = match raster.layout {
        Layout::Luma => PixelType::U8,
        Layout::Rgb => PixelType::U8x3,
        Layout::Rgba => PixelType::U8x4,
    };
    let failed =
        |error: &dyn std::fmt::Display| MediaError::Corrupt(format!("the picture could not be resized ({error})"));
    let source =
        ImageRef::new(raster.width, raster.height, &raster.data, pixel_type).map_err(|error| failed(&error))?;
    let mut target = Image::new(width, height, pixel_type);
    // Alpha is premultiplied for the filter and divided out after (the default), so
    // transparent pixels do not bleed their hidden colour into the edges.
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer.resize(&source, &mut target, &options).map_err(|error| failed(&error))?;
    Ok(Raster { width, height, layout: raster.layout, data: target.into_vec() })
}

fn encode(raster: &Raster) -> Result<Vec<u8>, MediaError> {
    let side = |length: u32| {
        u16::try_from(length)
            .map_err(|_| MediaError::TooLarge("a JPEG cannot be more than 65,535 pixels a side".to_owned()))
    };
    let (width, height) = (side(raster.width)?, side(raster.height)?);
    let mut bytes = Vec::new();
    let mut encoder = Encoder::new(&mut bytes, JPEG_QUALITY);
    // Averaged chroma, as libjpeg does: the default (top-left pixel) frays coloured edges.
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    let encoded = match raster.layout {
        Layout::Luma => encoder.encode(&raster.data, width, height, ColorType::Luma),
        Layout::Rgb => encoder.encode(&raster.data, width, height, ColorType::Rgb),
        Layout::Rgba => encoder.encode(&on_white(&raster.data), width, height, ColorType::Rgb),
    };
    encoded.map_err(|error| MediaError::Corrupt(format!("the preview could not be encoded ({error})")))?;
    Ok(bytes)
}

/// RGBA over a white page, as RGB: JPEG has no transparency, and a logo or screenshot with
/// transparent parts should not turn black.
fn on_white(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for pixel in rgba.chunks_exact(4) {
        let alpha = u16::from(pixel[3]);
        for &channel in &pixel[..3] {
            let blended = (u16::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            rgb.push(u8::try_from(blended).unwrap_or(u8::MAX));
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gray(width: u32, height: u32) -> Raster {
        Raster { width, height, layout: Layout::Luma, data: vec![128; width as usize * height as usize] }
    }

    #[test]
    fn the_decode_covers_the_largest_fit() {
        let fits = [Fit::ShortEdge(400), Fit::LongEdge(1440)];
        assert_eq!(largest_target(&fits, 6000, 4000), (1440, 960));
        assert_eq!(largest_target(&fits, 4000, 6000), (960, 1440));
        assert_eq!(largest_target(&fits, 300, 200), (300, 200));
    }

    #[test]
    fn renditions_have_the_fit_size_and_are_jpeg() {
        let mut resizer = Resizer::new();
        let rendition =
            render(&mut resizer, &gray(800, 600), Fit::LongEdge(200), Orientation::Upright).expect("rendered");
        assert_eq!((rendition.width, rendition.height), (200, 150));
        assert!(rendition.bytes.starts_with(b"\xFF\xD8\xFF"));
    }

    #[test]
    fn renditions_are_turned_after_the_resize() {
        let mut resizer = Resizer::new();
        let rendition =
            render(&mut resizer, &gray(800, 600), Fit::LongEdge(200), Orientation::Rotate90).expect("rendered");
        assert_eq!((rendition.width, rendition.height), (150, 200));
    }

    #[test]
    fn transparency_becomes_white() {
        assert_eq!(
            on_white(&[0, 0, 0, 0, 10, 20, 30, 255, 0, 0, 0, 128]),
            vec![255, 255, 255, 10, 20, 30, 127, 127, 127]
        );
    }
}
