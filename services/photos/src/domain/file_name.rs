//! File names as the family's devices send them, made safe to store, show and offer for
//! download: no path, no control or bidirectional-control characters, no leading dots, at
//! most 200 characters.

use std::fmt;

use hearth_shared::display::is_bidi_control;

/// A user's file name after [`FileName::sanitize`]; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

/// Longest name kept, in characters (the extension is preserved when cutting).
const MAX_CHARS: usize = 200;

impl FileName {
    /// Keeps the last path component, drops control, bidirectional-control (a U+202E makes
    /// `photo\u{202E}gpj.exe` show as `photoexe.jpg`) and reserved characters, trims dots and
    /// spaces at the ends, shortens to 200 characters keeping the extension, and falls back
    /// to `upload` when nothing is left. Never fails: any name becomes a safe one.
    #[must_use]
    pub fn sanitize(raw: &str) -> Self {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let cleaned: String = last.chars().filter(|c| !unsafe_in_a_name(*c)).collect();
        let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
        let name = if trimmed.is_empty() { "upload".to_owned() } else { shorten(trimmed) };
        Self(name)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The extension, lowercased, without the dot.
    #[must_use]
    pub fn extension(&self) -> Option<String> {
        self.0.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).filter(|e| !e.is_empty() && e.len() <= 10)
    }
}

fn unsafe_in_a_name(c: char) -> bool {
    c.is_control() || is_bidi_control(c) || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_CHARS {
        return name.to_owned();
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 10 => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    let keep = MAX_CHARS - extension.chars().count();
    format!("{}{extension}", stem.chars().take(keep).collect::<String>())
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_become_safe() {
        assert_eq!(FileName::sanitize("IMG_0001.JPG").as_str(), "IMG_0001.JPG");
        assert_eq!(FileName::sanitize("../../etc/passwd").as_str(), "passwd");
        assert_eq!(FileName::sanitize("C:\\Users\\me\\photo.jpg").as_str(), "photo.jpg");
        assert_eq!(FileName::sanitize("..").as_str(), "upload");
        assert_eq!(FileName::sanitize("").as_str(), "upload");
        assert_eq!(FileName::sanitize("a\u{0}b\nc\u{1b}[31m.png").as_str(), "abc[31m.png");
        assert_eq!(FileName::sanitize(".hidden").as_str(), "hidden");
        assert_eq!(FileName::sanitize("what?<x>.txt").as_str(), "whatx.txt");
        assert_eq!(FileName::sanitize("photo\u{202E}gpj.exe").as_str(), "photogpj.exe");
        assert_eq!(FileName::sanitize("\u{2067}report\u{2069}.pdf").as_str(), "report.pdf");
    }

    #[test]
    fn long_names_keep_their_extension() {
        let long = format!("{}.jpeg", "x".repeat(1000));
        let name = FileName::sanitize(&long);
        assert_eq!(name.as_str().chars().count(), MAX_CHARS);
        assert!(name.as_str().ends_with(".jpeg"));
        assert_eq!(name.extension().as_deref(), Some("jpeg"));
    }
}
