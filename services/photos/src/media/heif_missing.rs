//! Without the `heic` feature (a build on a machine without libheif-dev), HEIF, HEIC and AVIF
//! pictures are stored and served but get no preview, with a reason that says how to fix it.

use std::path::Path;

use super::MediaError;
use super::decode::{DecodeCost, Raster};

fn not_built() -> MediaError {
    MediaError::Unsupported(
        "this Hearth was built without HEIC support (install pkg-config and libheif-dev, then rebuild)".to_owned(),
    )
}

pub(super) fn dimensions(_path: &Path) -> Result<(u32, u32), MediaError> {
    Err(not_built())
}

pub(super) fn decode(_path: &Path) -> Result<Raster, MediaError> {
    Err(not_built())
}

pub(super) fn decode_cost(_path: &Path) -> Result<DecodeCost, MediaError> {
    Err(not_built())
}
