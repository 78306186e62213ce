//! A throttle for guesses (account passwords, share-link passwords), keyed by anything: an
//! account, a link, a client address. An attempt counts under each of its keys from the
//! moment it starts, so a burst of simultaneous guesses is refused at once instead of being
//! checked first and counted after; one that succeeds is taken back, so whoever knows the
//! password is never slowed down by their own success. Once a key has had its limit of
//! attempts within the window, further ones are refused until the oldest leaves the window.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Keys kept before those with no attempt left in the window are dropped.
const PRUNE_ABOVE_KEYS: usize = 50_000;

/// Attempts in the current window, per key.
#[derive(Debug)]
pub struct Throttle<K> {
    window: Duration,
    attempts: Mutex<HashMap<K, VecDeque<Instant>>>,
}

/// Why an attempt was not allowed: one of its keys has used up its attempts for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Until the oldest counted attempt leaves the window.
    pub retry_after: Duration,
}

impl Refused {
    /// Whole seconds to wait, at least one (for `Retry-After`).
    #[must_use]
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        secs.max(1)
    }

    /// Whole minutes to wait, at least one (to tell a person).
    #[must_use]
    pub fn retry_after_minutes(&self) -> u64 {
        self.retry_after_secs().div_ceil(60)
    }
}

/// An attempt being made. Dropping it leaves it counted (a failure); [`Attempt::succeeded`]
/// takes it back.
#[derive(Debug)]
#[must_use = "an attempt counts as failed unless `succeeded` is called"]
pub struct Attempt<'a, K: Eq + Hash + Clone> {
    throttle: &'a Throttle<K>,
    keys: Vec<K>,
    started: Instant,
}

impl<K: Eq + Hash + Clone> Attempt<'_, K> {
    /// The attempt succeeded: it no longer counts against its keys.
    pub fn succeeded(self) {
        let mut attempts = self.throttle.lock();
        for key in &self.keys {
            if let Some(times) = attempts.get_mut(key) {
                if let Some(at) = times.iter().rposition(|t| *t == self.started) {
                    times.remove(at);
                }
                if times.is_empty() {
                    attempts.remove(key);
                }
            }
        }
    }
}

impl<K: Eq + Hash + Clone> Throttle<K> {
    /// A throttle counting attempts over the last `window`.
    #[must_use]
    pub fn new(window: Duration) -> Self {
        Self { window, attempts: Mutex::default() }
    }

    /// Starts an attempt under each key with its limit of attempts per window, and counts it
    /// under all of them at once; refused (and not counted) when any key has reached its
    /// limit, with the longest wait among them.
    ///
    /// # Errors
    /// [`Refused`] with how long to wait.
    pub fn begin(&self, limits: impl IntoIterator<Item = (K, usize)>) -> Result<Attempt<'_, K>, Refused> {
        self.begin_at(limits, Instant::now())
    }

    fn begin_at(&self, limits: impl IntoIterator<Item = (K, usize)>, now: Instant) -> Result<Attempt<'_, K>, Refused> {
        let limits: Vec<(K, usize)> = limits.into_iter().collect();
        let mut attempts = self.lock();
        if attempts.len() > PRUNE_ABOVE_KEYS {
            attempts.retain(|_, times| times.back().is_some_and(|t| now.saturating_duration_since(*t) < self.window));
        }
        let mut wait: Option<Duration> = None;
        for (key, limit) in &limits {
            let Some(times) = attempts.get_mut(key) else { continue };
            while times.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.window) {
                times.pop_front();
            }
            if times.len() >= *limit {
                let oldest = times.front().copied().unwrap_or(now);
                let left = self.window.saturating_sub(now.saturating_duration_since(oldest));
                wait = Some(wait.map_or(left, |w| w.max(left)));
            }
        }
        if let Some(retry_after) = wait {
            return Err(Refused { retry_after });
        }
        let keys: Vec<K> = limits.into_iter().map(|(key, _)| key).collect();
        for key in &keys {
            attempts.entry(key.clone()).or_default().push_back(now);
        }
        Ok(Attempt { throttle: self, keys, started: now })
    }

    /// Forgets every attempt counted under `key` (an account that has just logged in).
    pub fn clear(&self, key: &K) {
        self.lock().remove(key);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, VecDeque<Instant>>> {
        self.attempts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn attempts_count_when_they_start_and_successes_are_taken_back() {
        let throttle = Throttle::new(MINUTE);
        let now = Instant::now();
        let first = throttle.begin_at([("link", 2)], now).expect("first");
        let second = throttle.begin_at([("link", 2)], now).expect("second");
        let refused = throttle.begin_at([("link", 2)], now).expect_err("two are in flight");
        assert_eq!(refused.retry_after, MINUTE);
        first.succeeded();
        let third = throttle.begin_at([("link", 2)], now).expect("a success no longer counts");
        drop((second, third));
        assert!(throttle.begin_at([("link", 2)], now).is_err(), "failures stay counted");
        assert!(throttle.begin_at([("other link", 2)], now).is_ok(), "keys count apart");
    }

    #[test]
    fn the_wait_ends_when_the_oldest_attempt_leaves_the_window() {
        let throttle = Throttle::new(MINUTE);
        let start = Instant::now();
        drop(throttle.begin_at([("link", 2)], start));
        drop(throttle.begin_at([("link", 2)], start + Duration::from_secs(20)));
        let refused = throttle.begin_at([("link", 2)], start + Duration::from_secs(30)).expect_err("limit");
        assert_eq!(refused.retry_after, Duration::from_secs(30));
        assert_eq!(refused.retry_after_secs(), 30);
        assert_eq!(refused.retry_after_minutes(), 1);
        assert!(throttle.begin_at([("link", 2)], start + MINUTE).is_ok(), "the first has left the window");
    }

    #[test]
    fn any_key_at_its_limit_refuses_and_a_refusal_counts_nowhere() {
        let throttle = Throttle::new(MINUTE);
        let now = Instant::now();
        for link in ["a", "b", "c"] {
            drop(throttle.begin_at([(link, 5), ("10.0.0.1", 3)], now));
        }
        assert!(throttle.begin_at([("d", 5), ("10.0.0.1", 3)], now).is_err(), "the address is at its limit");
        assert!(throttle.begin_at([("d", 1)], now).is_ok(), "the refused attempt did not count under d");
        throttle.clear(&"10.0.0.1");
        assert!(throttle.begin_at([("e", 5), ("10.0.0.1", 3)], now).is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(Refused { retry_after: Duration::from_millis(1500) }.retry_after_secs(), 2);
        assert_eq!(Refused { retry_after: Duration::ZERO }.retry_after_secs(), 1);
        assert_eq!(Refused { retry_after: Duration::from_secs(61) }.retry_after_minutes(), 2);
    }
}
