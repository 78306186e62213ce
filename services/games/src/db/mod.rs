//! All SQL of the games service.

pub mod quotas;
pub mod servers;
