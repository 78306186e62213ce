//! The base HTML layout every page extends (`templates/layout.html`), the context it needs,
//! moments as pages show them ([`Timestamp`], in the viewer's zone through the script), and the
//! static assets (one stylesheet, one script, the icons and the web app manifest) that every
//! service serves under its own prefix so pages work alone and behind an ingress alike.

use std::fmt;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::auth::{Identity, Role};
use crate::error::AppError;

/// What the layout shows around every page.
#[derive(Debug, Clone)]
pub struct PageContext {
    pub title: String,
    pub user: Option<Identity>,
    /// Token to put in every form (see [`crate::csrf`]).
    pub csrf_token: String,
    /// Prefix of the service that renders the page, for its static assets.
    pub prefix: &'static str,
    /// A secret just made (a token, an invite, a share link), shown once at the top of the
    /// page, where the eye is.
    pub new_secret: Option<NewSecret>,
    /// The time zone the viewer chose, when the page knows it: `Some("")` for "the browser's".
    /// The script keeps it for the pages that do not know it (ADR 0055).
    pub time_zone: Option<String>,
}

impl PageContext {
    #[must_use]
    pub fn new(title: impl Into<String>, user: Option<Identity>, csrf_token: &str, prefix: &'static str) -> Self {
        Self { title: title.into(), user, csrf_token: csrf_token.to_owned(), prefix, new_secret: None, time_zone: None }
    }

    /// The same page, showing `secret` at its top.
    #[must_use]
    pub fn with_secret(mut self, secret: Option<NewSecret>) -> Self {
        self.new_secret = secret;
        self
    }

    /// The same page, saying which zone the viewer chose (`None`: their browser's).
    #[must_use]
    pub fn with_time_zone(mut self, time_zone: Option<&str>) -> Self {
        self.time_zone = Some(time_zone.unwrap_or_default().to_owned());
        self
    }

    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }
}

/// A secret shown once, with a Copy button: what it is, the value, and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecret {
    /// The id of the field that holds it (`invite-url`), for scripts and tests.
    pub id: String,
    /// "Your new API token".
    pub title: String,
    pub value: String,
    /// "Copy it now: it is not shown again."
    pub note: String,
}

/// The error page rendered by [`crate::error::render_errors`].
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub ctx: PageContext,
    pub status: u16,
    pub detail: &'a str,
    pub request_id: &'a str,
}

/// Renders a page template to an HTML response.
///
/// # Errors
/// A template that fails to render (our bug, reported as an internal error).
pub fn render<T: Template>(page: &T) -> Result<Response, AppError> {
    render_with_status(StatusCode::OK, page)
}

/// Renders a page with a status other than 200, e.g. a form shown again with its error.
///
/// # Errors
/// A template that fails to render (our bug, reported as an internal error).
pub fn render_with_status<T: Template>(status: StatusCode, page: &T) -> Result<Response, AppError> {
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((status, Html(html)).into_response())
}

/// A Unix time as plain text, for messages: `2026-11-24 09:30 UTC`. Pages show a
/// [`Timestamp`] instead, which the viewer sees in their own zone.
#[must_use]
pub fn format_time(unix_seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A moment on a page: `<time datetime="2026-11-24T09:30:00Z">2026-11-24 09:30 UTC</time>`.
/// The script rewrites it in the viewer's zone (the one chosen on their account page, else
/// their browser's); without the script the UTC text stays. [`Timestamp::ago`] shows how long
/// ago instead ("2 h ago"), with the moment in its tooltip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    unix_seconds: i64,
    /// "Now", for a time shown as how long ago.
    ago_from: Option<i64>,
}

/// Beyond this a time shown as "… ago" is shown as a date instead.
const AGO_AT_MOST_SECS: i64 = 7 * 24 * 3600;

impl Timestamp {
    #[must_use]
    pub fn at(unix_seconds: i64) -> Self {
        Self { unix_seconds, ago_from: None }
    }

    /// How long before `now` it was ("just now", "5 min ago", "2 h ago", "3 days ago"); a
    /// date when that is more than a week.
    #[must_use]
    pub fn ago(unix_seconds: i64, now: i64) -> Self {
        Self { unix_seconds, ago_from: Some(now) }
    }
}

/// "5 min ago" for a moment `seconds` in the past.
fn ago_text(seconds: i64) -> String {
    match seconds {
        ..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        86_400..172_800 => "yesterday".to_owned(),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let iso = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        let Some(datetime) =
            time::OffsetDateTime::from_unix_timestamp(self.unix_seconds).ok().and_then(|t| t.format(iso).ok())
        else {
            return f.write_str("unknown");
        };
        let text = format_time(self.unix_seconds);
        match self.ago_from.map(|now| now - self.unix_seconds) {
            Some(elapsed) if elapsed <= AGO_AT_MOST_SECS => {
                write!(f, r#"<time datetime="{datetime}" data-ago title="{text}">{}</time>"#, ago_text(elapsed))
            }
            _ => write!(f, r#"<time datetime="{datetime}">{text}</time>"#),
        }
    }
}

/// Its markup is made only of digits, fixed words and the format above: nothing to escape.
impl askama::filters::HtmlSafe for Timestamp {}

const STYLESHEET: &str = include_str!("../static/hearth.css");
const SCRIPT: &str = include_str!("../static/hearth.js");
const MANIFEST: &str = include_str!("../static/manifest.webmanifest");
const FAVICON: &[u8] = include_bytes!("../static/icons/favicon.ico");
/// The icons, drawn in `static/icons/*.svg` and rendered by `static/icons/render.sh`.
const ICONS: [(&str, &str, &[u8]); 6] = [
    ("icon.svg", "image/svg+xml", include_bytes!("../static/icons/icon.svg")),
    ("favicon.ico", "image/x-icon", FAVICON),
    ("icon-192.png", "image/png", include_bytes!("../static/icons/icon-192.png")),
    ("icon-512.png", "image/png", include_bytes!("../static/icons/icon-512.png")),
    ("icon-maskable-512.png", "image/png", include_bytes!("../static/icons/icon-maskable-512.png")),
    ("apple-touch-icon.png", "image/png", include_bytes!("../static/icons/apple-touch-icon.png")),
];

/// `{prefix}/static/hearth.css`, `hearth.js`, `manifest.webmanifest` and `icons/*`.
pub fn static_routes<S: Clone + Send + Sync + 'static>(prefix: &str) -> Router<S> {
    let mut routes = Router::new()
        .route(&format!("{prefix}/static/hearth.css"), get(|| async { asset("text/css; charset=utf-8", STYLESHEET) }))
        .route(&format!("{prefix}/static/hearth.js"), get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route(
            &format!("{prefix}/static/manifest.webmanifest"),
            get(|| async { asset("application/manifest+json", MANIFEST) }),
        );
    for (name, content_type, bytes) in ICONS {
        routes = routes
            .route(&format!("{prefix}/static/icons/{name}"), get(move || async move { asset(content_type, bytes) }));
    }
    routes
}

/// `/favicon.ico`, which browsers and bookmarks ask the site's root for.
pub async fn favicon() -> Response {
    asset("image/x-icon", FAVICON)
}

fn asset(content_type: &'static str, body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_is_a_time_element_with_a_utc_fallback() {
        assert_eq!(
            Timestamp::at(1_795_944_600).to_string(),
            r#"<time datetime="2026-11-29T09:30:00Z">2026-11-29 09:30 UTC</time>"#
        );
        let ago = Timestamp::ago(1_795_944_600, 1_795_944_600 + 2 * 3600 + 59).to_string();
        assert_eq!(
            ago,
            r#"<time datetime="2026-11-29T09:30:00Z" data-ago title="2026-11-29 09:30 UTC">2 h ago</time>"#
        );
        assert!(Timestamp::ago(0, 30 * 86_400).to_string().contains(">1970-01-01 00:00 UTC<"), "a month ago is a date");
        assert_eq!(Timestamp::at(i64::MAX).to_string(), "unknown");
    }

    #[test]
    fn how_long_ago_reads_as_people_say_it() {
        let said: Vec<String> = [0, 59, 60, 3599, 3600, 86_399, 86_400, 3 * 86_400].map(ago_text).to_vec();
        assert_eq!(
            said,
            ["just now", "just now", "1 min ago", "59 min ago", "1 h ago", "23 h ago", "yesterday", "3 days ago"]
        );
    }
}
