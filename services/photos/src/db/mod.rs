//! All SQL of the photos service, one module per table group.

pub mod items;
