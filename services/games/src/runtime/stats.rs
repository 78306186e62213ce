//! What a running server's process uses, read from `/proc`: uptime, CPU time and memory.

use serde::Serialize;
use utoipa::ToSchema;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every Linux
/// architecture Hearth runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// A snapshot of one process.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProcessStats {
    /// Seconds since the process started.
    pub uptime_secs: u64,
    /// CPU time used since it started (user and system), in seconds.
    pub cpu_secs: f64,
    /// CPU used over its life, as a share of one core (100 = one core busy all the time).
    pub cpu_percent: f64,
    /// Resident memory, in MiB.
    pub memory_mib: f64,
}

/// The process's figures, or `None` when it is gone.
#[must_use]
pub fn of(pid: u32) -> Option<ProcessStats> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
    // fields[0] is field 3 of stat(5): utime is field 14, stime 15, starttime 22.
    let ticks = |field: usize| fields.get(field - 3).and_then(|v| v.parse::<f64>().ok());
    let cpu_secs = (ticks(14)? + ticks(15)?) / TICKS_PER_SECOND;
    let started = ticks(22)? / TICKS_PER_SECOND;
    let boot_uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
    let uptime = (boot_uptime - started).max(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    Some(ProcessStats {
        // Whole seconds are enough to show; the cast cannot lose more than that.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        uptime_secs: uptime as u64,
        cpu_secs: (cpu_secs * 100.0).round() / 100.0,
        cpu_percent: if uptime > 0.0 { (cpu_secs / uptime * 1000.0).round() / 10.0 } else { 0.0 },
        memory_mib: (rss_kib / 1024.0 * 10.0).round() / 10.0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_figures() {
        let stats = super::of(std::process::id()).expect("stats of this process");
        assert!(stats.memory_mib > 0.0);
        assert!(super::of(u32::MAX - 1).is_none());
    }
}
