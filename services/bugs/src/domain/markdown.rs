//! Markdown of descriptions and comments to safe HTML: pulldown-cmark renders, ammonia keeps
//! only harmless tags and attributes, and links may only be `http`, `https` or `mailto` (or
//! relative), so `javascript:` and `data:` URLs never reach a page. Task lists (`- [x] done`)
//! keep their checkboxes: an `<input>` survives only as a disabled checkbox.

use std::collections::HashSet;

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown to sanitised HTML, ready to insert into a page unescaped.
#[must_use]
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_renders() {
        let html = to_safe_html("**Printer** is *broken*\n\n- paper jam\n\n`lp0`");
        assert!(html.contains("<strong>Printer</strong>"), "{html}");
        assert!(html.contains("<li>paper jam</li>"), "{html}");
        assert!(html.contains("<code>lp0</code>"), "{html}");
    }

    #[test]
    fn task_lists_keep_their_checkboxes() {
        let html = to_safe_html("- [x] buy toner\n- [ ] call the plumber");
        assert_eq!(html.matches("<input").count(), 2, "{html}");
        assert_eq!(html.matches("type=\"checkbox\"").count(), 2, "{html}");
        assert_eq!(html.matches("disabled=\"\"").count(), 2, "{html}");
        assert_eq!(html.matches("checked=\"\"").count(), 1, "only the done task is ticked: {html}");
        let forged = to_safe_html("<input type=text name=csrf_token value=x onfocus=alert(1) form=f autofocus>");
        assert!(!forged.contains("text") && !forged.contains("onfocus") && !forged.contains("name="), "{forged}");
        assert!(forged.contains("type=\"checkbox\"") && forged.contains("disabled"), "{forged}");
    }

    #[test]
    fn scripts_handlers_and_dangerous_links_are_removed() {
        let html = to_safe_html(
            "<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n[a](javascript:alert(3)) \
             [b](data:text/html;base64,PHNjcmlwdD4=) <a href=\"JaVaScRiPt:alert(4)\">c</a> \
             ![i](data:image/svg+xml,x) <iframe src=https://evil.example></iframe> [ok](https://example.com/x)",
        );
        let lower = html.to_lowercase();
        for bad in ["<script", "onerror", "href=\"javascript", "href=\"data:", "src=\"data:", "<iframe"] {
            assert!(!lower.contains(bad), "{bad} survived in {html}");
        }
        assert!(html.contains("href=\"https://example.com/x\""), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""), "{html}");
    }
}
