//! All SQL of the games service.

pub mod servers;
