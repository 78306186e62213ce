//! Console lines to safe HTML: every character is escaped, and ANSI colour codes (SGR) become
//! `<span class="ansi-…">`; any other escape sequence is dropped.

/// One console line as HTML.
#[must_use]
pub fn to_html(line: &str) -> String {
    let mut html = String::with_capacity(line.len() + 16);
    let mut open = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() != Some(&'[') {
                continue;
            }
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
            continue;
        }
        match c {
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '&' => html.push_str("&amp;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c if c.is_control() && c != '\t' => {}
            c => html.push(c),
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
    use super::to_html;

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
}
