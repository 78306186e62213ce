//! All SQL of the bugs service, one module per table group. Every function is one query or
//! one transaction, in the one dialect both backends speak (`$1` placeholders).

pub mod activity;
pub mod attachments;
pub mod drafts;
pub mod issues;
pub mod labels;
pub mod members;
pub mod notifications;
pub mod outbox;
pub mod people;
pub mod projects;
pub mod search_index;
pub mod views;
pub mod webhooks;
