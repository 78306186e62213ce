//! The `notifications` and `subscriptions` tables: who hears about a change of an issue, the
//! news each person has (read or not), and the choices to follow an issue or not.

use hearth_shared::db::begin_write;
use sqlx::{AnyPool, FromRow};

/// Someone to tell, and where they want email.
#[derive(Debug, Clone, FromRow)]
pub struct Recipient {
    pub user_id: i64,
    pub email: Option<String>,
}

/// The people of an issue: its reporter, its assignee, everyone who commented on it, who
/// follows it, and `also` (the assignee it was just taken from) — less who unfollowed it and
/// `actor_id`, who made the change; of an admins-only project, only the admins.
pub async fn recipients(
    pool: &AnyPool,
    issue_id: i64,
    actor_id: i64,
    also: Option<i64>,
    admins_only: bool,
) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as(
        "SELECT p.user_id, p.email FROM people p WHERE p.user_id IN ( \
             SELECT reporter_id FROM issues WHERE id = $1 \
             UNION SELECT assignee_id FROM issues WHERE id = $1 AND assignee_id IS NOT NULL \
             UNION SELECT author_id FROM comments WHERE issue_id = $1 \
             UNION SELECT user_id FROM subscriptions WHERE issue_id = $1 AND following = 1 \
             UNION SELECT user_id FROM people WHERE user_id = $3) \
         AND p.user_id <> $2 \
         AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.issue_id = $1 AND s.user_id = p.user_id AND s.following = 0) \
         AND ($4 = 0 OR p.is_admin = 1) ORDER BY p.user_id",
    )
    .bind(issue_id)
    .bind(actor_id)
    .bind(also)
    .bind(i64::from(admins_only))
    .fetch_all(pool)
    .await
}

/// An email to queue with a notification.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// One notification to record.
pub struct NewNotification {
    pub recipient_id: i64,
    pub reason: &'static str,
    pub summary: String,
    pub email: Option<Email>,
}

/// Records the news of one change of `issue_id` by `actor_id` for each recipient, and queues
/// their emails, in one transaction. Returns how many emails were queued.
pub async fn insert(
    pool: &AnyPool,
    issue_id: i64,
    actor_id: i64,
    notifications: &[NewNotification],
    (now, now_ms): (i64, i64),
) -> sqlx::Result<usize> {
    let mut tx = begin_write(pool).await?;
    let mut emails = 0;
    for notification in notifications {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notifications (recipient_id, issue_id, actor_id, reason, summary, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(notification.recipient_id)
        .bind(issue_id)
        .bind(actor_id)
        .bind(notification.reason)
        .bind(&notification.summary)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(email) = &notification.email {
            sqlx::query(
                "INSERT INTO outbox (notification_id, to_address, subject, body, next_attempt_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&email.to)
            .bind(&email.subject)
            .bind(&email.body)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
            emails += 1;
        }
    }
    tx.commit().await?;
    Ok(emails)
}

/// A notification as the inbox shows it.
#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub project_key: String,
    pub number: i64,
    pub title: String,
    pub reason: String,
    pub summary: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// Someone's latest notifications, newest first, of issues they still see.
pub async fn of_recipient(
    pool: &AnyPool,
    recipient_id: i64,
    is_admin: bool,
    limit: i64,
) -> sqlx::Result<Vec<NotificationRow>> {
    sqlx::query_as(
        "SELECT n.id, p.key AS project_key, i.number, i.title, n.reason, n.summary, n.created_at, n.read_at \
         FROM notifications n JOIN issues i ON i.id = n.issue_id JOIN projects p ON p.id = i.project_id \
         WHERE n.recipient_id = $1 AND (p.visibility = 'family' OR $2 = 1) ORDER BY n.id DESC LIMIT $3",
    )
    .bind(recipient_id)
    .bind(i64::from(is_admin))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many of someone's notifications are unread (of issues they still see).
pub async fn unread(pool: &AnyPool, recipient_id: i64, is_admin: bool) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN issues i ON i.id = n.issue_id JOIN projects p ON p.id = i.project_id \
         WHERE n.recipient_id = $1 AND n.read_at IS NULL AND (p.visibility = 'family' OR $2 = 1)",
    )
    .bind(recipient_id)
    .bind(i64::from(is_admin))
    .fetch_one(pool)
    .await
}

/// Marks someone's notifications of one issue (or, with `None`, of every issue) read.
pub async fn mark_read(pool: &AnyPool, recipient_id: i64, issue_id: Option<i64>, now: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = $3 WHERE recipient_id = $1 AND read_at IS NULL \
         AND ($2 IS NULL OR issue_id = $2)",
    )
    .bind(recipient_id)
    .bind(issue_id)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected())
}

/// Whether someone hears about an issue: their own choice, else whether they filed it, are
/// assigned to it or commented on it.
pub async fn follows(pool: &AnyPool, issue_id: i64, user_id: i64) -> sqlx::Result<bool> {
    let following: i64 = sqlx::query_scalar(
        "SELECT COALESCE((SELECT following FROM subscriptions WHERE issue_id = $1 AND user_id = $2), \
             CASE WHEN EXISTS (SELECT 1 FROM issues WHERE id = $1 AND (reporter_id = $2 OR assignee_id = $2)) \
               OR EXISTS (SELECT 1 FROM comments WHERE issue_id = $1 AND author_id = $2) THEN 1 ELSE 0 END)",
    )
    .bind(issue_id)
    .bind(user_id)
    .fetch_one(pool)
    .await?;
    Ok(following == 1)
}

/// Records someone's choice to follow an issue, or not.
pub async fn set_following(pool: &AnyPool, issue_id: i64, user_id: i64, following: bool) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO subscriptions (issue_id, user_id, following) VALUES ($1, $2, $3) \
         ON CONFLICT (issue_id, user_id) DO UPDATE SET following = $3",
    )
    .bind(issue_id)
    .bind(user_id)
    .bind(i64::from(following))
    .execute(pool)
    .await?;
    Ok(())
}
