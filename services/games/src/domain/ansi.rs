//! Console lines to safe HTML: every character is escaped, and ANSI colour codes (SGR) become
//! `<span class="ansi-…">`; any other escape sequence is dropped, Minetest's own among them
//! (`ESC(T@domain)` starts a translated text, `ESC(c@#rrggbb)` a colour, `ESC E` and `ESC F`
//! end and mark its parts), which are meant for its game client, never for a person.

/// A piece of a console line.
enum Piece {
    Char(char),
    /// An SGR sequence's parameters (`1;31` of `ESC[1;31m`).
    Colour(String),
}

/// The pieces of `line`, escape sequences other than colours left out.
fn pieces(line: &str) -> impl Iterator<Item = Piece> + '_ {
    let mut chars = line.chars().peekable();
    std::iter::from_fn(move || {
        loop {
            let c = chars.next()?;
            if c != '\u{1b}' {
                return Some(Piece::Char(c));
            }
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    let mut params = String::new();
                    let mut end = None;
                    for c in chars.by_ref() {
                        if c.is_ascii_digit() || c == ';' {
                            params.push(c);
                        } else {
                            end = Some(c);
                            break;
                        }
                    }
                    if end == Some('m') {
                        return Some(Piece::Colour(params));
                    }
                }
                Some('(') => {
                    for c in chars.by_ref() {
                        if c == ')' {
                            break;
                        }
                    }
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    chars.next();
                }
                _ => {}
            }
        }
    })
}

/// `line` without the escape sequences a person never sees (Minetest's translations and
/// colours, cursor moves), its ANSI colours kept.
#[must_use]
pub fn without_hidden_escapes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for piece in pieces(line) {
        match piece {
            Piece::Char(c) => out.push(c),
            Piece::Colour(params) => {
                out.push_str("\u{1b}[");
                out.push_str(&params);
                out.push('m');
            }
        }
    }
    out
}

/// One console line as HTML.
#[must_use]
pub fn to_html(line: &str) -> String {
    let mut html = String::with_capacity(line.len() + 16);
    let mut open = false;
    for piece in pieces(line) {
        match piece {
            Piece::Colour(params) => {
                if open {
                    html.push_str("</span>");
                    open = false;
                }
                let classes = classes(&params);
                if !classes.is_empty() {
                    html.push_str("<span class=\"");
                    html.push_str(&classes.join(" "));
                    html.push_str("\">");
                    open = true;
                }
            }
            Piece::Char('<') => html.push_str("&lt;"),
            Piece::Char('>') => html.push_str("&gt;"),
            Piece::Char('&') => html.push_str("&amp;"),
            Piece::Char('"') => html.push_str("&quot;"),
            Piece::Char('\'') => html.push_str("&#39;"),
            Piece::Char(c) if c.is_control() && c != '\t' => {}
            Piece::Char(c) => html.push(c),
        }
    }
    if open {
        html.push_str("</span>");
    }
    html
}

fn classes(params: &str) -> Vec<String> {
    let mut classes = Vec::new();
    for code in params.split(';').filter_map(|p| p.parse::<u8>().ok()) {
        match code {
            0 => classes.clear(),
            1 => classes.push("ansi-bold".to_owned()),
            30..=37 => classes.push(format!("ansi-fg{}", code - 30)),
            90..=97 => classes.push(format!("ansi-fg{}", code - 90 + 8)),
            40..=47 => classes.push(format!("ansi-bg{}", code - 40)),
            _ => {}
        }
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::{to_html, without_hidden_escapes};

    #[test]
    fn escapes_everything() {
        assert_eq!(
            to_html("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn colours_become_spans() {
        assert_eq!(to_html("\u{1b}[1;31mERROR\u{1b}[0m ok"), "<span class=\"ansi-bold ansi-fg1\">ERROR</span> ok");
        assert_eq!(to_html("\u{1b}[93m<b>"), "<span class=\"ansi-fg11\">&lt;b&gt;</span>");
    }

    #[test]
    fn other_escapes_are_dropped() {
        assert_eq!(to_html("a\u{1b}[2Kb\u{1b}]c\u{7}"), "ab]c");
    }

    /// What Minetest 5.6 printed for `/time 6:00` and `/help time` before its console mod
    /// translated its answers: the family sees the words alone.
    #[test]
    fn minetests_translation_and_colour_escapes_are_dropped() {
        let denied = "\u{1b}(T@__builtin)You don't have permission to run this command (missing privilege: \
                      \u{1b}Fsettime\u{1b}E).\u{1b}E";
        let plain = "You don't have permission to run this command (missing privilege: settime).";
        assert_eq!(without_hidden_escapes(denied), plain);
        assert_eq!(to_html(denied), plain.replace('\'', "&#39;"));
        let help = "\u{1b}(c@#00ffff)/time\u{1b}(c@#ffffff) \u{1b}(T@__builtin)[<0..23>:<0..59>]\u{1b}E";
        assert_eq!(without_hidden_escapes(help), "/time [<0..23>:<0..59>]");
        assert_eq!(without_hidden_escapes("\u{1b}[32mlistening\u{1b}[0m"), "\u{1b}[32mlistening\u{1b}[0m");
    }
}
