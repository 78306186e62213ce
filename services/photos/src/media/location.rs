//! A JPEG without the place it was taken, for guests of a link that keeps locations private.
//!
//! The EXIF GPS directory is emptied in place: its entries and the values they point at are
//! overwritten with zeros and its entry count set to 0, so every offset in the block stays
//! valid and every other tag (orientation, date, camera) is kept. XMP packets, which can
//! repeat the location, are dropped. Segments are read one at a time and the compressed
//! picture after them is copied as it is, so memory stays small whatever the file's size.

use std::io::{self, Read, Write};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum LocationError {
    #[error("not a JPEG")]
    NotJpeg,
    #[error("the EXIF block is malformed: {0}")]
    BadExif(&'static str),
    #[error(transparent)]
    Io(#[from] io::Error),
}

const EXIF_HEADER: &[u8] = b"Exif\0\0";
const XMP_HEADER: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION_HEADER: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const APP1: u8 = 0xE1;
const START_OF_SCAN: u8 = 0xDA;
const GPS_IFD_POINTER: u16 = 0x8825;

/// Copies the JPEG in `input` to `output` without its location. Returns whether anything
/// was removed.
///
/// # Errors
/// Not a JPEG, a malformed EXIF block (nothing is guessed: the caller offers no original),
/// or I/O.
pub fn copy_without_location(mut input: impl Read, mut output: impl Write) -> Result<bool, LocationError> {
    let mut start = [0; 2];
    input.read_exact(&mut start).map_err(|_| LocationError::NotJpeg)?;
    if start != [0xFF, 0xD8] {
        return Err(LocationError::NotJpeg);
    }
    output.write_all(&start)?;
    let mut removed = false;
    loop {
        let marker = next_marker(&mut input)?;
        if marker == START_OF_SCAN {
            output.write_all(&[0xFF, marker])?;
            io::copy(&mut input, &mut output)?;
            return Ok(removed);
        }
        let mut length = [0; 2];
        input.read_exact(&mut length)?;
        let payload_length = usize::from(u16::from_be_bytes(length)).checked_sub(2).ok_or(LocationError::NotJpeg)?;
        let mut payload = vec![0; payload_length];
        input.read_exact(&mut payload)?;
        if marker == APP1 && (payload.starts_with(XMP_HEADER) || payload.starts_with(XMP_EXTENSION_HEADER)) {
            removed = true;
            continue;
        }
        if marker == APP1 && payload.starts_with(EXIF_HEADER) {
            removed |= empty_gps_directory(&mut payload[EXIF_HEADER.len()..])?;
        }
        output.write_all(&[0xFF, marker])?;
        output.write_all(&length)?;
        output.write_all(&payload)?;
    }
}

/// The next marker byte, skipping fill bytes (`FF FF …`).
fn next_marker(input: &mut impl Read) -> Result<u8, LocationError> {
    let mut byte = [0; 1];
    input.read_exact(&mut byte)?;
    if byte[0] != 0xFF {
        return Err(LocationError::NotJpeg);
    }
    while byte[0] == 0xFF {
        input.read_exact(&mut byte)?;
    }
    Ok(byte[0])
}

/// A TIFF block (the EXIF payload after its header) read and written in its byte order.
struct Tiff<'a> {
    bytes: &'a mut [u8],
    little_endian: bool,
}

impl Tiff<'_> {
    fn u16_at(&self, at: usize) -> Result<u16, LocationError> {
        let raw: [u8; 2] =
            self.bytes.get(at..at + 2).and_then(|b| b.try_into().ok()).ok_or(LocationError::BadExif("cut short"))?;
        Ok(if self.little_endian { u16::from_le_bytes(raw) } else { u16::from_be_bytes(raw) })
    }

    fn u32_at(&self, at: usize) -> Result<usize, LocationError> {
        let raw: [u8; 4] =
            self.bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).ok_or(LocationError::BadExif("cut short"))?;
        let value = if self.little_endian { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) };
        usize::try_from(value).map_err(|_| LocationError::BadExif("offset too large"))
    }

    fn zero(&mut self, at: usize, length: usize) -> Result<(), LocationError> {
        let end = at.checked_add(length).ok_or(LocationError::BadExif("offset too large"))?;
        self.bytes.get_mut(at..end).ok_or(LocationError::BadExif("a value lies outside the block"))?.fill(0);
        Ok(())
    }

    /// Where the directory at `ifd` points with `tag`, if it has that tag.
    fn pointer(&self, ifd: usize, tag: u16) -> Result<Option<usize>, LocationError> {
        let count = usize::from(self.u16_at(ifd)?);
        for entry in (0..count).map(|i| ifd + 2 + i * 12) {
            if self.u16_at(entry)? == tag {
                return self.u32_at(entry + 8).map(Some);
            }
        }
        Ok(None)
    }
}

/// Bytes of one value of a TIFF field type.
fn type_size(field_type: u16) -> Result<usize, LocationError> {
    match field_type {
        1 | 2 | 6 | 7 => Ok(1),
        3 | 8 => Ok(2),
        4 | 9 | 11 => Ok(4),
        5 | 10 | 12 => Ok(8),
        _ => Err(LocationError::BadExif("a GPS tag of unknown type")),
    }
}

/// Empties the GPS directory of a TIFF block in place; false when there is none.
fn empty_gps_directory(bytes: &mut [u8]) -> Result<bool, LocationError> {
    let little_endian = match bytes.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Err(LocationError::BadExif("no TIFF header")),
    };
    let mut tiff = Tiff { bytes, little_endian };
    let first = tiff.u32_at(4)?;
    let Some(gps) = tiff.pointer(first, GPS_IFD_POINTER)? else {
        return Ok(false);
    };
    let count = usize::from(tiff.u16_at(gps)?);
    for entry in (0..count).map(|i| gps + 2 + i * 12) {
        let size = type_size(tiff.u16_at(entry + 2)?)?
            .checked_mul(tiff.u32_at(entry + 4)?)
            .ok_or(LocationError::BadExif("a value too large"))?;
        if size > 4 {
            let at = tiff.u32_at(entry + 8)?;
            tiff.zero(at, size)?;
        }
        tiff.zero(entry, 12)?;
    }
    tiff.zero(gps, 2)?;
    Ok(count > 0)
}

#[cfg(test)]
mod tests {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};

    use super::*;

    fn exif_block(with_gps: bool, little_endian: bool) -> Vec<u8> {
        let orientation = Field { tag: Tag::Orientation, ifd_num: In::PRIMARY, value: Value::Short(vec![6]) };
        let make = Field { tag: Tag::Make, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"Canon".to_vec()]) };
        let latitude_ref =
            Field { tag: Tag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"N".to_vec()]) };
        let latitude = Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![Rational::from((48, 1)), Rational::from((51, 1)), Rational::from((2940, 100))]),
        };
        let mut writer = Writer::new();
        writer.push_field(&orientation);
        writer.push_field(&make);
        if with_gps {
            writer.push_field(&latitude_ref);
            writer.push_field(&latitude);
        }
        let mut tiff = io::Cursor::new(Vec::new());
        writer.write(&mut tiff, little_endian).expect("EXIF written");
        tiff.into_inner()
    }

    const XMP_PACKET: &[u8] = b"<x:xmpmeta exif:GPSLatitude=\"48,51.49N\"/>";

    /// A JPEG's segments around `exif`: APP0, APP1 EXIF, APP1 XMP, then a scan.
    fn jpeg_with(exif: &[u8]) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8];
        let mut segment = |marker: u8, payload: &[u8]| {
            jpeg.extend([0xFF, marker]);
            jpeg.extend(u16::try_from(payload.len() + 2).expect("short").to_be_bytes());
            jpeg.extend(payload);
        };
        segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        segment(APP1, &[EXIF_HEADER, exif].concat());
        segment(APP1, &[XMP_HEADER, XMP_PACKET].concat());
        jpeg.extend([0xFF, START_OF_SCAN, 0, 2, 0x12, 0x34, 0xFF, 0xD9]);
        jpeg
    }

    fn exif_of(jpeg: &[u8]) -> exif::Exif {
        exif::Reader::new().read_from_container(&mut io::Cursor::new(jpeg)).expect("EXIF read")
    }

    #[test]
    fn the_location_goes_and_everything_else_stays() {
        for little_endian in [true, false] {
            let original = jpeg_with(&exif_block(true, little_endian));
            assert!(exif_of(&original).get_field(Tag::GPSLatitude, In::PRIMARY).is_some());
            let mut clean = Vec::new();
            assert!(copy_without_location(original.as_slice(), &mut clean).expect("copied"));
            let exif = exif_of(&clean);
            assert!(exif.fields().all(|f| !matches!(f.tag, Tag::GPSLatitude | Tag::GPSLatitudeRef)));
            assert_eq!(exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0)), Some(6));
            assert!(!String::from_utf8_lossy(&clean).contains("GPSLatitude"), "the XMP packet is gone");
            assert!(clean.ends_with(&[0xFF, START_OF_SCAN, 0, 2, 0x12, 0x34, 0xFF, 0xD9]), "the picture is kept");
        }
    }

    #[test]
    fn a_photo_without_a_location_is_copied_as_it_is_but_for_xmp() {
        let original = jpeg_with(&exif_block(false, true));
        let mut clean = Vec::new();
        copy_without_location(original.as_slice(), &mut clean).expect("copied");
        let xmp_segment = 4 + XMP_HEADER.len() + XMP_PACKET.len();
        assert_eq!(clean.len(), original.len() - xmp_segment);
    }

    #[test]
    fn broken_files_are_refused_not_guessed() {
        let mut sink = Vec::new();
        assert!(matches!(copy_without_location(&b"GIF89a"[..], &mut sink), Err(LocationError::NotJpeg)));
        let mut exif = exif_block(true, true);
        exif[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let broken = jpeg_with(&exif);
        assert!(matches!(copy_without_location(broken.as_slice(), &mut sink), Err(LocationError::BadExif(_))));
        let cut = &jpeg_with(&exif_block(true, true))[..30];
        assert!(copy_without_location(cut, &mut sink).is_err());
    }
}
