//! A photo's facts: its size from the header, and what its EXIF says about when, with what and
//! where it was taken, and how the camera was held. EXIF is best effort: a missing or broken
//! block gives `None`s, never an error.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use exif::{Exif, In, Tag, Value};
use image::ImageFormat;
use time::{Date, Month, PrimitiveDateTime, Time, UtcOffset};

use super::decode::{self, Codec};
use super::orientation::Orientation;
use super::{Exposure, MediaError, PhotoInfo};

/// Largest TIFF whose EXIF is read: the EXIF of a TIFF is the whole file, which the reader
/// loads into memory. A larger TIFF (a scan) has no date or camera.
pub(super) const MAX_TIFF_EXIF_BYTES: u64 = 32 * 1024 * 1024;

/// The size and EXIF facts of the photo at `path`, stored as `content_type`. Reads the header
/// and the EXIF block only: cheap, and it does not refuse pictures too large to decode.
///
/// # Errors
/// Not a picture we decode ([`MediaError::Unsupported`]), a header that cannot be read
/// ([`MediaError::Corrupt`]), or a file that cannot be opened ([`MediaError::Io`]).
pub fn read_photo_info(path: &Path, content_type: &str) -> Result<PhotoInfo, MediaError> {
    let codec = Codec::for_content_type(content_type)?;
    let (stored_width, stored_height) = decode::dimensions(path, codec)?;
    let facts = read_exif(path, codec).map(|exif| ExifFacts::of(&exif)).unwrap_or_default();
    let turned = codec.uses_exif_orientation() && facts.orientation.swaps_dimensions();
    let (width, height) = if turned { (stored_height, stored_width) } else { (stored_width, stored_height) };
    let (taken_at, taken_offset_minutes) = facts.taken.map_or((None, None), |(at, offset)| (Some(at), offset));
    Ok(PhotoInfo {
        width,
        height,
        taken_at,
        camera: facts.camera,
        lens: facts.lens,
        gps: facts.gps,
        taken_offset_minutes,
        exposure: facts.exposure,
    })
}

/// How the decoded pixels of the picture at `path` must be turned to be upright.
pub(super) fn orientation(path: &Path, codec: Codec) -> Orientation {
    if !codec.uses_exif_orientation() {
        return Orientation::Upright;
    }
    read_exif(path, codec).and_then(|exif| orientation_of(&exif)).unwrap_or_default()
}

fn read_exif(path: &Path, codec: Codec) -> Option<Exif> {
    let file = File::open(path).ok()?;
    if codec == Codec::Image(ImageFormat::Tiff) && file.metadata().ok()?.len() > MAX_TIFF_EXIF_BYTES {
        return None;
    }
    decode::guarded(|| Ok(exif::Reader::new().read_from_container(&mut BufReader::new(file)).ok())).ok().flatten()
}

/// What Hearth keeps from an EXIF block.
#[derive(Debug, Default, PartialEq)]
struct ExifFacts {
    orientation: Orientation,
    /// When, in Unix seconds, and the clock's offset from UTC in minutes when the EXIF says.
    taken: Option<(i64, Option<i16>)>,
    camera: Option<String>,
    lens: Option<String>,
    gps: Option<(f64, f64)>,
    exposure: Exposure,
}

impl ExifFacts {
    fn of(exif: &Exif) -> Self {
        Self {
            orientation: orientation_of(exif).unwrap_or_default(),
            taken: taken(exif),
            camera: camera(text(exif, Tag::Make), text(exif, Tag::Model)),
            lens: text(exif, Tag::LensModel),
            gps: gps(exif),
            exposure: exposure(exif),
        }
    }
}

fn orientation_of(exif: &Exif) -> Option<Orientation> {
    let value = exif.get_field(Tag::Orientation, In::PRIMARY)?.value.get_uint(0)?;
    Orientation::from_exif(value)
}

/// The first string of an ASCII field.
fn ascii(exif: &Exif, tag: Tag) -> Option<&[u8]> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(strings) => strings.first().map(Vec::as_slice),
        _ => None,
    }
}

/// Longest camera or lens name kept: real ones are a few dozen characters, and a file may
/// hold megabytes in the field.
const MAX_NAME_CHARS: usize = 200;

/// An ASCII field as trimmed text, at most [`MAX_NAME_CHARS`]; `None` when blank.
fn text(exif: &Exif, tag: Tag) -> Option<String> {
    let text = String::from_utf8_lossy(ascii(exif, tag)?);
    let trimmed = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.chars().take(MAX_NAME_CHARS).collect())
}

/// DateTimeOriginal in Unix seconds, at OffsetTimeOriginal when the camera wrote one (and
/// that offset, in minutes); the camera's clock read as UTC when it did not.
fn taken(exif: &Exif) -> Option<(i64, Option<i16>)> {
    let mut taken = exif::DateTime::from_ascii(ascii(exif, Tag::DateTimeOriginal)?).ok()?;
    if let Some(offset) = ascii(exif, Tag::OffsetTimeOriginal) {
        // An unreadable offset leaves the time as UTC, as if there were none.
        taken.parse_offset(offset).ok();
    }
    let date = Date::from_calendar_date(taken.year.into(), Month::try_from(taken.month).ok()?, taken.day).ok()?;
    // A leap second (":60") is kept as the second before it.
    let clock = Time::from_hms(taken.hour, taken.minute, taken.second.min(59)).ok()?;
    let recorded = taken.offset.and_then(|minutes| {
        UtcOffset::from_whole_seconds(i32::from(minutes) * 60).ok().map(|offset| (minutes, offset))
    });
    let offset = recorded.map_or(UtcOffset::UTC, |(_, offset)| offset);
    let at = PrimitiveDateTime::new(date, clock).assume_offset(offset).unix_timestamp();
    Some((at, recorded.map(|(minutes, _)| minutes)))
}

/// Exposure times a camera can give: 1/100,000 s to an hour.
const EXPOSURE_SECONDS: std::ops::RangeInclusive<f64> = 0.000_01..=3600.0;

/// The exposure fields, each `None` when missing, malformed or past what a camera can do.
fn exposure(exif: &Exif) -> Exposure {
    let hundredths = |tag, range: std::ops::RangeInclusive<f64>| {
        rational(exif, tag).filter(|value| range.contains(value)).and_then(|value| {
            let scaled = (value * 100.0).round();
            (scaled >= 1.0 && scaled <= f64::from(u32::MAX)).then_some(scaled as u32)
        })
    };
    Exposure {
        exposure_time: exposure_time(exif),
        f_number_hundredths: hundredths(Tag::FNumber, 0.5..=256.0),
        iso: whole(exif, Tag::PhotographicSensitivity).filter(|iso| (1..=10_000_000).contains(iso)),
        focal_length_hundredths: hundredths(Tag::FocalLength, 0.1..=20_000.0),
        focal_length_35mm: whole(exif, Tag::FocalLengthIn35mmFilm).filter(|mm| (1..=20_000).contains(mm)),
    }
}

/// The first value of a rational field, when its denominator is not zero.
fn rational(exif: &Exif, tag: Tag) -> Option<f64> {
    match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Rational(parts) => parts.first().filter(|part| part.denom != 0).map(|part| part.to_f64()),
        _ => None,
    }
}

/// The first value of a whole-number field (SHORT or LONG).
fn whole(exif: &Exif, tag: Tag) -> Option<u32> {
    exif.get_field(tag, In::PRIMARY)?.value.get_uint(0)
}

/// ExposureTime as a reduced fraction of seconds: `1/250`, `2`, `13/10`.
fn exposure_time(exif: &Exif) -> Option<String> {
    let Value::Rational(parts) = &exif.get_field(Tag::ExposureTime, In::PRIMARY)?.value else {
        return None;
    };
    let part = parts.first().filter(|part| part.denom != 0 && part.num != 0)?;
    if !EXPOSURE_SECONDS.contains(&part.to_f64()) {
        return None;
    }
    let common = gcd(part.num, part.denom);
    let (num, denom) = (part.num / common, part.denom / common);
    Some(if denom == 1 { num.to_string() } else { format!("{num}/{denom}") })
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// "Make Model", without the make twice: many cameras repeat it in the model
/// ("Canon" + "Canon EOS R5", "NIKON CORPORATION" + "NIKON D750").
fn camera(make: Option<String>, model: Option<String>) -> Option<String> {
    match (make, model) {
        (Some(make), Some(model)) => {
            let brand = make.split_whitespace().next().unwrap_or_default();
            let repeated = model.to_lowercase().starts_with(&brand.to_lowercase());
            Some(if repeated { model } else { format!("{make} {model}") })
        }
        (make, model) => model.or(make),
    }
}

/// Latitude and longitude in signed degrees. `None` without a hemisphere, out of range, or
/// at exactly 0, 0, which phones write when they had no fix.
fn gps(exif: &Exif) -> Option<(f64, f64)> {
    let latitude = match ascii(exif, Tag::GPSLatitudeRef)?.first()? {
        b'N' | b'n' => degrees(exif, Tag::GPSLatitude)?,
        b'S' | b's' => -degrees(exif, Tag::GPSLatitude)?,
        _ => return None,
    };
    let longitude = match ascii(exif, Tag::GPSLongitudeRef)?.first()? {
        b'E' | b'e' => degrees(exif, Tag::GPSLongitude)?,
        b'W' | b'w' => -degrees(exif, Tag::GPSLongitude)?,
        _ => return None,
    };
    let in_range = (-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude);
    let no_fix = latitude == 0.0 && longitude == 0.0;
    (in_range && !no_fix).then_some((latitude, longitude))
}

/// Degrees, minutes and seconds (each a rational) as degrees.
fn degrees(exif: &Exif, tag: Tag) -> Option<f64> {
    let Value::Rational(parts) = &exif.get_field(tag, In::PRIMARY)?.value else {
        return None;
    };
    let mut total = 0.0;
    for (part, unit) in parts.iter().zip([1.0, 60.0, 3600.0]) {
        if part.denom == 0 {
            return None;
        }
        total += f64::from(part.num) / f64::from(part.denom) / unit;
    }
    (!parts.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use exif::experimental::Writer;
    use exif::{Field, Rational};

    fn ascii_field(tag: Tag, text: &str) -> Field {
        Field { tag, ifd_num: In::PRIMARY, value: Value::Ascii(vec![text.as_bytes().to_vec()]) }
    }

    fn dms(degrees: u32, minutes: u32, seconds_hundredths: u32) -> Value {
        Value::Rational(vec![
            Rational::from((degrees, 1)),
            Rational::from((minutes, 1)),
            Rational::from((seconds_hundredths, 100)),
        ])
    }

    fn taken_at(exif: &Exif) -> Option<i64> {
        taken(exif).map(|(at, _)| at)
    }

    /// An EXIF block with `fields`, as a camera would write it, read back.
    fn exif_with(fields: &[Field]) -> Exif {
        let mut writer = Writer::new();
        for field in fields {
            writer.push_field(field);
        }
        let mut tiff = std::io::Cursor::new(Vec::new());
        writer.write(&mut tiff, false).expect("EXIF written");
        exif::Reader::new().read_raw(tiff.into_inner()).expect("EXIF read back")
    }

    #[test]
    fn a_full_camera_block() {
        let exif = exif_with(&[
            Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![6]) },
            ascii_field(Tag::Make, "Canon"),
            ascii_field(Tag::Model, "Canon EOS R5"),
            ascii_field(Tag::LensModel, "RF24-105mm F4 L IS USM"),
            ascii_field(Tag::DateTimeOriginal, "2024:07:14 15:30:00"),
            ascii_field(Tag::OffsetTimeOriginal, "+02:00"),
            ascii_field(Tag::GPSLatitudeRef, "N"),
            Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: dms(48, 51, 2940) },
            ascii_field(Tag::GPSLongitudeRef, "E"),
            Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: dms(2, 17, 4000) },
        ]);
        let facts = ExifFacts::of(&exif);
        assert_eq!(facts.orientation, Orientation::Rotate90);
        // 2024-07-14 13:30:00 UTC, recorded at UTC+02:00
        assert_eq!(facts.taken, Some((1_720_963_800, Some(120))));
        assert_eq!(facts.camera.as_deref(), Some("Canon EOS R5"));
        assert_eq!(facts.lens.as_deref(), Some("RF24-105mm F4 L IS USM"));
        let (latitude, longitude) = facts.gps.expect("GPS read");
        assert!((latitude - 48.858_166).abs() < 1e-5, "{latitude}");
        assert!((longitude - 2.294_444).abs() < 1e-5, "{longitude}");
    }

    #[test]
    fn without_an_offset_the_camera_clock_is_utc() {
        let exif = exif_with(&[ascii_field(Tag::DateTimeOriginal, "2001:02:03 04:05:06")]);
        assert_eq!(taken(&exif), Some((981_173_106, None)), "no offset is recorded");
        let unreadable = exif_with(&[
            ascii_field(Tag::DateTimeOriginal, "2001:02:03 04:05:06"),
            ascii_field(Tag::OffsetTimeOriginal, "soon"),
        ]);
        assert_eq!(taken(&unreadable), Some((981_173_106, None)), "an offset that is not one is none");
    }

    fn rational_field(tag: Tag, num: u32, denom: u32) -> Field {
        Field { tag, ifd_num: In::PRIMARY, value: Value::Rational(vec![Rational::from((num, denom))]) }
    }

    fn short_field(tag: Tag, value: u16) -> Field {
        Field { tag, ifd_num: In::PRIMARY, value: Value::Short(vec![value]) }
    }

    #[test]
    fn the_exposure_is_read_as_the_camera_recorded_it() {
        let exif = exif_with(&[
            rational_field(Tag::ExposureTime, 10, 2500),
            rational_field(Tag::FNumber, 18, 10),
            short_field(Tag::PhotographicSensitivity, 50),
            rational_field(Tag::FocalLength, 686, 100),
            short_field(Tag::FocalLengthIn35mmFilm, 26),
        ]);
        assert_eq!(
            exposure(&exif),
            Exposure {
                exposure_time: Some("1/250".to_owned()),
                f_number_hundredths: Some(180),
                iso: Some(50),
                focal_length_hundredths: Some(686),
                focal_length_35mm: Some(26),
            }
        );
        let long = exif_with(&[rational_field(Tag::ExposureTime, 30, 1)]);
        assert_eq!(exposure(&long).exposure_time.as_deref(), Some("30"));
    }

    #[test]
    fn impossible_exposures_are_none() {
        let exif = exif_with(&[
            rational_field(Tag::ExposureTime, 1, 0),
            rational_field(Tag::FNumber, 0, 1),
            short_field(Tag::PhotographicSensitivity, 0),
            rational_field(Tag::FocalLength, u32::MAX, 1),
        ]);
        assert_eq!(exposure(&exif), Exposure::default());
        let endless = exif_with(&[rational_field(Tag::ExposureTime, 100_000, 1)]);
        assert_eq!(exposure(&endless).exposure_time, None);
    }

    #[test]
    fn a_west_of_utc_offset_moves_the_time_later() {
        let exif = exif_with(&[
            ascii_field(Tag::DateTimeOriginal, "2001:02:03 04:05:06"),
            ascii_field(Tag::OffsetTimeOriginal, "-05:30"),
        ]);
        assert_eq!(taken_at(&exif), Some(981_173_106 + 5 * 3600 + 30 * 60));
    }

    #[test]
    fn blank_or_impossible_dates_are_none() {
        for date in ["    :  :     :  :  ", "0000:00:00 00:00:00", "2024:02:30 10:00:00"] {
            let exif = exif_with(&[ascii_field(Tag::DateTimeOriginal, date)]);
            assert_eq!(taken_at(&exif), None, "{date}");
        }
    }

    #[test]
    fn south_and_west_are_negative() {
        let exif = exif_with(&[
            ascii_field(Tag::GPSLatitudeRef, "S"),
            Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: dms(33, 51, 5400) },
            ascii_field(Tag::GPSLongitudeRef, "W"),
            Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: dms(70, 40, 0) },
        ]);
        let (latitude, longitude) = gps(&exif).expect("GPS read");
        assert!((latitude + 33.865).abs() < 1e-9, "{latitude}");
        assert!((longitude + 70.666_666).abs() < 1e-5, "{longitude}");
    }

    #[test]
    fn gps_without_a_fix_or_hemisphere_is_none() {
        let no_fix = exif_with(&[
            ascii_field(Tag::GPSLatitudeRef, "N"),
            Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: dms(0, 0, 0) },
            ascii_field(Tag::GPSLongitudeRef, "E"),
            Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: dms(0, 0, 0) },
        ]);
        assert_eq!(gps(&no_fix), None);
        let no_hemisphere = exif_with(&[Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: dms(48, 0, 0) }]);
        assert_eq!(gps(&no_hemisphere), None);
        let zero_denominator = exif_with(&[
            ascii_field(Tag::GPSLatitudeRef, "N"),
            Field { tag: Tag::GPSLatitude, ifd_num: In::PRIMARY, value: Value::Rational(vec![Rational::from((1, 0))]) },
            ascii_field(Tag::GPSLongitudeRef, "E"),
            Field { tag: Tag::GPSLongitude, ifd_num: In::PRIMARY, value: dms(2, 0, 0) },
        ]);
        assert_eq!(gps(&zero_denominator), None);
    }

    #[test]
    fn the_camera_names_its_make_once() {
        let camera_of = |make: &str, model: &str| camera(Some(make.into()), Some(model.into()));
        assert_eq!(camera_of("NIKON CORPORATION", "NIKON D750").as_deref(), Some("NIKON D750"));
        assert_eq!(camera_of("Apple", "iPhone 15 Pro").as_deref(), Some("Apple iPhone 15 Pro"));
        assert_eq!(camera_of("SONY", "ILCE-7M3").as_deref(), Some("SONY ILCE-7M3"));
        assert_eq!(camera(None, Some("X100V".into())).as_deref(), Some("X100V"));
        assert_eq!(camera(Some("FUJIFILM".into()), None).as_deref(), Some("FUJIFILM"));
        assert_eq!(camera(None, None), None);
    }

    #[test]
    fn names_are_cut_at_a_sensible_length() {
        let exif = exif_with(&[ascii_field(Tag::Model, &"X".repeat(100_000))]);
        assert_eq!(text(&exif, Tag::Model).map(|name| name.len()), Some(MAX_NAME_CHARS));
    }

    #[test]
    fn blank_strings_are_none() {
        let exif = exif_with(&[ascii_field(Tag::Make, "   "), ascii_field(Tag::Model, "")]);
        assert_eq!(ExifFacts::of(&exif), ExifFacts::default());
    }
}
