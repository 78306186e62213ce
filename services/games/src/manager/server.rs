//! A game server as the family sees it: its stored row, its template's title and transport,
//! and its process's figures while it runs.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::Catalog;
use crate::db::servers::ServerRow;
use crate::domain::{DesiredState, ServerSettings, ServerState};
use crate::runtime::stats::ProcessStats;

/// A game server as the family sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Server {
    pub id: i64,
    pub owner_id: i64,
    /// The owner's name, as the portal last gave it (empty when games has not seen them).
    pub owner_name: String,
    pub name: String,
    pub game: String,
    pub game_title: String,
    pub settings: BTreeMap<String, String>,
    pub memory_mb: i64,
    /// Port name to number.
    pub ports: BTreeMap<String, u16>,
    /// The main port's transport (`udp`, `tcp`, `tcp+udp`).
    pub protocol: String,
    pub desired: DesiredState,
    pub state: ServerState,
    /// How the last run ended, when it has.
    pub exit_code: Option<i64>,
    /// Why it crashed or could not start.
    pub message: String,
    /// The last console lines of the last run that ended.
    pub last_lines: String,
    /// Whether console commands are understood.
    pub console_input: bool,
    /// What the console understands, in a line (empty when the template says nothing).
    pub console_help: String,
    /// The game's process id while it runs (for operators).
    pub pid: Option<i64>,
    /// Uptime, CPU and memory of the game's processes while it runs.
    pub stats: Option<ProcessStats>,
    /// Who is playing, while it runs and the game says (by its query or its console).
    pub players: Option<Vec<String>>,
    /// How many are connected (players and spectators), while it runs and the game says.
    pub players_online: Option<u32>,
    /// Stopped after this many minutes with no players (0: never).
    pub idle_stop_minutes: i64,
    /// Backed up every this many hours (0: only by hand).
    pub backup_every_hours: i64,
    pub state_since: i64,
    pub created_at: i64,
}

impl Server {
    pub(super) fn from_row(row: ServerRow, catalog: &Catalog) -> Self {
        let template = catalog.by_name(&row.game);
        let ports: BTreeMap<String, u16> = serde_json::from_str(&row.ports).unwrap_or_default();
        let settings = template.map(|t| ServerSettings::from_stored(&t.settings, &row.settings));
        Self {
            id: row.id,
            owner_id: row.owner_id,
            owner_name: String::new(),
            name: row.name,
            game_title: template.map_or_else(|| row.game.clone(), |t| t.title.clone()),
            protocol: template.and_then(|t| t.ports.first()).map_or("tcp", |p| p.protocol.as_str()).to_owned(),
            console_input: template.is_some_and(|t| t.console_input),
            console_help: template.map(|t| t.console_help.clone()).unwrap_or_default(),
            game: row.game,
            settings: settings.map(|s| s.values().clone()).unwrap_or_default(),
            memory_mb: row.memory_mb,
            ports,
            desired: DesiredState::from_stored(&row.desired),
            state: ServerState::from_stored(&row.state),
            exit_code: row.exit_code,
            message: row.message,
            last_lines: row.last_lines,
            stats: None,
            players: None,
            players_online: None,
            idle_stop_minutes: row.idle_stop_minutes,
            backup_every_hours: row.backup_every_hours,
            pid: row.pid,
            state_since: row.state_since,
            created_at: row.created_at,
        }
    }

    /// The port friends connect to.
    #[must_use]
    pub fn main_port(&self) -> Option<u16> {
        self.ports.get("game").or_else(|| self.ports.values().next()).copied()
    }
}
