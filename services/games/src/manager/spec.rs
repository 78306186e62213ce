//! A stored server turned into what the runtime runs: its template filled in (arguments,
//! environment, files written into its folder), its folder prepared, confined and given to
//! the games' user.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::Manager;
use crate::db::servers::ServerRow;
use crate::domain::template::Placeholders;
use crate::domain::{GameTemplate, MemoryLimit, Protocol, RelativePath, ServerName, ServerSettings};
use crate::runtime::{Console, LaunchSpec, dirs};

impl Manager {
    /// The template filled in for this server, with its folder prepared and checked.
    pub(super) fn launch_spec(&self, row: &ServerRow, console: &Arc<Console>) -> Result<LaunchSpec, String> {
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
        let run_as = self.inner.config.run_as;
        let owner = rustix::process::getuid().is_root().then_some(run_as);
        dirs::prepare(&dir, None).map_err(|e| format!("cannot make the server's folder: {e}"))?;
        let dir = dir.canonicalize().map_err(|e| format!("cannot open the server's folder: {e}"))?;
        dirs::confine(&dir, &template.data_dir)?;
        let values = Placeholders { data_dir: &dir, ports: &ports, settings: &settings, memory, name: &name };
        write_files(&dir, &template.files, &values)?;
        let mut args: Vec<String> = template.args.iter().map(|a| GameTemplate::fill(a, &values)).collect();
        for (path, extra) in &template.args_if_exists {
            if dirs::confine(&dir, path)?.exists() {
                args.extend(extra.iter().map(|a| GameTemplate::fill(a, &values)));
            }
        }
        dirs::prepare(&dir, owner).map_err(|e| format!("cannot give the server's folder to its user: {e}"))?;
        if owner.is_some() {
            dirs::check_reachable(&dir)?;
        }
        let console_file = template.console_file.as_ref().map(|path| dirs::confine(&dir, path)).transpose()?;
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
            run_as,
            console: Arc::clone(console),
            console_file,
        })
    }
}

/// Writes the template's files into the server's folder, placeholders filled in.
fn write_files(dir: &Path, files: &[(RelativePath, String)], values: &Placeholders<'_>) -> Result<(), String> {
    for (path, text) in files {
        let target = dirs::confine(dir, path)?;
        let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.as_path().display());
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(cannot)?;
        }
        std::fs::write(&target, GameTemplate::fill(text, values)).map_err(cannot)?;
    }
    Ok(())
}
