//! A SHA-256 content hash: the name of a blob.

use std::fmt;

use hearth_shared::AppError;

/// 64 lowercase hex digits. Blobs are named by it, so the same bytes are stored once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sha256(String);

impl Sha256 {
    /// # Errors
    /// Anything but 64 hex digits.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let hex = raw.trim().to_ascii_lowercase();
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(hex))
        } else {
            Err(AppError::BadRequest("A SHA-256 is 64 hexadecimal digits.".to_owned()))
        }
    }

    /// From a finished digest.
    #[must_use]
    pub fn from_digest(digest: &[u8]) -> Self {
        Self(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_hex_digits_parse() {
        let hex = "ab".repeat(32);
        assert_eq!(Sha256::parse(&hex.to_uppercase()).expect("valid").as_str(), hex);
        assert!(Sha256::parse("../../etc/passwd").is_err());
        assert!(Sha256::parse(&"g".repeat(64)).is_err());
        assert_eq!(Sha256::from_digest(&[0xab; 32]).as_str(), hex);
    }
}
