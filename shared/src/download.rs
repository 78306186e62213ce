//! Serving a stored file under its own name: the `Content-Disposition` header, with the name
//! made safe for the header (photos' downloads, bugs' attachments).

use axum::http::HeaderValue;

/// `inline; filename="…"; filename*=UTF-8''…` (or `attachment; …`, as `kind` says): the
/// plain name with anything that could break the header replaced by `_`, and the exact name
/// percent-encoded (RFC 6266) for browsers that read it.
#[must_use]
pub fn content_disposition(kind: &str, file_name: &str) -> HeaderValue {
    let ascii: String = file_name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    HeaderValue::from_str(&format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", percent_encode(file_name)))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Every byte but RFC 3986's unreserved characters as `%XX`.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn download_names_cannot_break_the_header() {
        let value = content_disposition("attachment", "évil\"; x=\".html");
        let text = value.to_str().expect("ascii header");
        assert!(
            text.starts_with(
                "attachment; filename=\"_vil_; x=_.html\"; filename*=UTF-8''%C3%A9vil%22%3B%20x%3D%22.html"
            )
        );
    }
}
