//! What the tracker holds of one member, and leaving it in place when their account is
//! deleted (ADR 0053): one query to count, one transaction to mark them a former member.

use hearth_shared::db::begin_write;
use serde::Serialize;
use sqlx::{AnyPool, FromRow};
use utoipa::ToSchema;

/// Statuses of issues still being worked on.
const UNFINISHED: &str = "('open', 'in_progress')";

/// What is the member's, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, FromRow, Serialize, ToSchema)]
pub struct MemberHoldings {
    /// Their name here, if they ever used the tracker.
    pub display_name: Option<String>,
    /// Issues they reported: they stay.
    pub reported: i64,
    /// Comments they wrote: they stay.
    pub comments: i64,
    /// Open or in-progress issues assigned to them: they become unassigned.
    pub assigned: i64,
    /// Their saved views: deleted.
    pub views: i64,
}

pub async fn holdings(pool: &AnyPool, member_id: i64) -> sqlx::Result<MemberHoldings> {
    sqlx::query_as(&format!(
        "SELECT (SELECT display_name FROM people WHERE user_id = $1) AS display_name, \
         (SELECT COUNT(*) FROM issues WHERE reporter_id = $1) AS reported, \
         (SELECT COUNT(*) FROM comments WHERE author_id = $1) AS comments, \
         (SELECT COUNT(*) FROM issues WHERE assignee_id = $1 AND status IN {UNFINISHED}) AS assigned, \
         (SELECT COUNT(*) FROM saved_views WHERE owner_id = $1) AS views"
    ))
    .bind(member_id)
    .fetch_one(pool)
    .await
}

/// Marks the member a former member, in one transaction: the issues being worked on that are
/// assigned to them become unassigned (with a history event by `admin_id`, naming them as
/// they were), their saved views, their notifications (with the emails of them still to
/// send), what they follow and their email address go, and their name becomes
/// `former_name`. Issues, comments, attachments and history stay as they are.
pub async fn leave(pool: &AnyPool, member_id: i64, admin_id: i64, former_name: &str, now: i64) -> sqlx::Result<()> {
    let mut tx = begin_write(pool).await?;
    sqlx::query(&format!(
        "INSERT INTO events (issue_id, actor_id, at, field, old_value, new_value) \
         SELECT i.id, $2, $3, 'assignee', p.display_name, NULL FROM issues i \
         LEFT JOIN people p ON p.user_id = i.assignee_id \
         WHERE i.assignee_id = $1 AND i.status IN {UNFINISHED}"
    ))
    .bind(member_id)
    .bind(admin_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "UPDATE issues SET assignee_id = NULL, updated_at = $2 WHERE assignee_id = $1 AND status IN {UNFINISHED}"
    ))
    .bind(member_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for forget in [
        "DELETE FROM saved_views WHERE owner_id = $1",
        "DELETE FROM outbox WHERE notification_id IN (SELECT id FROM notifications WHERE recipient_id = $1)",
        "DELETE FROM notifications WHERE recipient_id = $1",
        "DELETE FROM subscriptions WHERE user_id = $1",
        "UPDATE people SET email = NULL, is_admin = 0 WHERE user_id = $1",
    ] {
        sqlx::query(forget).bind(member_id).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE people SET display_name = $2, left_at = $3 WHERE user_id = $1 AND left_at IS NULL")
        .bind(member_id)
        .bind(former_name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
