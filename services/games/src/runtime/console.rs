//! A server's console: the last lines in a bounded ring buffer (for whoever opens the page)
//! and a broadcast of every new line and state change (for the live view). Lines are
//! numbered so a viewer that reads the ring and then follows the broadcast sees each once.
//!
//! Each line says where it comes from: the game, Hearth (plain events for the family:
//! "Ready for players", "Stopping: saving the world"; the details an admin needs go to the
//! service's log instead), or a command someone typed.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::broadcast;

/// Lines kept for a viewer who opens the console.
pub const KEPT_LINES: usize = 500;
/// The longest line kept; longer ones are cut.
pub const MAX_LINE: usize = 2000;

/// How Hearth's events start in the lines kept with a server that ended.
const EVENT_MARK: &str = "[hearth] ";
/// How typed commands start there (and on the page).
const TYPED_MARK: &str = "> ";

/// Where a console line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// What the game printed.
    Game,
    /// What Hearth did, in the family's words.
    Hearth,
    /// A command someone typed into the console.
    Typed,
}

/// One console line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub seq: u64,
    pub source: Source,
    pub text: String,
}

/// Something a viewer sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleEvent {
    Line(Line),
    State(String),
}

#[derive(Debug)]
pub struct Console {
    lines: Mutex<(u64, VecDeque<Line>)>,
    events: broadcast::Sender<ConsoleEvent>,
}

impl Default for Console {
    fn default() -> Self {
        Self { lines: Mutex::new((0, VecDeque::with_capacity(64))), events: broadcast::channel(256).0 }
    }
}

impl Console {
    /// Adds a line the game printed (cut to [`MAX_LINE`] characters) and tells every viewer.
    pub fn push(&self, text: &str) {
        self.add(Source::Game, text);
    }

    /// Adds one of Hearth's events, for the family.
    pub fn event(&self, text: &str) {
        self.add(Source::Hearth, text);
    }

    /// Adds a command someone typed.
    pub fn typed(&self, command: &str) {
        self.add(Source::Typed, command);
    }

    fn add(&self, source: Source, text: &str) {
        let text: String = text.trim_end_matches(['\r', '\n']).chars().take(MAX_LINE).collect();
        let line = {
            let mut lines = self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            lines.0 += 1;
            let line = Line { seq: lines.0, source, text };
            if lines.1.len() == KEPT_LINES {
                lines.1.pop_front();
            }
            lines.1.push_back(line.clone());
            line
        };
        let _ = self.events.send(ConsoleEvent::Line(line));
    }

    /// Tells viewers the server's state changed.
    pub fn state(&self, state: &str) {
        let _ = self.events.send(ConsoleEvent::State(state.to_owned()));
    }

    /// The kept lines, oldest first.
    #[must_use]
    pub fn snapshot(&self) -> Vec<Line> {
        self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).1.iter().cloned().collect()
    }

    /// The last `count` lines joined, for the database (Hearth's events and typed commands
    /// marked, so [`Self::read_tail`] tells them apart again).
    #[must_use]
    pub fn tail(&self, count: usize) -> String {
        let snapshot = self.snapshot();
        let start = snapshot.len().saturating_sub(count);
        snapshot[start..].iter().map(Line::marked).collect::<Vec<_>>().join("\n")
    }

    /// The lines of a [`Self::tail`] read back (numbered 0: they are not in the ring).
    #[must_use]
    pub fn read_tail(tail: &str) -> Vec<Line> {
        tail.lines()
            .map(|line| {
                let (source, text) = if let Some(text) = line.strip_prefix(EVENT_MARK) {
                    (Source::Hearth, text)
                } else if let Some(text) = line.strip_prefix(TYPED_MARK) {
                    (Source::Typed, text)
                } else {
                    (Source::Game, line)
                };
                Line { seq: 0, source, text: text.to_owned() }
            })
            .collect()
    }

    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<ConsoleEvent> {
        self.events.subscribe()
    }
}

impl Line {
    /// The line as text, marked with where it comes from (the API's console, the database).
    #[must_use]
    pub fn marked(&self) -> String {
        match self.source {
            Source::Game => self.text.clone(),
            Source::Hearth => format!("{EVENT_MARK}{}", self.text),
            Source::Typed => format!("{TYPED_MARK}{}", self.text),
        }
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
        let first = Line { seq: 1, source: Source::Game, text: "line 0".to_owned() };
        assert_eq!(events.try_recv().ok(), Some(ConsoleEvent::Line(first)));
        for n in 1..(KEPT_LINES + 5) {
            console.push(&format!("line {n}\n"));
        }
        let snapshot = console.snapshot();
        assert_eq!(snapshot.len(), KEPT_LINES);
        assert_eq!((snapshot[0].seq, snapshot[0].text.as_str()), (6, "line 5"));
        assert_eq!(console.tail(2), format!("line {}\nline {}", KEPT_LINES + 3, KEPT_LINES + 4));
    }

    #[test]
    fn the_kept_tail_says_where_each_line_came_from() {
        let console = Console::default();
        console.event("Starting Minetest");
        console.typed("/time 6:00");
        console.push("Time of day changed.");
        let read: Vec<(Source, String)> =
            Console::read_tail(&console.tail(3)).into_iter().map(|l| (l.source, l.text)).collect();
        assert_eq!(
            read,
            [
                (Source::Hearth, "Starting Minetest".to_owned()),
                (Source::Typed, "/time 6:00".to_owned()),
                (Source::Game, "Time of day changed.".to_owned())
            ]
        );
    }
}
