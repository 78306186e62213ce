//! A stored server turned into what the runtime runs: its template filled in (arguments,
//! environment, files written into its folder by each file's format, a fresh `{secret}`),
//! its folder prepared, confined and given to the server's own user.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::Manager;
use crate::db::servers::ServerRow;
use crate::domain::template::Placeholders;
use crate::domain::{GameTemplate, MemoryLimit, Protocol, ServerName, ServerSettings};
use crate::runtime::{Console, ConsoleInput, GameUser, LaunchSpec, ServerFolder, dirs};

/// Characters of a start's `{secret}` (144 random bits; short enough for every game's
/// password field, Teeworlds' being 31).
const SECRET_LENGTH: usize = 24;

impl Manager {
    /// The template filled in for this server, with its folder prepared and checked: made,
    /// given to the server's own user (`user`, when the manager is root) and closed to others,
    /// the template's files written into it without following links.
    pub(super) fn launch_spec(
        &self,
        row: &ServerRow,
        user: Option<GameUser>,
        console: &Arc<Console>,
    ) -> Result<LaunchSpec, String> {
        let template = self
            .inner
            .catalog
            .by_name(&row.game)
            .ok_or_else(|| format!("The game {:?} is no longer offered here.", row.game))?;
        let name = ServerName::parse(&row.name)?;
        let settings = ServerSettings::from_stored(&template.settings, &row.settings);
        let ports: BTreeMap<String, u16> = serde_json::from_str(&row.ports).unwrap_or_default();
        let memory = MemoryLimit::from_stored(row.memory_mb);
        let dir = self.server_dir(row.id);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make the server's folder: {e}"))?;
        let dir = dir.canonicalize().map_err(|e| format!("cannot open the server's folder: {e}"))?;
        let folder = ServerFolder::open(&dir).map_err(|e| e.to_string())?;
        if let Some(user) = user {
            folder.give_to(user).map_err(|e| format!("cannot give the server's folder to its user: {e}"))?;
            dirs::check_reachable(&dir)?;
        }
        dirs::confine(&dir, &template.data_dir)?;
        let secret = hearth_shared::tokens::random_token()[..SECRET_LENGTH].to_owned();
        let values =
            Placeholders { data_dir: &dir, ports: &ports, settings: &settings, memory, name: &name, secret: &secret };
        for file in &template.files {
            let text = GameTemplate::render(file, &values)?;
            folder.write_file(&file.path, text.as_bytes(), user).map_err(|e| e.to_string())?;
        }
        let mut args: Vec<String> = template.args.iter().map(|a| GameTemplate::fill(a, &values)).collect();
        for (path, extra) in &template.args_if_exists {
            if dirs::confine(&dir, path)?.exists() {
                args.extend(extra.iter().map(|a| GameTemplate::fill(a, &values)));
            }
        }
        let protocols: HashMap<&str, Protocol> = template.ports.iter().map(|p| (p.name.as_str(), p.protocol)).collect();
        Ok(LaunchSpec {
            server_id: row.id,
            program: template.program.clone(),
            args,
            env: template.env.iter().map(|(k, v)| (k.clone(), GameTemplate::fill(v, &values))).collect(),
            ports: ports
                .iter()
                .map(|(name, port)| {
                    (name.clone(), (*port, protocols.get(name.as_str()).copied().unwrap_or(Protocol::Tcp)))
                })
                .collect(),
            dir,
            ready: template.ready.clone(),
            stop: template.stop.clone(),
            memory_bytes: memory.bytes(),
            run_as: user,
            console: Arc::clone(console),
            console_input: console_input(template, &ports, &secret),
            secrets: vec![secret],
        })
    }
}

/// Where the template's game takes its console commands.
fn console_input(template: &GameTemplate, ports: &BTreeMap<String, u16>, secret: &str) -> ConsoleInput {
    match (&template.console_file, &template.console_econ) {
        (Some(path), _) => ConsoleInput::File(path.clone()),
        (None, Some(port)) => {
            ConsoleInput::Econ { port: ports.get(port).copied().unwrap_or_default(), password: secret.to_owned() }
        }
        (None, None) => ConsoleInput::Stdin,
    }
}
