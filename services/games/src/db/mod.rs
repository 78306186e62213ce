//! All SQL of the games service.

pub mod leaving;
pub mod members;
pub mod quotas;
pub mod servers;
