//! Who plays on each running server, followed from its console's join and leave lines, and
//! since when nobody has (for the idle stop).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use super::{Manager, Server, lock};
use crate::domain::PlayerLines;
use crate::runtime::{ConsoleEvent, Instance, Status};

/// The players of one run, and since when nobody has played.
pub(super) struct Players {
    names: BTreeSet<String>,
    pub(super) empty_since: Option<Instant>,
}

impl Manager {
    /// Follows who plays on the server's new run, when its game's console says so.
    pub(super) fn watch_players(&self, id: i64, game: &str, instance: &Arc<dyn Instance>) {
        if let Some(lines) = self.inner.catalog.by_name(game).and_then(|t| t.players.clone()) {
            lock(&self.inner.players).insert(id, Players { names: BTreeSet::new(), empty_since: Some(Instant::now()) });
            tokio::spawn(self.clone().follow_players(id, Arc::clone(instance), lines));
        }
    }

    /// The server with who plays on it now, when that is known.
    pub(super) fn with_players(&self, mut server: Server) -> Server {
        server.players = lock(&self.inner.players).get(&server.id).map(|p| p.names.iter().cloned().collect());
        server
    }

    /// Keeps the server's player list from its console's join and leave lines, until it ends.
    async fn follow_players(self, id: i64, instance: Arc<dyn Instance>, lines: PlayerLines) {
        let mut events = self.console(id).subscribe();
        let mut status = instance.status();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(ConsoleEvent::Line { text, .. }) => self.note_player_line(id, &lines, &text),
                    Ok(ConsoleEvent::State(_)) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = status.wait_for(|s| matches!(s, Status::Exited { .. })) => break,
            }
        }
        lock(&self.inner.players).remove(&id);
    }

    fn note_player_line(&self, id: i64, lines: &PlayerLines, text: &str) {
        let mut players = lock(&self.inner.players);
        let Some(players) = players.get_mut(&id) else { return };
        if let Some(name) = lines.join.captures(text).and_then(|c| c.name("name")) {
            players.names.insert(name.as_str().to_owned());
            players.empty_since = None;
        } else if let Some(name) = lines.leave.captures(text).and_then(|c| c.name("name")) {
            players.names.remove(name.as_str());
            if players.names.is_empty() {
                players.empty_since = Some(Instant::now());
            }
        }
    }
}
