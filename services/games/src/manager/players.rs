//! Who plays on each running server, and since when nobody has (for the idle stop): asked of
//! the game through its network query where its template names one (OpenTTD, Teeworlds;
//! ADR 0031), otherwise followed from its console's join and leave lines (Minetest).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Manager, Server, lock};
use crate::db::servers::ServerRow;
use crate::domain::{PlayerLines, QueryProtocol};
use crate::query::{self, PlayerReport};
use crate::runtime::console::Source;
use crate::runtime::{ConsoleEvent, Instance, Status};

/// How long a query may take before this round gives up (the game is on this machine).
const QUERY_TIMEOUT: Duration = Duration::from_secs(1);

/// The players of one run, and since when nobody has played.
pub(super) struct Players {
    /// Who plays, when the game says.
    names: BTreeSet<String>,
    /// How many are connected (OpenTTD counts them without names).
    online: u32,
    pub(super) empty_since: Option<Instant>,
}

impl Players {
    fn nobody_since(since: Instant) -> Self {
        Self { names: BTreeSet::new(), online: 0, empty_since: Some(since) }
    }
}

impl Manager {
    /// Follows who plays on the server's new run: by asking the game, or from its console.
    pub(super) fn watch_players(&self, row: &ServerRow, instance: &Arc<dyn Instance>) {
        let Some(template) = self.inner.catalog.by_name(&row.game) else { return };
        let ports: BTreeMap<String, u16> = serde_json::from_str(&row.ports).unwrap_or_default();
        let main_port = ports.get("game").or_else(|| ports.values().next()).copied();
        if let (Some(protocol), Some(port)) = (template.query, main_port) {
            tokio::spawn(self.clone().ask_players(row.id, Arc::clone(instance), protocol, port));
        } else if let Some(lines) = template.players.clone() {
            lock(&self.inner.players).insert(row.id, Players::nobody_since(Instant::now()));
            tokio::spawn(self.clone().follow_players(row.id, Arc::clone(instance), lines));
        }
    }

    /// The server with who plays on it now, when that is known.
    pub(super) fn with_players(&self, mut server: Server) -> Server {
        if let Some(players) = lock(&self.inner.players).get(&server.id) {
            server.players = Some(players.names.iter().cloned().collect());
            server.players_online = Some(players.online);
        }
        server
    }

    /// Once the server is ready, asks it who plays every `players_query_every` until it ends.
    /// Nothing is known until it first answers; a round without an answer changes nothing.
    async fn ask_players(self, id: i64, instance: Arc<dyn Instance>, protocol: QueryProtocol, port: u16) {
        let mut status = instance.status();
        let ready =
            status.wait_for(|s| !matches!(s, Status::Starting)).await.is_ok_and(|s| matches!(*s, Status::Ready(_)));
        if ready {
            let mut every = tokio::time::interval(self.inner.config.players_query_every);
            loop {
                let exited = tokio::select! {
                    _ = every.tick() => false,
                    _ = status.wait_for(|s| matches!(s, Status::Exited { .. })) => true,
                };
                if exited {
                    break;
                }
                match query::ask(protocol, port, QUERY_TIMEOUT).await {
                    Ok(report) => self.note_report(id, report),
                    Err(error) => tracing::debug!(%error, id, "a game server did not say who plays"),
                }
            }
        }
        lock(&self.inner.players).remove(&id);
    }

    fn note_report(&self, id: i64, report: PlayerReport) {
        let mut players = lock(&self.inner.players);
        let empty_since = players.get(&id).and_then(|p| p.empty_since);
        let empty_since = if report.online == 0 { empty_since.or_else(|| Some(Instant::now())) } else { None };
        players.insert(id, Players { names: report.names.into_iter().collect(), online: report.online, empty_since });
    }

    /// Keeps the server's player list from its console's join and leave lines, until it ends.
    async fn follow_players(self, id: i64, instance: Arc<dyn Instance>, lines: PlayerLines) {
        let mut events = self.console(id).subscribe();
        let mut status = instance.status();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(ConsoleEvent::Line(line)) if line.source == Source::Game => {
                        self.note_player_line(id, &lines, &line.text);
                    }
                    Ok(ConsoleEvent::Line(_)) => {}
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
        players.online = u32::try_from(players.names.len()).unwrap_or(u32::MAX);
    }
}
