//! Background work, off the request path.

mod previews;

pub use previews::PreviewQueue;
