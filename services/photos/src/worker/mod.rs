//! Background work, off the request path.

mod previews;

pub use previews::{CUT_SHORT, MAX_ATTEMPTS, NOT_MADE_YET, PreviewQueue};
