//! Webhooks: issue events POSTed as JSON to the family's other tools, signed with
//! HMAC-SHA256 (`X-Hearth-Signature-256: sha256=<hex>`, over the exact body), queued in the
//! database and retried with exponential backoff by one background worker, so a receiver that
//! is down for a while still gets every event, in order of when it became due.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac as _};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::Notify;

use crate::db::webhooks::{self, DueDelivery};
use hearth_shared::Database;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// Longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 3_600_000;
/// How long one receiver may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the worker looks for work when nothing wakes it.
const IDLE_POLL: Duration = Duration::from_secs(30);
/// Deliveries sent in one round.
const BATCH: i64 = 20;

/// `sha256=<hex of HMAC-SHA256(secret, body)>`.
#[must_use]
pub fn signature(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// When to try again after the `attempts`-th failure: `base`, `2·base`, `4·base`… capped at an
/// hour; `None` once [`MAX_ATTEMPTS`] have failed.
#[must_use]
pub fn backoff_ms(base_ms: i64, attempts: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    Some(base_ms.saturating_mul(1_i64 << exponent).min(MAX_BACKOFF_MS))
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// What a receiver gets.
#[derive(Debug, Serialize)]
pub struct EventPayload<'a> {
    /// issue.created, issue.edited, issue.status_changed, issue.commented or issue.linked.
    pub event: &'a str,
    pub project: &'a str,
    pub number: i64,
    /// `HOME-12`.
    pub reference: String,
    pub title: &'a str,
    pub status: &'a str,
    pub actor: &'a str,
    /// Unix seconds.
    pub at: i64,
    /// The page, relative to the Hearth address.
    pub url: String,
}

/// The queue and its worker.
#[derive(Clone)]
pub struct Webhooks {
    db: Database,
    wake: Arc<Notify>,
    backoff_base_ms: i64,
}

impl Webhooks {
    /// Starts the delivery worker (picking up what was left from before).
    ///
    /// # Errors
    /// The HTTP client cannot be built.
    pub fn start(db: Database, backoff_base_ms: i64) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Hearth-Bugs-Webhook/1")
            .build()?;
        let webhooks = Self { db, wake: Arc::new(Notify::new()), backoff_base_ms: backoff_base_ms.max(1) };
        tokio::spawn(webhooks.clone().run(client));
        Ok(webhooks)
    }

    /// Queues an event for the project's webhooks and wakes the worker.
    ///
    /// # Errors
    /// Database failure.
    pub async fn publish(&self, project_id: i64, payload: &EventPayload<'_>) -> sqlx::Result<()> {
        let body = serde_json::to_string(payload).unwrap_or_default();
        if webhooks::enqueue(self.db.pool(), project_id, payload.event, &body, now_ms()).await? > 0 {
            self.wake.notify_one();
        }
        Ok(())
    }

    async fn run(self, client: reqwest::Client) {
        loop {
            if let Err(e) = self.deliver_due(&client).await {
                tracing::error!(error = %e, "webhook deliveries failed");
            }
            let wait = match webhooks::next_due(self.db.pool()).await {
                Ok(Some(due)) => Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)).min(IDLE_POLL),
                _ => IDLE_POLL,
            };
            if !wait.is_zero() {
                let _ = tokio::time::timeout(wait, self.wake.notified()).await;
            }
        }
    }

    async fn deliver_due(&self, client: &reqwest::Client) -> sqlx::Result<()> {
        for delivery in webhooks::due(self.db.pool(), now_ms(), BATCH).await? {
            match send(client, &delivery).await {
                Ok(()) => webhooks::delivered(self.db.pool(), delivery.id, now_ms()).await?,
                Err(error) => {
                    let attempts = delivery.attempts + 1;
                    let next = backoff_ms(self.backoff_base_ms, attempts).map(|wait| now_ms() + wait);
                    tracing::warn!(delivery = delivery.id, attempts, %error, gave_up = next.is_none(), "webhook delivery failed");
                    webhooks::failed(self.db.pool(), delivery.id, &error, next).await?;
                }
            }
        }
        Ok(())
    }
}

async fn send(client: &reqwest::Client, delivery: &DueDelivery) -> Result<(), String> {
    let response = client
        .post(&delivery.url)
        .header("content-type", "application/json")
        .header("x-hearth-event", &delivery.event)
        .header("x-hearth-delivery", delivery.id.to_string())
        .header("x-hearth-signature-256", signature(&delivery.secret, delivery.payload.as_bytes()))
        .body(delivery.payload.clone())
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    if response.status().is_success() { Ok(()) } else { Err(format!("the receiver answered {}", response.status())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_rfc_4231_test_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_then_gives_up() {
        assert_eq!(backoff_ms(1000, 1), Some(1000));
        assert_eq!(backoff_ms(1000, 2), Some(2000));
        assert_eq!(backoff_ms(1000, 4), Some(8000));
        assert_eq!(backoff_ms(1_000_000, 7), Some(MAX_BACKOFF_MS));
        assert_eq!(backoff_ms(1000, MAX_ATTEMPTS), None);
    }
}
