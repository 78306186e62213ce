//! EXIF orientation (tag 274): how the stored pixels must be turned to be seen upright.
//! Cameras store the sensor's rows as they come and record how the camera was held.

use super::decode::Raster;

/// The eight EXIF orientations, named by what must be done to the stored pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Orientation {
    #[default]
    Upright,
    MirrorHorizontal,
    Rotate180,
    MirrorVertical,
    /// Mirrored along the top-left to bottom-right diagonal.
    Transpose,
    /// Turned 90° clockwise.
    Rotate90,
    /// Mirrored along the top-right to bottom-left diagonal.
    Transverse,
    /// Turned 90° counter-clockwise.
    Rotate270,
}

impl Orientation {
    /// The orientation of EXIF value `value`; `None` outside 1–8.
    pub(super) fn from_exif(value: u32) -> Option<Self> {
        Some(match value {
            1 => Self::Upright,
            2 => Self::MirrorHorizontal,
            3 => Self::Rotate180,
            4 => Self::MirrorVertical,
            5 => Self::Transpose,
            6 => Self::Rotate90,
            7 => Self::Transverse,
            8 => Self::Rotate270,
            _ => return None,
        })
    }

    /// Whether width and height trade places.
    pub(super) fn swaps_dimensions(self) -> bool {
        matches!(self, Self::Transpose | Self::Rotate90 | Self::Transverse | Self::Rotate270)
    }

    /// `raster` turned upright. Done on renditions, after the resize, where it is cheap.
    pub(super) fn apply(self, raster: &Raster) -> Raster {
        let (width, height) = (raster.width as usize, raster.height as usize);
        let (out_width, out_height) = if self.swaps_dimensions() { (height, width) } else { (width, height) };
        let channels = raster.layout.channels();
        let mut data = vec![0; raster.data.len()];
        for (y, row) in data.chunks_exact_mut(out_width * channels).enumerate() {
            for (x, pixel) in row.chunks_exact_mut(channels).enumerate() {
                let (source_x, source_y) = match self {
                    Self::Upright => (x, y),
                    Self::MirrorHorizontal => (width - 1 - x, y),
                    Self::Rotate180 => (width - 1 - x, height - 1 - y),
                    Self::MirrorVertical => (x, height - 1 - y),
                    Self::Transpose => (y, x),
                    Self::Rotate90 => (y, height - 1 - x),
                    Self::Transverse => (width - 1 - y, height - 1 - x),
                    Self::Rotate270 => (width - 1 - y, x),
                };
                let start = (source_y * width + source_x) * channels;
                pixel.copy_from_slice(&raster.data[start..start + channels]);
            }
        }
        Raster {
            width: u32::try_from(out_width).unwrap_or(raster.height),
            height: u32::try_from(out_height).unwrap_or(raster.width),
            layout: raster.layout,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::decode::Layout;

    /// A 3 × 2 gray picture whose pixels are numbered row by row:
    /// ```text
    /// 1 2 3
    /// 4 5 6
    /// ```
    fn numbered() -> Raster {
        Raster { width: 3, height: 2, layout: Layout::Luma, data: vec![1, 2, 3, 4, 5, 6] }
    }

    fn turned(value: u32) -> (u32, u32, Vec<u8>) {
        let orientation = Orientation::from_exif(value).unwrap_or_default();
        let raster = orientation.apply(&numbered());
        (raster.width, raster.height, raster.data)
    }

    #[test]
    fn each_exif_orientation_turns_the_pixels_upright() {
        assert_eq!(turned(1), (3, 2, vec![1, 2, 3, 4, 5, 6]));
        assert_eq!(turned(2), (3, 2, vec![3, 2, 1, 6, 5, 4]));
        assert_eq!(turned(3), (3, 2, vec![6, 5, 4, 3, 2, 1]));
        assert_eq!(turned(4), (3, 2, vec![4, 5, 6, 1, 2, 3]));
        assert_eq!(turned(5), (2, 3, vec![1, 4, 2, 5, 3, 6]));
        assert_eq!(turned(6), (2, 3, vec![4, 1, 5, 2, 6, 3]));
        assert_eq!(turned(7), (2, 3, vec![6, 3, 5, 2, 4, 1]));
        assert_eq!(turned(8), (2, 3, vec![3, 6, 2, 5, 1, 4]));
    }

    #[test]
    fn pixels_move_whole() {
        let raster = Raster { width: 2, height: 1, layout: Layout::Rgb, data: vec![255, 0, 0, 0, 0, 255] };
        let rotated = Orientation::Rotate90.apply(&raster);
        assert_eq!((rotated.width, rotated.height), (1, 2));
        assert_eq!(rotated.data, vec![255, 0, 0, 0, 0, 255]);
    }

    #[test]
    fn values_outside_one_to_eight_are_unknown() {
        assert_eq!(Orientation::from_exif(0), None);
        assert_eq!(Orientation::from_exif(9), None);
    }
}
