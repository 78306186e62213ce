//! The portal's types and rules, no I/O: names and passwords as the family types them, and
//! the login throttle.

pub mod names;
pub mod password;
pub mod throttle;

pub use names::{DisplayName, TokenName, Username};
pub use password::{Password, PasswordHash};
pub use throttle::LoginThrottle;
