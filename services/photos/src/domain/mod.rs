//! The photos service's types and rules, no I/O: content hashes, safe file names, who may
//! see an item.

pub mod file_name;
pub mod sha256;
pub mod visibility;

pub use file_name::FileName;
pub use sha256::Sha256;
pub use visibility::Visibility;
