//! All SQL of the photos service, one module per table group.

pub mod albums;
pub mod items;
pub mod members;
pub mod shares;
