//! All SQL of the portal, one module per table. Each function is one query or one
//! transaction, in the dialect both SQLite and PostgreSQL accept.

pub mod api_tokens;
pub mod invites;
pub mod password_resets;
pub mod sessions;
pub mod users;

/// True when the error is a UNIQUE constraint violation (SQLite or PostgreSQL).
#[must_use]
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}
