//! What a running server uses, read from `/proc`: its uptime, and the CPU time and memory of
//! its whole process tree (the game, and anything it or a wrapper script started), since a
//! wrapper that does not `exec` would otherwise be all that is measured.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every Linux
/// architecture Hearth runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// A snapshot of a server's processes, as the family sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ProcessStats {
    /// Seconds since the game's first process started.
    pub uptime_secs: u64,
    /// CPU time its processes used since it started (user and system), in seconds.
    pub cpu_secs: f64,
    /// CPU used over the last few seconds (since it started, on the first look), as a share of
    /// one core (100 = one core busy all the time).
    pub cpu_percent: f64,
    /// Resident memory of its processes together, in MiB.
    pub memory_mib: f64,
    /// How many processes it runs.
    pub processes: u32,
}

/// The counters of a process tree at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeSample {
    /// CPU ticks of every process in the tree, with those of its children that ended.
    pub cpu_ticks: u64,
    /// Resident memory together, in KiB.
    pub rss_kib: u64,
    /// Seconds since the root process started.
    pub uptime_secs: f64,
    pub processes: u32,
}

impl TreeSample {
    /// The figures, with the CPU share since `previous` (taken `seconds` earlier), or since the
    /// start when there is none.
    #[must_use]
    pub fn figures(&self, previous: Option<(&Self, f64)>) -> ProcessStats {
        let cpu_secs = to_f64(self.cpu_ticks) / TICKS_PER_SECOND;
        let (used, over) = match previous {
            Some((before, seconds)) if seconds > 0.0 => {
                (to_f64(self.cpu_ticks.saturating_sub(before.cpu_ticks)) / TICKS_PER_SECOND, seconds)
            }
            _ => (cpu_secs, self.uptime_secs),
        };
        ProcessStats {
            // Whole seconds are enough to show; the cast cannot lose more than that.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            uptime_secs: self.uptime_secs as u64,
            cpu_secs: (cpu_secs * 100.0).round() / 100.0,
            cpu_percent: if over > 0.0 { (used / over * 1000.0).round() / 10.0 } else { 0.0 },
            memory_mib: (to_f64(self.rss_kib) / 1024.0 * 10.0).round() / 10.0,
            processes: self.processes,
        }
    }
}

/// Counters small enough that `f64` holds them exactly (ticks, KiB).
#[allow(clippy::cast_precision_loss)]
fn to_f64(value: u64) -> f64 {
    value as f64
}

/// One process, as `/proc/<pid>/stat` has it.
#[derive(Debug, Clone, Copy)]
struct Process {
    pid: u32,
    parent: u32,
    /// utime, stime, cutime and cstime.
    ticks: u64,
    started: u64,
    rss_pages: u64,
}

/// The counters of `root` and every process under it, or `None` when `root` is gone.
#[must_use]
pub fn sample_tree(root: u32) -> Option<TreeSample> {
    let processes = all_processes();
    let by_pid: HashMap<u32, Process> = processes.iter().map(|p| (p.pid, *p)).collect();
    let first = *by_pid.get(&root)?;
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for process in &processes {
        children.entry(process.parent).or_default().push(process.pid);
    }
    let mut tree = vec![first];
    let mut next = 0;
    while let Some(process) = tree.get(next).copied() {
        next += 1;
        let under = children.get(&process.pid).into_iter().flatten();
        tree.extend(under.filter_map(|pid| by_pid.get(pid)).filter(|p| p.pid != root));
    }
    let page_kib = u64::try_from(rustix::param::page_size() / 1024).unwrap_or(4);
    let boot_uptime: f64 = std::fs::read_to_string("/proc/uptime").ok()?.split_whitespace().next()?.parse().ok()?;
    Some(TreeSample {
        cpu_ticks: tree.iter().map(|p| p.ticks).sum(),
        rss_kib: tree.iter().map(|p| p.rss_pages * page_kib).sum(),
        uptime_secs: (boot_uptime - to_f64(first.started) / TICKS_PER_SECOND).max(0.0),
        processes: u32::try_from(tree.len()).unwrap_or(u32::MAX),
    })
}

/// Every process whose `stat` can be read now (zombies aside).
fn all_processes() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| parse_stat(pid, &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?))
        .collect()
}

/// A `stat` line read; `None` for a zombie or a line that does not parse.
fn parse_stat(pid: u32, stat: &str) -> Option<Process> {
    // The command may hold spaces and ")": the fields start after the last ")".
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split_whitespace().collect();
    // fields[0] is field 3 of proc_pid_stat(5).
    let field = |number: usize| fields.get(number - 3).and_then(|v| v.parse::<u64>().ok());
    if matches!(fields.first(), Some(&("Z" | "X"))) {
        return None;
    }
    Some(Process {
        pid,
        parent: u32::try_from(field(4)?).ok()?,
        ticks: field(14)? + field(15)? + field(16)? + field(17)?,
        started: field(22)?,
        rss_pages: field(24)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_figures() {
        let sample = sample_tree(std::process::id()).expect("stats of this process");
        assert!(sample.rss_kib > 0);
        assert!(sample.processes >= 1);
        assert!(sample_tree(u32::MAX - 1).is_none());
    }

    /// A wrapper that does not exec (`sh -c 'sleep; true'`): the tree counts the child too.
    #[test]
    fn a_wrappers_children_are_counted() {
        let mut child = std::process::Command::new("/bin/sh").args(["-c", "sleep 5; true"]).spawn().expect("spawn sh");
        let mut processes = 0;
        for _ in 0..100 {
            processes = sample_tree(child.id()).map_or(0, |s| s.processes);
            if processes >= 2 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(processes, 2, "sh and its sleep");
    }

    #[test]
    fn a_stat_line_is_read_after_the_last_parenthesis() {
        let line = "42 (a (weird) name) S 7 42 42 0 -1 0 0 0 0 0 150 50 10 5 20 0 1 0 1234 10000 300 0";
        let process = parse_stat(42, line).expect("parses");
        assert_eq!((process.parent, process.ticks, process.started, process.rss_pages), (7, 215, 1234, 300));
        assert!(parse_stat(42, &line.replace(") S ", ") Z ")).is_none(), "a zombie");
    }

    #[test]
    fn the_cpu_share_is_over_the_last_interval() {
        let before = TreeSample { cpu_ticks: 1000, rss_kib: 1024, uptime_secs: 100.0, processes: 1 };
        let now = TreeSample { cpu_ticks: 1050, rss_kib: 33 * 1024, uptime_secs: 102.0, processes: 2 };
        let figures = now.figures(Some((&before, 2.0)));
        assert!((figures.cpu_percent - 25.0).abs() < f64::EPSILON, "{figures:?}");
        assert!((figures.memory_mib - 33.0).abs() < f64::EPSILON);
        let since_start = now.figures(None);
        assert!((since_start.cpu_percent - 10.3).abs() < f64::EPSILON, "10.5 s of CPU in 102 s: {since_start:?}");
    }
}
