//! The `attachments` table: what is known about files attached to issues (the bytes are in
//! the blob store).

use hearth_shared::db::begin_write;
use sqlx::{Any, AnyPool, FromRow, Transaction};

use super::activity::{Event, touch_and_record};

#[derive(Debug, Clone, FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub issue_id: i64,
    pub sha256: String,
    pub size: i64,
    pub file_name: String,
    pub content_type: String,
    pub uploaded_by: i64,
    pub created_at: i64,
    /// The comment it was sent with; `None` for a file of the issue itself.
    pub comment_id: Option<i64>,
}

const SELECT: &str =
    "SELECT id, issue_id, sha256, size, file_name, content_type, uploaded_by, created_at, comment_id FROM attachments";

/// A new attachment's fields.
pub struct NewAttachment<'a> {
    pub sha256: &'a str,
    pub size: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
}

/// Records an attachment of the issue itself and its history event; returns its id.
pub async fn insert(pool: &AnyPool, event: &Event, attachment: &NewAttachment<'_>) -> sqlx::Result<i64> {
    let mut tx = begin_write(pool).await?;
    let id = insert_in(&mut tx, event.issue_id, event.actor_id, event.at, None, attachment).await?;
    touch_and_record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts an attachment's row in a transaction (of a comment, when `comment_id` is given).
pub(super) async fn insert_in(
    tx: &mut Transaction<'_, Any>,
    issue_id: i64,
    uploaded_by: i64,
    at: i64,
    comment_id: Option<i64>,
    attachment: &NewAttachment<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO attachments (issue_id, sha256, size, file_name, content_type, uploaded_by, created_at, comment_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(issue_id)
    .bind(attachment.sha256)
    .bind(attachment.size)
    .bind(attachment.file_name)
    .bind(attachment.content_type)
    .bind(uploaded_by)
    .bind(at)
    .bind(comment_id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> sqlx::Result<Option<AttachmentRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(pool).await
}

pub async fn of_issue(pool: &AnyPool, issue_id: i64) -> sqlx::Result<Vec<AttachmentRow>> {
    sqlx::query_as(&format!("{SELECT} WHERE issue_id = $1 ORDER BY id")).bind(issue_id).fetch_all(pool).await
}

/// The key and visibility of the project an issue is in, to check who may see an attachment.
pub async fn project_of_issue(pool: &AnyPool, issue_id: i64) -> sqlx::Result<Option<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT p.key, p.visibility, i.number FROM issues i JOIN projects p ON p.id = i.project_id WHERE i.id = $1",
    )
    .bind(issue_id)
    .fetch_optional(pool)
    .await
}
