//! What happens to an issue after it is filed: comments, links between issues and history
//! events, which together make its timeline.

use hearth_shared::db::begin_write;
use sqlx::{Any, AnyPool, FromRow, Transaction};

use super::attachments::{self, NewAttachment};

/// One history event: who changed what, from and to (as shown in the timeline).
#[derive(Debug, Clone)]
pub struct Event {
    pub issue_id: i64,
    pub actor_id: i64,
    pub at: i64,
    pub field: &'static str,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// Marks the event's issue updated at the event's time and records the event.
pub(super) async fn touch_and_record(tx: &mut Transaction<'_, Any>, event: &Event) -> sqlx::Result<()> {
    sqlx::query("UPDATE issues SET updated_at = $2 WHERE id = $1")
        .bind(event.issue_id)
        .bind(event.at)
        .execute(&mut **tx)
        .await?;
    insert_event(tx, event).await
}

pub(super) async fn insert_event(tx: &mut Transaction<'_, Any>, event: &Event) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO events (issue_id, actor_id, at, field, old_value, new_value) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event.issue_id)
    .bind(event.actor_id)
    .bind(event.at)
    .bind(event.field)
    .bind(event.old_value.as_deref())
    .bind(event.new_value.as_deref())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub actor_id: i64,
    pub actor_name: Option<String>,
    pub at: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// An issue's history, oldest first.
pub async fn events(pool: &AnyPool, issue_id: i64) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(
        "SELECT e.id, e.actor_id, p.display_name AS actor_name, e.at, e.field, e.old_value, e.new_value \
         FROM events e LEFT JOIN people p ON p.user_id = e.actor_id WHERE e.issue_id = $1 ORDER BY e.id",
    )
    .bind(issue_id)
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub author_id: i64,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: i64,
}

/// An issue's comments, oldest first.
pub async fn comments(pool: &AnyPool, issue_id: i64) -> sqlx::Result<Vec<CommentRow>> {
    sqlx::query_as(
        "SELECT c.id, c.author_id, p.display_name AS author_name, c.body, c.created_at \
         FROM comments c LEFT JOIN people p ON p.user_id = c.author_id WHERE c.issue_id = $1 ORDER BY c.id",
    )
    .bind(issue_id)
    .fetch_all(pool)
    .await
}

/// A comment to add, and the file sent with it.
pub struct NewComment<'a> {
    pub issue_id: i64,
    pub author_id: i64,
    pub body: &'a str,
    pub search_key: &'a str,
    pub attachment: Option<NewAttachment<'a>>,
    pub now: i64,
}

/// Adds a comment (with its file), appends its search key to the issue's and marks the issue
/// updated, in one transaction. Returns the comment's id.
pub async fn add_comment(pool: &AnyPool, comment: &NewComment<'_>) -> sqlx::Result<i64> {
    let mut tx = begin_write(pool).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO comments (issue_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(comment.issue_id)
    .bind(comment.author_id)
    .bind(comment.body)
    .bind(comment.now)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(attachment) = &comment.attachment {
        attachments::insert_in(&mut tx, comment.issue_id, comment.author_id, comment.now, Some(id), attachment).await?;
    }
    sqlx::query("UPDATE issues SET search_text = search_text || ' ' || $2, updated_at = $3 WHERE id = $1")
        .bind(comment.issue_id)
        .bind(comment.search_key)
        .bind(comment.now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, FromRow)]
pub struct LinkRow {
    pub id: i64,
    pub kind: String,
    /// True when this issue is the link's source (`this blocks that`).
    pub outgoing: i64,
    pub other_number: i64,
    pub other_key: String,
    pub other_title: String,
    pub other_status: String,
}

/// Links from and to an issue.
/// The issue's links, to and from issues in projects the viewer sees: a member never learns
/// the title of an issue in an admins-only project through a link to it.
pub async fn links(pool: &AnyPool, issue_id: i64, viewer_is_admin: bool) -> sqlx::Result<Vec<LinkRow>> {
    sqlx::query_as(
        "SELECT l.id, l.kind, 1 AS outgoing, o.number AS other_number, p.key AS other_key, o.title AS other_title, \
         o.status AS other_status FROM links l JOIN issues o ON o.id = l.to_issue_id JOIN projects p ON p.id = o.project_id \
         WHERE l.from_issue_id = $1 AND (p.visibility = 'family' OR $2 = 1) \
         UNION ALL \
         SELECT l.id, l.kind, 0 AS outgoing, o.number AS other_number, p.key AS other_key, o.title AS other_title, \
         o.status AS other_status FROM links l JOIN issues o ON o.id = l.from_issue_id JOIN projects p ON p.id = o.project_id \
         WHERE l.to_issue_id = $1 AND (p.visibility = 'family' OR $2 = 1) ORDER BY 1",
    )
    .bind(issue_id)
    .bind(i64::from(viewer_is_admin))
    .fetch_all(pool)
    .await
}

/// Links two issues and records it; `false` when they were already linked so.
pub async fn add_link(pool: &AnyPool, event: &Event, to_issue_id: i64, kind: &str) -> sqlx::Result<bool> {
    let mut tx = begin_write(pool).await?;
    let inserted = sqlx::query(
        "INSERT INTO links (from_issue_id, to_issue_id, kind, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (from_issue_id, to_issue_id, kind) DO NOTHING",
    )
    .bind(event.issue_id)
    .bind(to_issue_id)
    .bind(kind)
    .bind(event.actor_id)
    .bind(event.at)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if inserted {
        touch_and_record(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(inserted)
}
