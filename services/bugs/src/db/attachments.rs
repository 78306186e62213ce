//! The `attachments` table: what is known about files attached to issues (the bytes are in
//! the blob store).

use hearth_shared::db::begin_write;
use sqlx::{AnyPool, FromRow};

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
}

const SELECT: &str =
    "SELECT id, issue_id, sha256, size, file_name, content_type, uploaded_by, created_at FROM attachments";

/// A new attachment's fields.
pub struct NewAttachment<'a> {
    pub sha256: &'a str,
    pub size: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
}

/// Records an attachment and its history event; returns its id.
pub async fn insert(pool: &AnyPool, event: &Event, attachment: &NewAttachment<'_>) -> sqlx::Result<i64> {
    let mut tx = begin_write(pool).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO attachments (issue_id, sha256, size, file_name, content_type, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(event.issue_id)
    .bind(attachment.sha256)
    .bind(attachment.size)
    .bind(attachment.file_name)
    .bind(attachment.content_type)
    .bind(event.actor_id)
    .bind(event.at)
    .fetch_one(&mut *tx)
    .await?;
    touch_and_record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
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
