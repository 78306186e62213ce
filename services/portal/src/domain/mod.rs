//! The portal's types and rules, no I/O: names as the family types them, and the login
//! throttle. (Passwords are in `hearth_shared::passwords`, which share links use too.)

pub mod names;
pub mod throttle;

pub use names::{DisplayName, TokenName, Username};
pub use throttle::LoginThrottle;
