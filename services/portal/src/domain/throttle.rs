//! Login throttling: logins for one account, or from one client address, count from the
//! moment they start (through [`hearth_shared::throttle`]), so 150 simultaneous wrong
//! passwords are refused before 150 hashes are computed. A right password is taken back and
//! clears its account's count: a family member who types it is never slowed down.

use std::net::IpAddr;
use std::time::Duration;

use hearth_shared::throttle::{Attempt, Refused, Throttle};

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

/// What a login counts against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LoginKey {
    Account(String),
    Address(IpAddr),
}

/// Logins failed or in flight in the current window, per account and per address.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    attempts: Throttle<LoginKey>,
}

impl LoginThrottle {
    #[must_use]
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self { policy, attempts: Throttle::new(policy.window) }
    }

    /// Starts a login for `username` from `address`, counted at once.
    ///
    /// # Errors
    /// [`Refused`] when the account or the address has used up its attempts for now.
    pub fn begin(&self, username: &str, address: Option<IpAddr>) -> Result<Attempt<'_, LoginKey>, Refused> {
        let mut limits = vec![(LoginKey::Account(username.to_owned()), self.policy.failures_per_account)];
        limits.extend(address.map(|address| (LoginKey::Address(address), self.policy.failures_per_address)));
        self.attempts.begin(limits)
    }

    /// The login had the right password: it does not count, and the account's failures are
    /// forgotten.
    pub fn succeeded(&self, attempt: Attempt<'_, LoginKey>, username: &str) {
        attempt.succeeded();
        self.attempts.clear(&LoginKey::Account(username.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_an_account_after_its_failures_and_forgets_on_success() {
        let throttle = LoginThrottle::new(ThrottlePolicy { failures_per_account: 2, ..ThrottlePolicy::default() });
        let ip: IpAddr = "10.0.0.1".parse().expect("ip");
        drop(throttle.begin("kid", Some(ip)).expect("first"));
        let second = throttle.begin("kid", Some(ip)).expect("second");
        assert!(throttle.begin("kid", Some(ip)).is_err(), "two failed or in flight");
        assert!(throttle.begin("mum", None).is_ok());
        throttle.succeeded(second, "kid");
        assert!(throttle.begin("kid", None).is_ok(), "a success forgets the account's failures");
    }

    #[test]
    fn blocks_an_address_that_tries_many_accounts_at_once() {
        let throttle = LoginThrottle::new(ThrottlePolicy { failures_per_address: 3, ..ThrottlePolicy::default() });
        let ip: IpAddr = "10.0.0.2".parse().expect("ip");
        let in_flight: Vec<_> =
            ["a", "b", "c"].iter().map(|name| throttle.begin(name, Some(ip)).expect("begun")).collect();
        assert!(throttle.begin("d", Some(ip)).is_err(), "counted when they start, not when they fail");
        assert!(throttle.begin("d", None).is_ok());
        drop(in_flight);
    }
}
