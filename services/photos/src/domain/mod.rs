//! The photos service's types and rules, no I/O: content hashes, safe file names, album
//! names, share options, who may see an item, when a photo was taken and how it was exposed,
//! where "back" leads.

pub mod album_name;
pub mod exposure;
pub mod file_name;
pub mod return_path;
pub mod search;
pub mod sha256;
pub mod share;
pub mod taken;
pub mod visibility;

pub use album_name::AlbumName;
pub use exposure::ExposureFacts;
pub use file_name::FileName;
pub use return_path::ReturnPath;
pub use search::SearchQuery;
pub use sha256::Sha256;
pub use share::ShareOptions;
pub use taken::TakenAt;
pub use visibility::Visibility;
