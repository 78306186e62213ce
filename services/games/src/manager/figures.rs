//! What each running server uses now: its process tree sampled at most once a second, and
//! the CPU share over the time since the sample before (so a page that asks every few
//! seconds shows the game's load now, not its average since it started).

use std::time::{Duration, Instant};

use super::{Manager, Server, lock};
use crate::runtime::stats::{self, ProcessStats, TreeSample};

/// Looks closer together than this share one sample.
const SAMPLE_AT_MOST_EVERY: Duration = Duration::from_secs(1);

/// The last sample of one server's process tree.
pub(super) struct LastSample {
    pid: u32,
    sample: TreeSample,
    at: Instant,
    figures: ProcessStats,
}

impl Manager {
    /// The server with what its processes use and who plays on it now, when known.
    pub(super) fn with_live(&self, mut server: Server) -> Server {
        server.stats = server
            .pid
            .filter(|_| server.state.is_active())
            .and_then(|pid| u32::try_from(pid).ok())
            .and_then(|pid| self.figures(server.id, pid));
        self.with_players(server)
    }

    /// The figures of the server `id` whose game's first process is `pid`, or `None` when it
    /// is gone.
    pub(super) fn figures(&self, id: i64, pid: u32) -> Option<ProcessStats> {
        let mut samples = lock(&self.inner.samples);
        let previous = samples.get(&id).filter(|last| last.pid == pid);
        if let Some(last) = previous.filter(|last| last.at.elapsed() < SAMPLE_AT_MOST_EVERY) {
            return Some(last.figures.clone());
        }
        let Some(sample) = stats::sample_tree(pid) else {
            samples.remove(&id);
            return None;
        };
        let figures = sample.figures(previous.map(|last| (&last.sample, last.at.elapsed().as_secs_f64())));
        samples.insert(id, LastSample { pid, sample, at: Instant::now(), figures: figures.clone() });
        Some(figures)
    }
}
