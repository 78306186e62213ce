//! Notification emails: the `outbox` sent to the family's mail server (`HEARTH_SMTP_*`,
//! ADR 0058) through lettre by one background worker, retried with the webhooks' backoff, so
//! a mail server that is down for a while still gets every email. Without `HEARTH_SMTP_HOST`
//! nothing is queued and no worker runs.

use std::sync::Arc;
use std::time::Duration;

use hearth_shared::Database;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::{SmtpSecurity, SmtpSettings};
use crate::db::outbox::{self, DueEmail};
use crate::webhooks::{backoff_ms, now_ms};

/// How long one conversation with the mail server may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the worker looks for work when nothing wakes it.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// Emails sent in one round.
const BATCH: i64 = 20;
/// Longest comment copied into an email, in characters.
const MAX_DETAILS_CHARS: usize = 4000;

/// The subject and text of a notification's email: what happened, the comment when it was
/// one, where to open the issue, and why the email came and how to stop it.
#[must_use]
pub fn compose(
    (reference, title): (&str, &str),
    summary: &str,
    details: Option<&str>,
    (issue_link, inbox_link): (&str, &str),
) -> (String, String) {
    let subject = format!("[{reference}] {title}");
    let mut body = format!("{summary}\n\n");
    if let Some(details) = details.map(str::trim).filter(|d| !d.is_empty()) {
        let mut text: String = details.chars().take(MAX_DETAILS_CHARS).collect();
        if details.chars().count() > MAX_DETAILS_CHARS {
            text.push_str(" […]");
        }
        body.push_str(&text);
        body.push_str("\n\n");
    }
    body.push_str(&format!(
        "Open {reference}: {issue_link}\n\n-- \nYou get this because you filed, were assigned, commented on or follow \
         {reference}. Stop following it on its page, or stop these emails at {inbox_link}\n"
    ));
    (subject, body)
}

/// The outbox and its worker.
#[derive(Clone)]
pub struct Mailer {
    db: Database,
    wake: Arc<Notify>,
    enabled: bool,
}

impl Mailer {
    /// Starts the sending worker when SMTP is set up (picking up what was left from before).
    ///
    /// # Errors
    /// A mail server name that TLS cannot check certificates for.
    pub fn start(db: Database, settings: Option<&SmtpSettings>, backoff_base_ms: i64) -> anyhow::Result<Self> {
        let mailer = Self { db, wake: Arc::new(Notify::new()), enabled: settings.is_some() };
        if let Some(settings) = settings {
            let transport = transport(settings)?;
            tokio::spawn(mailer.clone().run(transport, settings.from.clone(), backoff_base_ms.max(1)));
        }
        Ok(mailer)
    }

    /// Whether notifications are also emailed.
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Tells the worker that emails were queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    async fn run(self, transport: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox, backoff_base_ms: i64) {
        loop {
            if let Err(e) = self.send_due(&transport, &from, backoff_base_ms).await {
                tracing::error!(error = %e, "sending notification emails failed");
            }
            let wait = match outbox::next_due(self.db.pool()).await {
                Ok(Some(due)) => Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)).min(IDLE_POLL),
                _ => IDLE_POLL,
            };
            if !wait.is_zero() {
                let _ = tokio::time::timeout(wait, self.wake.notified()).await;
            }
        }
    }

    async fn send_due(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        from: &Mailbox,
        backoff_base_ms: i64,
    ) -> sqlx::Result<()> {
        for email in outbox::due(self.db.pool(), now_ms(), BATCH).await? {
            match send(transport, from, &email).await {
                Ok(()) => outbox::sent(self.db.pool(), email.id, now_ms()).await?,
                Err(error) => {
                    let attempts = email.attempts + 1;
                    let next = backoff_ms(backoff_base_ms, attempts).map(|wait| now_ms() + wait);
                    tracing::warn!(email = email.id, attempts, %error, gave_up = next.is_none(), "notification email failed");
                    outbox::failed(self.db.pool(), email.id, &error, next).await?;
                }
            }
        }
        Ok(())
    }
}

fn transport(settings: &SmtpSettings) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = match settings.security {
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
    };
    let builder = builder.port(settings.port).timeout(Some(SMTP_TIMEOUT));
    let builder = match &settings.credentials {
        Some((user, password)) => builder.credentials(Credentials::new(user.clone(), password.clone())),
        None => builder,
    };
    Ok(builder.build())
}

async fn send(transport: &AsyncSmtpTransport<Tokio1Executor>, from: &Mailbox, email: &DueEmail) -> Result<(), String> {
    let to: Mailbox = email.to_address.parse().map_err(|e| format!("the address {:?}: {e}", email.to_address))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(email.body.clone())
        .map_err(|e| format!("the message: {e}"))?;
    transport.send(message).await.map(|_| ()).map_err(|e| format!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::compose;

    #[test]
    fn an_email_says_what_happened_where_and_how_to_stop() {
        let (subject, body) = compose(
            ("HOME-1", "Printer jams"),
            "Mum commented: “New toner”",
            Some("New **toner** fitted."),
            ("https://hearth.lan/bugs/p/HOME/1", "https://hearth.lan/bugs/inbox"),
        );
        assert_eq!(subject, "[HOME-1] Printer jams");
        assert!(body.starts_with("Mum commented: “New toner”\n\nNew **toner** fitted.\n\n"), "{body}");
        assert!(body.contains("Open HOME-1: https://hearth.lan/bugs/p/HOME/1"), "{body}");
        assert!(body.contains("stop these emails at https://hearth.lan/bugs/inbox"), "{body}");
        let (_, long) = compose(("A-1", "t"), "s", Some(&"x".repeat(5000)), ("l", "i"));
        assert!(long.contains(&format!("{} […]", "x".repeat(4000))), "long comments are cut");
    }
}
