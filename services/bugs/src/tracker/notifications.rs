//! Notifications (ADR 0058): when someone comments on, assigns or changes an issue, its
//! people — reporter, assignee, commenters and followers, never the one who did it — get a
//! notification in their inbox, and an email when SMTP is set up and they gave an address.
//! Opening the issue reads its notifications; anyone may follow or stop following an issue.

use hearth_shared::db::unix_now;
use hearth_shared::{AppResult, Identity};

use super::Tracker;
use crate::db::issues::IssueRow;
use crate::db::notifications::{self, Email, NewNotification, NotificationRow};
use crate::db::people;
use crate::db::projects::ProjectRow;
use crate::domain::EmailAddress;
use crate::mail;
use crate::webhooks::now_ms;

/// The newest notifications an inbox shows.
const INBOX_SIZE: i64 = 100;

/// What happened to an issue, to tell its people.
pub(super) struct News<'a> {
    /// `commented`, `assigned` or `changed`.
    pub reason: &'static str,
    /// What the actor did, after their name: "changed status from Open to Closed (fixed)".
    pub what: String,
    /// The comment itself, for the email.
    pub details: Option<&'a str>,
    /// Someone to tell besides the issue's people: the assignee it was just taken from.
    pub also: Option<i64>,
}

/// Someone's inbox: their latest notifications and how many are unread.
pub struct Inbox {
    pub notifications: Vec<NotificationRow>,
    pub unread: i64,
}

/// Where someone's notification emails go, and whether this Hearth sends any.
pub struct EmailSettings {
    pub address: Option<String>,
    pub sending: bool,
}

impl Tracker {
    /// Tells the issue's people about a change. A failure is logged, not the user's problem:
    /// the change itself is done.
    pub(super) async fn tell(&self, project: &ProjectRow, issue: &IssueRow, user: &Identity, news: News<'_>) {
        if let Err(e) = self.try_tell(project, issue, user, &news).await {
            tracing::error!(error = %e, issue = issue.id, reason = news.reason, "cannot record notifications");
        }
    }

    async fn try_tell(
        &self,
        project: &ProjectRow,
        issue: &IssueRow,
        user: &Identity,
        news: &News<'_>,
    ) -> AppResult<()> {
        let pool = self.db.pool();
        let admins_only = project.visibility != "family";
        let recipients = notifications::recipients(pool, issue.id, user.user_id, news.also, admins_only).await?;
        if recipients.is_empty() {
            return Ok(());
        }
        let reference = format!("{}-{}", issue.project_key, issue.number);
        let path = format!("/bugs/p/{}/{}", issue.project_key, issue.number);
        let links = (self.address_of(&path), self.address_of("/bugs/inbox"));
        let rows: Vec<NewNotification> = recipients
            .into_iter()
            .map(|recipient| {
                let summary = if news.reason == "assigned" && issue.assignee_id == Some(recipient.user_id) {
                    format!("{} assigned {reference} to you", user.display_name)
                } else {
                    format!("{} {}", user.display_name, news.what)
                };
                let email = recipient.email.filter(|_| self.mailer.enabled()).map(|to| {
                    let (subject, body) =
                        mail::compose((&reference, &issue.title), &summary, news.details, (&links.0, &links.1));
                    Email { to, subject, body }
                });
                NewNotification { recipient_id: recipient.user_id, reason: news.reason, summary, email }
            })
            .collect();
        let emails = notifications::insert(pool, issue.id, user.user_id, &rows, (unix_now(), now_ms())).await?;
        tracing::info!(issue = issue.id, notified = rows.len(), emails, reason = news.reason, "notifications recorded");
        if emails > 0 {
            self.mailer.wake();
        }
        Ok(())
    }

    /// A page's address as the family types it (`HEARTH_PUBLIC_URL`), or its path alone.
    fn address_of(&self, path: &str) -> String {
        match &self.public_url {
            Some(origin) => format!("{origin}{path}"),
            None => format!("{path} in Hearth"),
        }
    }

    /// The user's latest notifications and their unread count.
    ///
    /// # Errors
    /// Database failure.
    pub async fn inbox(&self, user: &Identity) -> AppResult<Inbox> {
        self.remember(user).await?;
        let pool = self.db.pool();
        Ok(Inbox {
            notifications: notifications::of_recipient(pool, user.user_id, user.is_admin(), INBOX_SIZE).await?,
            unread: notifications::unread(pool, user.user_id, user.is_admin()).await?,
        })
    }

    /// How many of the user's notifications are unread.
    ///
    /// # Errors
    /// Database failure.
    pub async fn unread(&self, user: &Identity) -> AppResult<i64> {
        Ok(notifications::unread(self.db.pool(), user.user_id, user.is_admin()).await?)
    }

    /// Marks the user's notifications of one issue read (they opened it).
    ///
    /// # Errors
    /// Database failure.
    pub async fn mark_read(&self, user: &Identity, issue_id: i64) -> AppResult<()> {
        notifications::mark_read(self.db.pool(), user.user_id, Some(issue_id), unix_now()).await?;
        Ok(())
    }

    /// Marks all the user's notifications read; how many were unread.
    ///
    /// # Errors
    /// Database failure.
    pub async fn mark_all_read(&self, user: &Identity) -> AppResult<u64> {
        Ok(notifications::mark_read(self.db.pool(), user.user_id, None, unix_now()).await?)
    }

    /// Whether the user hears about the issue.
    ///
    /// # Errors
    /// Database failure.
    pub async fn follows(&self, user: &Identity, issue: &IssueRow) -> AppResult<bool> {
        Ok(notifications::follows(self.db.pool(), issue.id, user.user_id).await?)
    }

    /// Follows an issue, or stops following it; anyone who sees it may.
    ///
    /// # Errors
    /// The issue is not visible.
    pub async fn follow(&self, user: &Identity, key: &str, number: i64, following: bool) -> AppResult<()> {
        let (_, issue) = self.issue(user, key, number).await?;
        Ok(notifications::set_following(self.db.pool(), issue.id, user.user_id, following).await?)
    }

    /// Where the user's notification emails go.
    ///
    /// # Errors
    /// Database failure.
    pub async fn email_settings(&self, user: &Identity) -> AppResult<EmailSettings> {
        self.remember(user).await?;
        Ok(EmailSettings {
            address: people::email(self.db.pool(), user.user_id).await?,
            sending: self.mailer.enabled(),
        })
    }

    /// Sets where the user's notification emails go, or (with `None`) stops them.
    ///
    /// # Errors
    /// Database failure.
    pub async fn set_email(&self, user: &Identity, address: Option<&EmailAddress>) -> AppResult<()> {
        self.remember(user).await?;
        people::set_email(self.db.pool(), user.user_id, address.map(EmailAddress::as_str)).await?;
        tracing::info!(user = user.user_id, emails = address.is_some(), "notification email address changed");
        Ok(())
    }
}
