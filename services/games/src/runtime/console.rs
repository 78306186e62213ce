//! A server's console: the last lines in a bounded ring buffer (for whoever opens the page)
//! and a broadcast of every new line and state change (for the live view). Lines are
//! numbered so a viewer that reads the ring and then follows the broadcast sees each once.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::broadcast;

/// Lines kept for a viewer who opens the console.
pub const KEPT_LINES: usize = 500;
/// The longest line kept; longer ones are cut.
pub const MAX_LINE: usize = 2000;

/// Something a viewer sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleEvent {
    Line { seq: u64, text: String },
    State(String),
}

#[derive(Debug)]
pub struct Console {
    lines: Mutex<(u64, VecDeque<(u64, String)>)>,
    events: broadcast::Sender<ConsoleEvent>,
}

impl Default for Console {
    fn default() -> Self {
        Self { lines: Mutex::new((0, VecDeque::with_capacity(64))), events: broadcast::channel(256).0 }
    }
}

impl Console {
    /// Adds a line (cut to [`MAX_LINE`] characters) and tells every viewer.
    pub fn push(&self, text: &str) {
        let text: String = text.trim_end_matches(['\r', '\n']).chars().take(MAX_LINE).collect();
        let seq = {
            let mut lines = self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            lines.0 += 1;
            let seq = lines.0;
            if lines.1.len() == KEPT_LINES {
                lines.1.pop_front();
            }
            lines.1.push_back((seq, text.clone()));
            seq
        };
        let _ = self.events.send(ConsoleEvent::Line { seq, text });
    }

    /// Tells viewers the server's state changed.
    pub fn state(&self, state: &str) {
        let _ = self.events.send(ConsoleEvent::State(state.to_owned()));
    }

    /// The kept lines with their numbers, oldest first.
    #[must_use]
    pub fn snapshot(&self) -> Vec<(u64, String)> {
        self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).1.iter().cloned().collect()
    }

    /// The last `count` lines joined, for the database.
    #[must_use]
    pub fn tail(&self, count: usize) -> String {
        let snapshot = self.snapshot();
        let start = snapshot.len().saturating_sub(count);
        snapshot[start..].iter().map(|(_, line)| line.as_str()).collect::<Vec<_>>().join("\n")
    }

    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<ConsoleEvent> {
        self.events.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines_numbered() {
        let console = Console::default();
        let mut events = console.subscribe();
        console.push("line 0\n");
        assert_eq!(events.try_recv().ok(), Some(ConsoleEvent::Line { seq: 1, text: "line 0".to_owned() }));
        for n in 1..(KEPT_LINES + 5) {
            console.push(&format!("line {n}\n"));
        }
        let snapshot = console.snapshot();
        assert_eq!(snapshot.len(), KEPT_LINES);
        assert_eq!(snapshot[0], (6, "line 5".to_owned()));
        assert_eq!(console.tail(2), format!("line {}\nline {}", KEPT_LINES + 3, KEPT_LINES + 4));
    }
}
