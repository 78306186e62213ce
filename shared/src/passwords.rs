//! Passwords (accounts, protected share links): the rule for a new one, and hashing with
//! argon2id: slow on purpose and 19 MiB of memory each, so it runs on the blocking pool, at
//! most [`HASHES_AT_ONCE`] at a time: a flood of logins waits its turn, or is told to come
//! back, instead of taking the box's memory.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::AppError;
use argon2::Argon2;

/// Password hashes computed at once, whatever the number of requests asking.
pub const HASHES_AT_ONCE: usize = 4;

/// How long a request waits for its turn to hash before it is asked to come back.
const HASH_WAIT: Duration = Duration::from_secs(3);

static HASHING: Semaphore = Semaphore::const_new(HASHES_AT_ONCE);

/// A turn to hash, or 429 when others have held every turn for [`HASH_WAIT`].
async fn turn_to_hash() -> Result<SemaphorePermit<'static>, AppError> {
    turn(&HASHING, HASH_WAIT).await
}

async fn turn(turns: &Semaphore, wait: Duration) -> Result<SemaphorePermit<'_>, AppError> {
    match tokio::time::timeout(wait, turns.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(closed)) => Err(AppError::Internal(closed.into())),
        Err(_) => Err(AppError::TooManyRequests {
            message: "Hearth is checking many passwords at the moment. Try again in a few seconds.".to_owned(),
            retry_after_secs: wait.as_secs().max(1),
        }),
    }
}

/// A new password that meets the rule: 8 to 256 characters.
pub struct Password(String);

impl Password {
    /// # Errors
    /// Too short or too long, with the rule in the message.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let length = raw.chars().count();
        if length < 8 {
            return Err(AppError::Invalid("Choose a password of at least 8 characters.".to_owned()));
        }
        if length > 256 {
            return Err(AppError::Invalid("A password has at most 256 characters.".to_owned()));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password for a share link, which guests type: 8 to 256 characters, as an account's
    /// (guesses at it are throttled too, per link and per address).
    ///
    /// # Errors
    /// Too short or too long, with the rule in the message.
    pub fn parse_share(raw: &str) -> Result<Self, AppError> {
        let length = raw.chars().count();
        if (8..=256).contains(&length) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(AppError::Invalid("A link password has 8 to 256 characters.".to_owned()))
        }
    }

    /// Hashes with argon2id and a random salt, off the async threads.
    ///
    /// # Errors
    /// Hashing failed (our failure).
    pub async fn hash(self) -> Result<PasswordHash, AppError> {
        let password = self.0;
        let _turn = turn_to_hash().await?;
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| PasswordHash(h.to_string()))
                .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
        })
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(AppError::Internal)
    }
}

/// A stored argon2id hash in PHC string form.
#[derive(Debug, Clone)]
pub struct PasswordHash(pub String);

/// A hash of a password nobody has, verified when the username is unknown so that a wrong
/// username takes as long as a wrong password.
static DECOY_HASH: OnceLock<String> = OnceLock::new();

fn decoy_hash() -> String {
    DECOY_HASH
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(crate::tokens::random_token().as_bytes(), &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// Whether `candidate` matches `stored` (or the decoy when there is no account).
///
/// # Errors
/// [`AppError::TooManyRequests`] when too many hashes are waiting; the blocking task failed
/// (our failure).
pub async fn verify(candidate: &str, stored: Option<&PasswordHash>) -> Result<bool, AppError> {
    let _turn = turn_to_hash().await?;
    let candidate = candidate.to_owned();
    let has_account = stored.is_some();
    let stored = stored.map(|h| h.0.clone());
    let matches = tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(decoy_hash);
        argon2::password_hash::PasswordHash::new(&stored)
            .is_ok_and(|parsed| Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(matches && has_account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        let hash = Password::parse("correct horse").expect("valid").hash().await.expect("hash");
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(&hash)).await.expect("verify"));
        assert!(!verify("wrong horse", Some(&hash)).await.expect("verify"));
        assert!(!verify("correct horse", None).await.expect("verify"));
    }

    #[tokio::test]
    async fn a_hash_waits_its_turn_and_then_is_asked_to_come_back() {
        let turns: &'static Semaphore = Box::leak(Box::new(Semaphore::new(2)));
        let held = turns.acquire_many(2).await.expect("every turn");
        let wait = Duration::from_millis(200);
        let refused = turn(turns, wait).await.expect_err("no turn came");
        assert!(matches!(refused, AppError::TooManyRequests { retry_after_secs: 1, .. }), "{refused}");
        let waiting = tokio::spawn(async move { turn(turns, Duration::from_secs(5)).await.map(drop).is_ok() });
        tokio::time::sleep(wait).await;
        drop(held);
        assert!(waiting.await.expect("task"), "a turn freed in time is taken");
    }
}
