//! The memory of decodes in flight, bounded whatever the number of workers. Each child sets
//! aside what its job needs (told from the file's header, or from its size) before it starts,
//! waiting its turn when the budget is spent, and is given exactly that as its memory limit:
//! the children together never have more than the budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(super) const MIB: u64 = 1024 * 1024;

/// A weighted semaphore of whole MiB.
pub(super) struct MemoryBudget {
    permits: Arc<Semaphore>,
    total_mib: u32,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct Counters {
    reserved: AtomicU64,
    peak: AtomicU64,
}

/// Memory set aside for one child; given back when dropped.
pub(super) struct Reservation {
    _permit: OwnedSemaphorePermit,
    bytes: u64,
    counters: Arc<Counters>,
}

impl MemoryBudget {
    pub(super) fn new(total_bytes: u64) -> Self {
        let most = u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX);
        let total_mib = u32::try_from(total_bytes / MIB).unwrap_or(u32::MAX).min(most);
        Self {
            permits: Arc::new(Semaphore::new(total_mib as usize)),
            total_mib,
            counters: Arc::new(Counters::default()),
        }
    }

    pub(super) fn total_bytes(&self) -> u64 {
        u64::from(self.total_mib) * MIB
    }

    /// Sets aside `bytes`, rounded up to whole MiB, once decodes in flight have given back
    /// enough (in the order asked); `None` when that is more than the whole budget.
    pub(super) async fn reserve(&self, bytes: u64) -> Option<Reservation> {
        let mib = u32::try_from(bytes.div_ceil(MIB)).ok().filter(|mib| *mib <= self.total_mib)?;
        let permit = Arc::clone(&self.permits).acquire_many_owned(mib).await.ok()?;
        let bytes = u64::from(mib) * MIB;
        let reserved = self.counters.reserved.fetch_add(bytes, Ordering::SeqCst) + bytes;
        self.counters.peak.fetch_max(reserved, Ordering::SeqCst);
        Some(Reservation { _permit: permit, bytes, counters: Arc::clone(&self.counters) })
    }

    /// The most that was ever set aside at once.
    pub(super) fn peak_bytes(&self) -> u64 {
        self.counters.peak.load(Ordering::SeqCst)
    }
}

impl Reservation {
    /// What was set aside: the child's memory limit.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.counters.reserved.fetch_sub(self.bytes, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn reservations_are_whole_mib_and_never_more_than_the_budget() {
        let budget = MemoryBudget::new(100 * MIB);
        assert_eq!(budget.total_bytes(), 100 * MIB);
        let small = budget.reserve(1).await.expect("fits");
        assert_eq!(small.bytes(), MIB);
        assert!(budget.reserve(101 * MIB).await.is_none(), "more than the whole budget is refused, not waited for");
        drop(small);
        assert_eq!(budget.reserve(100 * MIB).await.map(|all| all.bytes()), Some(100 * MIB));
    }

    #[tokio::test]
    async fn a_reservation_waits_until_enough_is_given_back() {
        let budget = Arc::new(MemoryBudget::new(100 * MIB));
        let first = budget.reserve(60 * MIB).await.expect("fits");
        let waiting = {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move { budget.reserve(60 * MIB).await.map(|r| r.bytes()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "60 + 60 MiB do not fit in 100");
        drop(first);
        assert_eq!(waiting.await.expect("task"), Some(60 * MIB));
        assert_eq!(budget.peak_bytes(), 60 * MIB);
    }
}
