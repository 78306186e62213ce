//! A message shown once in the card a form was sent from ("Backed up: …", "Stop the server
//! first"), carried across the redirect by [`hearth_shared::flash`] (never in the address),
//! and the address of that card, so the browser scrolls to it.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use hearth_shared::cookies::secure_for;
use hearth_shared::flash;
use serde::{Deserialize, Serialize};

use crate::AppState;

/// A message for one card of a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    /// The id of the card it belongs in.
    pub card: String,
    pub text: String,
    /// True for a refusal or a failure, false for something done.
    pub error: bool,
}

impl Notice {
    #[must_use]
    pub fn done(card: &str, text: impl Into<String>) -> Self {
        Self { card: card.to_owned(), text: text.into(), error: false }
    }

    #[must_use]
    pub fn refused(card: &str, text: impl Into<String>) -> Self {
        Self { card: card.to_owned(), text: text.into(), error: true }
    }

    /// A 303 to `page` (a path), at the notice's card, carrying the notice.
    #[must_use]
    pub fn redirect(&self, state: &AppState, headers: &HeaderMap, page: &str) -> Response {
        let mut response = flash::redirect(page, self, secure_for(headers, state.service.config.secure_cookies));
        if let Ok(location) = HeaderValue::from_str(&format!("{page}#{}", self.card)) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
    }
}

/// The notice for `card`, when there is one.
#[must_use]
pub fn for_card<'a>(notice: Option<&'a Notice>, card: &str) -> Option<&'a Notice> {
    notice.filter(|notice| notice.card == card)
}
