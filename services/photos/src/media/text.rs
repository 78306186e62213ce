//! The words inside a document, for search: a PDF's text through `pdf-extract`, cleaned of
//! what extraction leaves behind ([`clean_text`]).
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

/// The text of a document as a person reads it, from what extraction gives: letter-spaced
/// runs joined again (a browser's printed header comes out as `1 2 /1 /2 6 ,   5 :4 0   AM`),
/// ligatures spelled out (`ﬁle` is `file`, and is found as such), leader dots of a table of
/// contents and lines that are only a page number dropped, words hyphenated across a line
/// joined, control characters and runs of blank lines removed.
#[must_use]
pub fn clean_text(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = join_letter_spaced(&without_leaders(&spelled_out(raw)));
        let line = line.trim_end();
        if is_page_number(line) {
            continue;
        }
        let blank = line.trim().is_empty();
        if blank && lines.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        let line = if blank { "" } else { line };
        match lines.last_mut() {
            Some(last) if hyphenated(last, line) => {
                last.pop();
                last.push_str(line.trim_start());
            }
            _ => lines.push(line.to_owned()),
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

/// Ligatures as their letters, control characters (but tabs) as spaces.
fn spelled_out(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A line without the dots that lead a table of contents to its page numbers (`. . . .`).
fn without_leaders(line: &str) -> String {
    let tokens: Vec<&str> = line.split(' ').collect();
    let mut out: Vec<&str> = Vec::with_capacity(tokens.len());
    let mut index = 0;
    while index < tokens.len() {
        let run = tokens[index..].iter().take_while(|token| is_leader(token)).count();
        if run >= 3 {
            index += run;
        } else {
            out.push(tokens[index]);
            index += 1;
        }
    }
    out.join(" ")
}

fn is_leader(token: &str) -> bool {
    !token.is_empty() && token.chars().all(|c| c == '.')
}

/// Letter-spaced text joined again. Such a line sets its words wider apart than its letters:
/// where a line has gaps of several spaces, each stretch between them whose pieces are all one
/// or two characters long is one word.
fn join_letter_spaced(line: &str) -> String {
    if !line.trim().contains("  ") {
        return line.to_owned();
    }
    let indent = &line[..line.len() - line.trim_start().len()];
    let stretches: Vec<String> = line
        .trim()
        .split("  ")
        .map(str::trim)
        .filter(|stretch| !stretch.is_empty())
        .map(|stretch| {
            let pieces: Vec<&str> = stretch.split(' ').collect();
            let spaced = pieces.len() >= 2 && pieces.iter().all(|piece| piece.chars().count() <= 2);
            if spaced { pieces.concat() } else { stretch.to_owned() }
        })
        .collect();
    format!("{indent}{}", stretches.join(" "))
}

/// A line that holds only a page number: `12`, ` iv`.
fn is_page_number(line: &str) -> bool {
    let line = line.trim();
    let digits = !line.is_empty() && line.len() <= 4 && line.chars().all(|c| c.is_ascii_digit());
    let roman = !line.is_empty() && line.len() <= 6 && line.chars().all(|c| matches!(c, 'i' | 'v' | 'x' | 'l'));
    digits || roman
}

/// Whether `line` goes on the word that `previous` broke with a hyphen (`manip-` `ulation`).
fn hyphenated(previous: &str, line: &str) -> bool {
    let mut end = previous.chars().rev();
    let broken = end.next() == Some('-') && end.next().is_some_and(char::is_alphabetic);
    broken && line.trim_start().chars().next().is_some_and(char::is_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browsers_printed_header_reads_as_a_date_again() {
        assert_eq!(clean_text("1 2 /2 /2 6 ,   5 :4 0   AM Letter"), "12/2/26, 5:40 AM Letter");
        assert_eq!(clean_text("\u{FB01}le:///tmp/letter.html 1 /3"), "file:///tmp/letter.html 1 /3");
    }

    #[test]
    fn prose_is_left_as_it_is() {
        let prose = "If I am a bit late, it is a b c of manners: so do I.\nDear Anna,";
        assert_eq!(clean_text(prose), prose);
        assert_eq!(clean_text("Cover  Amount"), "Cover Amount", "a wide gap is a space");
    }

    #[test]
    fn contents_pages_and_page_numbers_lose_their_dots() {
        let contents = "2.1 ASN.1 syntax. . . . . . . . . . . 2\n 1\n\n\n\nShared MIME-info Database\n iv\n";
        assert_eq!(clean_text(contents), "2.1 ASN.1 syntax. 2\n\nShared MIME-info Database");
    }

    #[test]
    fn words_broken_across_lines_are_whole() {
        assert_eq!(
            clean_text("Distinguished Encoding Rules (DER) manip-\nulation."),
            "Distinguished Encoding Rules (DER) manipulation."
        );
        assert_eq!(clean_text("the 2026-\n2027 season"), "the 2026-\n2027 season");
        assert_eq!(clean_text("a bell\u{7}rang"), "a bell rang");
    }
}
