//! Login throttling: too many failed logins for one account, or from one client address,
//! within a window refuse further attempts until the window has passed. Counting failures
//! (not attempts) means a family member who types the right password is never slowed down.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Limits per window.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub failures_per_account: usize,
    pub failures_per_address: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self { window: Duration::from_secs(15 * 60), failures_per_account: 5, failures_per_address: 20 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// Failed logins in the current window, per account and per address.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    failures: Mutex<HashMap<Key, Vec<Instant>>>,
}

impl LoginThrottle {
    #[must_use]
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, failures: Mutex::default() }
    }

    /// `Some(seconds to wait)` when this account or address has failed too often.
    pub fn blocked_for(&self, username: &str, address: Option<IpAddr>) -> Option<u64> {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let window = self.policy.window;
        let mut wait = None;
        for (key, limit) in self.keys(username, address) {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now.duration_since(*t) < window);
                if times.len() >= limit {
                    let oldest = times.first().copied().unwrap_or(now);
                    let secs = window.saturating_sub(now.duration_since(oldest)).as_secs().max(1);
                    wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
                }
            }
        }
        wait
    }

    /// Counts a failed login.
    pub fn record_failure(&self, username: &str, address: Option<IpAddr>) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if failures.len() > 50_000 {
            let window = self.policy.window;
            failures.retain(|_, times| times.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        for (key, _) in self.keys(username, address) {
            failures.entry(key).or_default().push(now);
        }
    }

    /// Forgets an account's failures after it logs in.
    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        failures.remove(&Key::Account(username.to_owned()));
    }

    fn keys(&self, username: &str, address: Option<IpAddr>) -> Vec<(Key, usize)> {
        let mut keys = vec![(Key::Account(username.to_owned()), self.policy.failures_per_account)];
        if let Some(address) = address {
            keys.push((Key::Address(address), self.policy.failures_per_address));
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_an_account_after_its_failures_and_forgets_on_success() {
        let throttle = LoginThrottle::new(ThrottlePolicy { failures_per_account: 2, ..ThrottlePolicy::default() });
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        assert_eq!(throttle.blocked_for("kid", Some(ip)), None);
        throttle.record_failure("kid", Some(ip));
        throttle.record_failure("kid", Some(ip));
        assert!(throttle.blocked_for("kid", Some(ip)).is_some());
        assert_eq!(throttle.blocked_for("mum", None), None);
        throttle.record_success("kid");
        assert_eq!(throttle.blocked_for("kid", None), None);
    }

    #[test]
    fn blocks_an_address_that_tries_many_accounts() {
        let throttle = LoginThrottle::new(ThrottlePolicy { failures_per_address: 3, ..ThrottlePolicy::default() });
        let ip: IpAddr = "10.0.0.2".parse().expect("ip");
        for name in ["a", "b", "c"] {
            throttle.record_failure(name, Some(ip));
        }
        assert!(throttle.blocked_for("d", Some(ip)).is_some());
        assert_eq!(throttle.blocked_for("d", None), None);
    }
}
