//! The photos service's types and rules, no I/O: content hashes, safe file names, album
//! names, share options, who may see an item.

pub mod album_name;
pub mod file_name;
pub mod search;
pub mod sha256;
pub mod share;
pub mod visibility;

pub use album_name::AlbumName;
pub use file_name::FileName;
pub use search::SearchQuery;
pub use sha256::Sha256;
pub use share::ShareOptions;
pub use visibility::Visibility;
