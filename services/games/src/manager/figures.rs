//! What each running server uses now: its process tree read at each look, and the CPU share
//! over the time since the look before (at least a second), so a page that asks every few
//! seconds shows the game's load now, not its average since it started.

use std::time::{Duration, Instant};

use super::{Manager, Server, lock};
use crate::runtime::stats::{self, ProcessStats, TreeSample};

/// The CPU share is measured over at least this long (looks closer together show the last one).
const CPU_OVER_AT_LEAST: Duration = Duration::from_secs(1);

/// The look at one server's process tree the CPU share is measured from.
pub(super) struct LastSample {
    pid: u32,
    sample: TreeSample,
    at: Instant,
    cpu_percent: f64,
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
    /// is gone: memory and uptime as they are now, the CPU share since the look before.
    pub(super) fn figures(&self, id: i64, pid: u32) -> Option<ProcessStats> {
        let mut samples = lock(&self.inner.samples);
        let Some(sample) = stats::sample_tree(pid) else {
            samples.remove(&id);
            return None;
        };
        let previous = samples.get(&id).filter(|last| last.pid == pid);
        let mut figures = sample.figures(previous.map(|last| (&last.sample, last.at.elapsed().as_secs_f64())));
        match previous {
            Some(last) if last.at.elapsed() < CPU_OVER_AT_LEAST => figures.cpu_percent = last.cpu_percent,
            _ => {
                let cpu_percent = figures.cpu_percent;
                samples.insert(id, LastSample { pid, sample, at: Instant::now(), cpu_percent });
            }
        }
        Some(figures)
    }
}
