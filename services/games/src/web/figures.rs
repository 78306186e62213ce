//! A running server's figures as the family reads them ("up 2 h 5 min", "CPU 3 %",
//! "33 MiB of 512 MiB", "2 playing: ana, bob"): written once here for the pages and for the
//! live updates the console's event stream sends.

use serde::Serialize;

use crate::manager::Server;

/// What a running server uses and who plays, in words; empty texts while it does not run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    pub running: bool,
    pub uptime: String,
    pub cpu: String,
    pub memory: String,
    /// Empty when the game does not say who plays.
    pub players: String,
}

impl Figures {
    #[must_use]
    pub fn of(server: &Server) -> Self {
        let players = match (&server.players_online, &server.players) {
            (Some(0), _) => "Nobody playing".to_owned(),
            (Some(online), Some(names)) if !names.is_empty() => format!("{online} playing: {}", names.join(", ")),
            (Some(online), _) => format!("{online} playing"),
            (None, _) => String::new(),
        };
        let Some(stats) = &server.stats else { return Self { players, ..Self::default() } };
        Self {
            running: true,
            uptime: format!("up {}", duration(stats.uptime_secs)),
            cpu: format!("CPU {} %", percent(stats.cpu_percent)),
            memory: format!("{} MiB of {} MiB", mib(stats.memory_mib), server.memory_mb),
            players,
        }
    }
}

/// "12 s", "5 min", "2 h 5 min", "3 days 2 h".
fn duration(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, minutes) => format!("{minutes} min"),
        (0, hours, minutes) => format!("{hours} h {minutes} min"),
        (1, hours, _) => format!("1 day {hours} h"),
        (days, hours, _) => format!("{days} days {hours} h"),
    }
}

/// One decimal below 10 %, whole numbers above.
fn percent(value: f64) -> String {
    if value < 10.0 { format!("{value:.1}") } else { format!("{value:.0}") }
}

fn mib(value: f64) -> String {
    if value < 10.0 { format!("{value:.1}") } else { format!("{value:.0}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(12), "12 s");
        assert_eq!(duration(300), "5 min");
        assert_eq!(duration(7500), "2 h 5 min");
        assert_eq!(duration(86_400 + 7200), "1 day 2 h");
        assert_eq!(duration(3 * 86_400), "3 days 0 h");
        assert_eq!(percent(3.04), "3.0");
        assert_eq!(percent(42.4), "42");
        assert_eq!(mib(33.1), "33");
    }
}
