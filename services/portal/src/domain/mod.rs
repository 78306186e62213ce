//! The portal's types and rules, no I/O: names as the family types them, the devices of the
//! sessions list, time zones, and the login throttle. (Passwords are in
//! `hearth_shared::passwords`, which share links use too.)

pub mod device;
pub mod names;
pub mod throttle;
pub mod time_zone;

pub use device::Device;
pub use names::{DisplayName, TokenName, Username};
pub use throttle::LoginThrottle;
pub use time_zone::TimeZoneName;
