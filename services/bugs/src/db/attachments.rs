//! The `attachments` table, what is known about files attached to issues, and
//! `attachment_blobs`, their bytes once per SHA-256 (ADR 0070): a row and its bytes are written
//! in one transaction, so no row is ever without its bytes and no bytes without a row.

use hearth_shared::Database;
use hearth_shared::db::{Backend, begin_write};
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

/// A new attachment's fields and its bytes (`sha256` is their digest).
pub struct NewAttachment<'a> {
    pub sha256: &'a str,
    pub size: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// Records an attachment of the issue itself, its bytes and its history event; returns its id.
pub async fn insert(pool: &AnyPool, event: &Event, attachment: &NewAttachment<'_>) -> sqlx::Result<i64> {
    let mut tx = begin_write(pool).await?;
    let id = insert_in(&mut tx, event.issue_id, event.actor_id, event.at, None, attachment).await?;
    touch_and_record(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts an attachment's row and its bytes in a transaction (of a comment, when
/// `comment_id` is given).
pub(super) async fn insert_in(
    tx: &mut Transaction<'_, Any>,
    issue_id: i64,
    uploaded_by: i64,
    at: i64,
    comment_id: Option<i64>,
    attachment: &NewAttachment<'_>,
) -> sqlx::Result<i64> {
    put_bytes(tx, attachment.sha256, attachment.bytes).await?;
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

/// Keeps bytes under their SHA-256, once: the same screenshot sent twice is stored once (on
/// PostgreSQL a second writer of the same digest waits for the first, then does nothing).
async fn put_bytes(tx: &mut Transaction<'_, Any>, sha256: &str, bytes: &[u8]) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO attachment_blobs (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING")
        .bind(sha256)
        .bind(bytes)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The bytes stored under a SHA-256.
pub async fn bytes(pool: &AnyPool, sha256: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("SELECT bytes FROM attachment_blobs WHERE sha256 = $1").bind(sha256).fetch_optional(pool).await
}

/// Keeps the bytes of a file an older version stored, if an attachment names them (already
/// kept counts as kept); `false`, and nothing written, when no attachment does.
pub async fn import_bytes(pool: &AnyPool, sha256: &str, bytes: &[u8]) -> sqlx::Result<bool> {
    let mut tx = begin_write(pool).await?;
    let used: Option<i64> = sqlx::query_scalar("SELECT id FROM attachments WHERE sha256 = $1 LIMIT 1")
        .bind(sha256)
        .fetch_optional(&mut *tx)
        .await?;
    if used.is_none() {
        return Ok(false);
    }
    put_bytes(&mut tx, sha256, bytes).await?;
    tx.commit().await?;
    Ok(true)
}

/// Makes what was committed survive a power cut, before the files it was copied from are
/// deleted. PostgreSQL's commit already is; SQLite's (WAL with `synchronous = NORMAL`) is once
/// checkpointed, so this checkpoints. `false` when the checkpoint could not finish.
pub async fn make_durable(db: &Database) -> sqlx::Result<bool> {
    match db.backend() {
        Backend::Postgres => Ok(true),
        Backend::Sqlite => {
            let (busy, _, _): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(FULL)").fetch_one(db.pool()).await?;
            Ok(busy == 0)
        }
    }
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
