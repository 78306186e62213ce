//! The bugs pages: projects, issue lists with the query box, the family form, the issue page
//! and its actions, and attachments. Handlers parse, call [`crate::tracker`], render. Every
//! page carries the tracker's own bar ([`Nav`]); a refused form that carried a file answers
//! with a redirect and a [`Refusal`] (docs/adr/0059).

mod feeds;
mod files;
mod inbox;
mod issue;
pub(crate) mod lists;
mod new_issue;
mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use hearth_shared::cookies::secure_for;
use hearth_shared::csrf::CsrfToken;
use hearth_shared::flash::{self, Flash};
use hearth_shared::layout::{PageContext, Timestamp};
use hearth_shared::{AppError, AppResult, Identity};
use serde::{Deserialize, Serialize};

use crate::{AppState, SERVICE};

/// Room for the form fields around the largest attachment.
const FORM_OVERHEAD_BYTES: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bugs/", get(lists::projects))
        .route("/bugs/projects", post(lists::create_project))
        .route("/bugs/labels", post(lists::save_label))
        .route("/bugs/issues", get(lists::all_issues))
        .route("/bugs/views", post(lists::save_view))
        .route("/bugs/p/{key}", get(lists::project_issues))
        .route("/bugs/p/{key}/new", get(new_issue::form))
        .route("/bugs/p/{key}/feed.atom", get(feeds::project))
        .route("/bugs/views/{id}/feed.atom", get(feeds::view))
        .route("/bugs/p/{key}/{number}", get(issue::show))
        .route("/bugs/p/{key}/{number}/edit", post(issue::edit))
        .route("/bugs/p/{key}/{number}/status", post(issue::status))
        .route("/bugs/p/{key}/{number}/triage", post(issue::triage))
        .route("/bugs/p/{key}/{number}/links", post(issue::link))
        .route("/bugs/p/{key}/{number}/follow", post(issue::follow))
        .route("/bugs/webhooks", get(webhooks::show).post(webhooks::create))
        .route("/bugs/webhooks/{id}/delete", post(webhooks::delete))
        .route("/bugs/inbox", get(inbox::show))
        .route("/bugs/inbox/read", post(inbox::read_all))
        .route("/bugs/inbox/email", post(inbox::set_email))
        .route("/bugs/static/bugs.js", get(files::script))
        .route("/bugs/static/bugs.css", get(files::style))
        .route("/bugs/static/labels.css", get(files::label_style))
}

/// Forms that carry a file, and attachments' downloads: not bound by the request timeout (a
/// phone may take minutes to send a screenshot), only by the idle timeout.
pub fn long_routes(max_attachment_bytes: usize) -> Router<AppState> {
    let upload_limit = DefaultBodyLimit::max(max_attachment_bytes + FORM_OVERHEAD_BYTES);
    Router::new()
        .route("/bugs/p/{key}/issues", post(new_issue::file).layer(upload_limit))
        .route("/bugs/p/{key}/{number}/comments", post(issue::comment).layer(upload_limit))
        .route("/bugs/attachments/{id}", get(files::attachment))
}

fn page(title: impl Into<String>, user: Identity, csrf: &CsrfToken) -> PageContext {
    PageContext::new(title, Some(user), &csrf.0, SERVICE.prefix)
}

/// The tracker's own bar on every page: where to go, how many notifications are unread, and
/// the keyboard shortcuts.
pub(crate) struct Nav {
    /// The page it is on: `projects`, `issues`, `inbox` or `webhooks`.
    pub here: &'static str,
    pub unread: i64,
    pub admin: bool,
}

impl Nav {
    async fn load(state: &AppState, user: &Identity, here: &'static str) -> AppResult<Self> {
        Ok(Self { here, unread: state.tracker.unread(user).await?, admin: user.is_admin() })
    }
}

/// A user's mistake becomes a message beside the form; our failures stay errors.
fn form_error(error: AppError) -> AppResult<String> {
    error.form_message().ok_or(error)
}

/// Why a form with a file was refused, carried across the redirect to the page that shows
/// the form again (with what was typed, kept as a draft) and answers with `status`.
#[derive(Serialize, Deserialize)]
pub(crate) struct Refusal {
    pub status: u16,
    pub message: String,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
    }
}

/// Answers a refused form with a file: a redirect to `page` carrying the user's mistake (our
/// failures stay errors). The form's address, with its CSRF token, never stays in the
/// address bar, and a reload does not send the form again.
fn refuse(state: &AppState, headers: &HeaderMap, page: &str, error: AppError) -> AppResult<Response> {
    let status = error.status().as_u16();
    let message = form_error(error)?;
    let secure = secure_for(headers, state.service.config.secure_cookies);
    Ok(flash::redirect(page, &Refusal { status, message }, secure))
}

/// The refusal flashed to this page, if any.
fn refusal(flash: &Flash) -> Option<Refusal> {
    flash.take()
}

/// A label as pages show it: its name, and the class that gives it its colour (inline
/// styles are refused by the CSP; `/bugs/static/labels.css` defines the classes).
pub(crate) struct LabelChip {
    pub name: String,
    pub class: String,
}

impl LabelChip {
    fn new(name: String, colour: &str) -> Self {
        Self { name, class: colour_class(colour) }
    }
}

/// `#1f77b4` → `c-1f77b4` (colours are checked `#rrggbb` when saved).
fn colour_class(colour: &str) -> String {
    let hex: String = colour.chars().filter(char::is_ascii_hexdigit).take(6).collect();
    format!("c-{hex}")
}

/// Seconds since the epoch as the family reads them (in their own time zone, ADR 0055).
fn when(unix_seconds: i64) -> Timestamp {
    Timestamp::at(unix_seconds)
}

/// Labels typed as `printer, wifi` or `printer wifi`.
fn parse_labels(raw: &str) -> AppResult<Vec<crate::domain::LabelName>> {
    raw.split([',', ' ']).filter(|l| !l.trim().is_empty()).map(crate::domain::LabelName::parse).collect()
}

/// An issue number from the path.
fn number(raw: &str) -> AppResult<i64> {
    crate::domain::workflow::parse_issue_number(raw)
        .map_err(|_| AppError::NotFound(format!("There is no issue {raw:?}.")))
}

pub use lists::{cursor_text, parse_cursor};
