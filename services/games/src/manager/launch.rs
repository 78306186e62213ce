//! Launching a server from the form (or the API): the values as typed, checked against the
//! game's template without I/O ([`LaunchRequest::check`]), including what its config files can
//! hold; then the name's uniqueness, the quota, free ports and a user id, the stored row, and
//! the first start. A port its template gained later is given at the server's next start.

use std::collections::BTreeMap;
use std::time::Instant;

use hearth_shared::db::unix_now;
use hearth_shared::{AppError, AppResult, Identity};

use super::{Manager, Server};
use crate::catalog::Catalog;
use crate::db::servers::{self, NewServer, ServerRow};
use crate::domain::{FieldErrors, GameName, GameTemplate, MemoryLimit, PortSpec, ServerName, ServerSettings};
use crate::runtime::process::port_is_free;

/// The longest idle time a server may be given before it stops (a day).
const MAX_IDLE_MINUTES: i64 = 1440;

/// What the launch form (or the API) asks for, as typed.
#[derive(Debug, Clone, Default)]
pub struct LaunchRequest {
    pub game: String,
    pub name: String,
    /// Empty for the template's default.
    pub memory_mb: String,
    /// Minutes with no players before the server stops; empty or 0 for never.
    pub idle_stop_minutes: String,
    pub settings: BTreeMap<String, String>,
}

/// Why a launch was refused.
#[derive(Debug)]
pub enum LaunchRefused {
    /// What to fix, per field.
    Fields(FieldErrors),
    Other(AppError),
}

impl From<AppError> for LaunchRefused {
    fn from(error: AppError) -> Self {
        Self::Other(error)
    }
}

impl From<sqlx::Error> for LaunchRefused {
    fn from(error: sqlx::Error) -> Self {
        Self::Other(error.into())
    }
}

impl From<LaunchRefused> for AppError {
    fn from(refused: LaunchRefused) -> Self {
        match refused {
            LaunchRefused::Fields(errors) => Self::Invalid(errors.summary()),
            LaunchRefused::Other(error) => error,
        }
    }
}

/// A launch request whose every value obeys its template.
#[derive(Debug)]
pub struct CheckedLaunch<'a> {
    pub template: &'a GameTemplate,
    pub name: ServerName,
    pub memory: MemoryLimit,
    pub settings: ServerSettings,
    pub idle_stop_minutes: i64,
}

impl LaunchRequest {
    /// Checks every value against the chosen game's template.
    ///
    /// # Errors
    /// What to fix, per field (all of them at once).
    pub fn check<'a>(&self, catalog: &'a Catalog) -> Result<CheckedLaunch<'a>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let template = match GameName::parse(&self.game) {
            Ok(game) => catalog.get(&game).or_else(|| {
                errors.add("game", format!("There is no game {:?} here; choose one from the list.", game.as_str()));
                None
            }),
            Err(message) => {
                errors.add("game", message);
                None
            }
        };
        let name = ServerName::parse(&self.name).map_err(|m| errors.add("name", m)).ok();
        let Some(template) = template else { return Err(errors) };
        let memory = if self.memory_mb.trim().is_empty() {
            MemoryLimit::parse(&template.memory_default.to_string(), template.memory_min, template.memory_max)
        } else {
            MemoryLimit::parse(&self.memory_mb, template.memory_min, template.memory_max)
        }
        .map_err(|m| errors.add("memory_mb", m))
        .ok();
        let settings = match ServerSettings::parse(&template.settings, &self.settings) {
            Ok(settings) => Some(settings),
            Err(bad) => {
                for (field, message) in bad.0 {
                    errors.add(&field, message);
                }
                None
            }
        };
        let idle_stop_minutes = self.idle_stop_minutes(template).map_err(|m| errors.add("idle_stop_minutes", m)).ok();
        if let (Some(settings), Some(name)) = (&settings, &name) {
            for (field, message) in template.check_file_values(settings, name).0 {
                errors.add(&field, message);
            }
        }
        match (name, memory, settings, idle_stop_minutes) {
            (Some(name), Some(memory), Some(settings), Some(idle_stop_minutes)) if errors.is_empty() => {
                Ok(CheckedLaunch { template, name, memory, settings, idle_stop_minutes })
            }
            _ => Err(errors),
        }
    }

    fn idle_stop_minutes(&self, template: &GameTemplate) -> Result<i64, String> {
        let minutes = match self.idle_stop_minutes.trim() {
            "" => 0,
            text => text.parse::<i64>().ok().filter(|m| (0..=MAX_IDLE_MINUTES).contains(m)).ok_or_else(|| {
                format!("Stop after a whole number of idle minutes from 0 (never) to {MAX_IDLE_MINUTES}, not {text:?}.")
            })?,
        };
        if minutes > 0 && template.players.is_none() {
            return Err(format!("{} cannot tell who is playing, so it cannot stop when idle: use 0.", template.title));
        }
        Ok(minutes)
    }
}

fn name_taken(name: &str) -> String {
    format!("You already have a server called {name:?}; choose another name.")
}

impl Manager {
    /// Checks the form, allocates ports, stores the server and starts it.
    ///
    /// # Errors
    /// What to fix per field; no free port; the database failed.
    pub async fn launch(&self, user: &Identity, request: &LaunchRequest) -> Result<Server, LaunchRefused> {
        let requested = Instant::now();
        let checked = request.check(&self.inner.catalog);
        let taken = match ServerName::parse(&request.name) {
            Ok(name) if servers::name_taken(self.pool(), user.user_id, name.as_str()).await? => Some(name),
            _ => None,
        };
        let launch = match (checked, taken) {
            (Ok(launch), None) => launch,
            (checked, taken) => {
                let mut errors = checked.err().unwrap_or_default();
                if let Some(name) = taken {
                    errors.add("name", name_taken(name.as_str()));
                }
                return Err(LaunchRefused::Fields(errors));
            }
        };
        self.remember_member(user).await?;
        let id = self.store(user, &launch).await?;
        self.start_now(id, requested).await?;
        Ok(self.get(user, id).await?)
    }

    /// Within the quota, with free ports and a user id: the new server's row; its id.
    async fn store(&self, user: &Identity, launch: &CheckedLaunch<'_>) -> Result<i64, LaunchRefused> {
        let _one_at_a_time = self.inner.allocating.lock().await;
        let memory_mb = i64::from(launch.memory.mib());
        self.check_quota(user, user.user_id, 0, memory_mb).await?;
        let ports = self.allocate_ports(launch.template.ports.iter()).await?;
        let uid = self.free_uid_if_root().await?;
        let new = NewServer {
            owner_id: user.user_id,
            name: launch.name.as_str(),
            game: launch.template.game.as_str(),
            settings: &launch.settings.to_json(),
            memory_mb,
            ports: &serde_json::to_string(&ports).unwrap_or_default(),
            idle_stop_minutes: launch.idle_stop_minutes,
            uid,
        };
        match servers::insert(self.pool(), &new, unix_now()).await {
            Ok(id) => Ok(id),
            Err(error) if error.as_database_error().is_some_and(|e| e.is_unique_violation()) => {
                let mut errors = FieldErrors::default();
                errors.add("name", name_taken(launch.name.as_str()));
                Err(LaunchRefused::Fields(errors))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The stored server with a port for each of its template's ports: a port a template
    /// gained since the server was made (Teeworlds' console) is given at its next start.
    ///
    /// # Errors
    /// No free port; the database failed.
    pub(super) async fn with_every_port(&self, row: ServerRow) -> AppResult<ServerRow> {
        let Some(template) = self.inner.catalog.by_name(&row.game) else { return Ok(row) };
        let mut ports: BTreeMap<String, u16> = serde_json::from_str(&row.ports).unwrap_or_default();
        if template.ports.iter().all(|spec| ports.contains_key(&spec.name)) {
            return Ok(row);
        }
        let _one_at_a_time = self.inner.allocating.lock().await;
        ports.extend(self.allocate_ports(template.ports.iter().filter(|spec| !ports.contains_key(&spec.name))).await?);
        let stored = serde_json::to_string(&ports).unwrap_or_default();
        servers::set_ports(self.pool(), row.id, &stored).await?;
        tracing::info!(id = row.id, ports = stored, "a game server was given the ports its template gained");
        Ok(ServerRow { ports: stored, ..row })
    }

    /// Free port numbers for each of `specs`: in the range, held by no other server, and
    /// bindable now. The caller holds the allocation lock.
    async fn allocate_ports(&self, specs: impl Iterator<Item = &PortSpec>) -> AppResult<BTreeMap<String, u16>> {
        let mut used: Vec<u16> = servers::all_ports(self.pool())
            .await?
            .iter()
            .flat_map(|json| serde_json::from_str::<BTreeMap<String, u16>>(json).unwrap_or_default().into_values())
            .collect();
        let mut ports = BTreeMap::new();
        for spec in specs {
            let port = self
                .inner
                .config
                .ports
                .clone()
                .find(|p| !used.contains(p) && port_is_free(*p, spec.protocol.uses_tcp(), spec.protocol.uses_udp()))
                .ok_or_else(|| {
                    AppError::Conflict(
                        "Every game port is in use; stop or delete a server, or ask the family admin to widen \
                         HEARTH_GAMES_PORTS."
                            .to_owned(),
                    )
                })?;
            used.push(port);
            ports.insert(spec.name.clone(), port);
        }
        Ok(ports)
    }
}
