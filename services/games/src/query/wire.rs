//! Reading a reply's fields in order: bytes, little-endian integers, NUL-terminated strings,
//! and Teeworlds' variable-length integers; each read fails on a reply that ends too soon.

use super::QueryError;

/// A cursor over a reply.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

fn short(what: &str) -> QueryError {
    QueryError::BadReply(format!("the reply ends before its {what}"))
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub fn take(&mut self, count: usize, what: &str) -> Result<&'a [u8], QueryError> {
        if self.bytes.len() < count {
            return Err(short(what));
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Ok(taken)
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, QueryError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn u16_le(&mut self, what: &str) -> Result<u16, QueryError> {
        let bytes = self.take(2, what)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    pub fn u32_le(&mut self, what: &str) -> Result<u32, QueryError> {
        let bytes = self.take(4, what)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// A NUL-terminated string (invalid UTF-8 replaced).
    pub fn string(&mut self, what: &str) -> Result<String, QueryError> {
        let end = self.bytes.iter().position(|b| *b == 0).ok_or_else(|| short(what))?;
        let text = String::from_utf8_lossy(&self.bytes[..end]).into_owned();
        self.bytes = &self.bytes[end + 1..];
        Ok(text)
    }

    /// Teeworlds' packed integer (`CVariableInt`): the first byte holds an extension bit, a
    /// sign bit and 6 bits; each further byte an extension bit and 7 bits; at most 5 bytes.
    pub fn packed_int(&mut self, what: &str) -> Result<i32, QueryError> {
        let first = self.u8(what)?;
        let negative = first & 0x40 != 0;
        let mut value = u32::from(first & 0x3f);
        let mut more = first & 0x80 != 0;
        let mut shift = 6;
        while more {
            if shift > 27 {
                return Err(QueryError::BadReply(format!("its {what} is not a packed integer")));
            }
            let next = self.u8(what)?;
            value |= u32::from(next & 0x7f) << shift;
            more = next & 0x80 != 0;
            shift += 7;
        }
        let value = i32::from_ne_bytes(value.to_ne_bytes());
        Ok(if negative { !value } else { value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_order_and_stops_at_the_end() {
        let mut reader = Reader::new(b"\x2b\x00\x06Probe\x00\x01\x02\x03\x04");
        assert_eq!(reader.u16_le("size").ok(), Some(43));
        assert_eq!(reader.u8("type").ok(), Some(6));
        assert_eq!(reader.string("name").ok().as_deref(), Some("Probe"));
        assert_eq!(reader.u32_le("date").ok(), Some(0x0403_0201));
        assert!(reader.u8("end").is_err_and(|e| e.to_string().contains("before its end")));
        assert!(Reader::new(b"no end").string("name").is_err());
    }

    #[test]
    fn packed_integers_as_teeworlds_writes_them() {
        let cases: [(&[u8], i32); 6] =
            [(b"\x00", 0), (b"\x08", 8), (b"\x3f", 63), (b"\x80\x01", 64), (b"\x40", -1), (b"\xbf\x7f", 8191)];
        for (bytes, expected) in cases {
            assert_eq!(Reader::new(bytes).packed_int("n").ok(), Some(expected), "{bytes:?}");
        }
        assert!(Reader::new(b"\x80").packed_int("n").is_err());
    }
}
