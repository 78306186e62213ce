//! A PDF's first page as pictures, for the grid and the document's page: drawn by `hayro`
//! (pure Rust, ADR 0064) on white, at the size the largest fit needs, then resized for each
//! fit like a photo's renditions.
//!
//! The renderer reads the whole document and follows what it says (a page may draw itself,
//! fonts and images may be inflated past any size); as for [`super::pdf_text`], only the
//! decoder child's limits end that, so this runs there alone.

use std::path::Path;

use fast_image_resize::Resizer;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{PixmapSettings, RenderCache, RenderSettings};

use super::decode::{Layout, Raster, guarded};
use super::orientation::Orientation;
use super::preview::{largest_target, render};
use super::{Fit, MAX_SIDE, MediaError, Rendition};

/// Most pixels a side of the drawn page may have, whatever the fits ask: a page is drawn
/// once, at the largest fit, and a fit larger than a screen is no use for a first page.
const LONGEST_SIDE: u32 = 2048;

/// One rendition of the first page of the PDF at `path` per entry of `fits`, in the same order.
///
/// # Errors
/// A PDF that cannot be read (damaged, or encrypted: [`MediaError::Unsupported`]), one without
/// pages or whose first page has no size ([`MediaError::Corrupt`]), or a file that cannot be
/// read ([`MediaError::Io`]).
pub fn render_pdf_page(path: &Path, fits: &[Fit]) -> Result<Vec<Rendition>, MediaError> {
    if fits.is_empty() {
        return Ok(Vec::new());
    }
    let bytes = std::fs::read(path)?;
    let page = guarded(|| draw_first_page(bytes, fits))?;
    let mut resizer = Resizer::new();
    fits.iter().map(|fit| render(&mut resizer, &page, *fit, Orientation::Upright)).collect()
}

/// The first page, drawn on white at the size that covers every fit.
fn draw_first_page(bytes: Vec<u8>, fits: &[Fit]) -> Result<Raster, MediaError> {
    let pdf = Pdf::new(bytes).map_err(|error| match error {
        LoadPdfError::Decryption(_) => MediaError::Unsupported("the document is encrypted".to_owned()),
        LoadPdfError::Invalid => MediaError::Corrupt("the document is damaged or not a PDF".to_owned()),
    })?;
    let page = pdf.pages().first().ok_or_else(|| MediaError::Corrupt("the document has no pages".to_owned()))?;
    let (page_width, page_height) = page.render_dimensions();
    let (width, height) = drawn_size((page_width, page_height), fits)?;
    let settings =
        PixmapSettings { x_scale: width as f32 / page_width, y_scale: height as f32 / page_height, bg_color: WHITE };
    let cache = RenderCache::new();
    let pixmap = hayro::render(page, &cache, &InterpreterSettings::default(), &RenderSettings::default(), &settings);
    let (drawn_width, drawn_height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    let data = pixmap.data_as_u8_slice().to_vec();
    Raster::new(drawn_width, drawn_height, Layout::Rgba, data)
}

/// The pixel size the page of `points` is drawn at: the smallest that covers every fit, at most
/// [`LONGEST_SIDE`] a side, keeping its proportions.
fn drawn_size((width, height): (f32, f32), fits: &[Fit]) -> Result<(u32, u32), MediaError> {
    let no_size = || MediaError::Corrupt("the first page has no size".to_owned());
    if !(width.is_finite() && height.is_finite() && width >= 1.0 && height >= 1.0) {
        return Err(no_size());
    }
    // The page as if it were a picture as large as any we read, so that every fit shrinks it.
    let scale = MAX_SIDE as f32 / width.max(height);
    let (large_width, large_height) = ((width * scale).round().max(1.0), (height * scale).round().max(1.0));
    let (fit_width, fit_height) = largest_target(fits, large_width as u32, large_height as u32);
    let longest = fit_width.max(fit_height);
    if longest <= LONGEST_SIDE {
        return Ok((fit_width, fit_height));
    }
    Ok(Fit::LongEdge(LONGEST_SIDE).target_size(fit_width, fit_height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_drawn_at_the_largest_fit() {
        let fits = [Fit::ShortEdge(400), Fit::LongEdge(1440)];
        assert_eq!(drawn_size((612.0, 792.0), &fits).expect("letter"), (1113, 1440));
        assert_eq!(drawn_size((842.0, 595.0), &fits).expect("A4 landscape"), (1440, 1018));
        let narrow = drawn_size((100.0, 10_000.0), &[Fit::ShortEdge(400)]).expect("a strip");
        assert_eq!(narrow.1, LONGEST_SIDE, "never larger than {LONGEST_SIDE} a side: {narrow:?}");
    }

    #[test]
    fn a_page_without_a_size_is_damaged() {
        for size in [(0.0, 792.0), (612.0, f32::NAN), (f32::INFINITY, 1.0)] {
            assert!(matches!(drawn_size(size, &[Fit::LongEdge(100)]), Err(MediaError::Corrupt(_))), "{size:?}");
        }
    }
}
