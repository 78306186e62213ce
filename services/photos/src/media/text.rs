//! The words inside a document, for search: a PDF's text through `pdf-extract`.
//!
//! `pdf-extract` follows the document wherever it leads: a form that draws itself recurses
//! until the stack runs out, and a compressed stream is inflated whole, however large. Neither
//! can be caught here; this runs only in the decoder child, whose limits end it.

use std::path::Path;

use super::MediaError;
use super::decode::guarded;

/// The first `max_chars` characters of the text of the PDF at `path`.
///
/// # Errors
/// A PDF whose text cannot be read (encrypted, damaged, or one that makes the extractor
/// panic): [`MediaError::Corrupt`] with the extractor's reason.
pub fn pdf_text(path: &Path, max_chars: usize) -> Result<String, MediaError> {
    guarded(|| match pdf_extract::extract_text(path) {
        Ok(text) => Ok(text.chars().take(max_chars).collect()),
        Err(error) => Err(MediaError::Corrupt(format!("its text cannot be read ({error})"))),
    })
}
