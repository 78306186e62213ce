//! How values are shown to people: sizes in the units they read, and names other members
//! typed with the characters that could disguise them neutralised.

/// `700 bytes`, `1.5 MB`, `2 GB` (powers of 1024, one decimal unless it is `.0`).
#[must_use]
#[expect(clippy::cast_precision_loss, reason = "one decimal is shown")]
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{value:.1} {}", UNITS[unit]).replace(".0 ", " ") }
}

/// Whether `c` changes the direction of the text around it. A name holding U+202E ("right-to-
/// left override") before `gpj.exe` shows `photo…gpj.exe` as `photoexe.jpg`.
#[must_use]
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `name` without its bidirectional controls (embeddings, overrides, isolates and marks), so it
/// reads the same on every screen as the bytes it names.
#[must_use]
pub fn without_bidi_controls(name: &str) -> String {
    name.chars().filter(|c| !is_bidi_control(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(human_size(700), "700 bytes");
        assert_eq!(human_size(2 * 1024 * 1024), "2 MB");
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
    }

    #[test]
    fn overrides_and_isolates_are_taken_out() {
        assert_eq!(without_bidi_controls("photo\u{202E}gpj.exe"), "photogpj.exe");
        assert_eq!(without_bidi_controls("a\u{2066}b\u{2069}c\u{200F}"), "abc");
        assert_eq!(without_bidi_controls("שלום.jpg"), "שלום.jpg");
    }
}
