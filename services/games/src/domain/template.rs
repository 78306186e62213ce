//! A game template: how to run one game, read from a JSON data file (`templates.d/*.json`
//! in the repository, or the operator's folder) and checked once by [`GameTemplate::parse`]:
//! the program and its argument list with placeholders (never a shell), ports, the settings
//! the form shows, how to tell it is ready, how to stop it, and where its data lives.
//!
//! Placeholders, each replaced inside one argument (a value never becomes two arguments):
//! `{data}` (the server's folder), `{port.NAME}`, `{setting.NAME}`, `{memory_mb}`, `{name}`,
//! and `{secret}` (a random password made for each start, for files and the environment
//! only). In a file, every value is written by the file's [`FileFormat`].

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::file_format::FileFormat;
use super::names::{GameName, MemoryLimit, ServerName};
use super::settings::{Choice, FieldErrors, ServerSettings, SettingKind, SettingRule};

/// A port's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    /// The same number on TCP and UDP (OpenTTD).
    Both,
}

impl Protocol {
    #[must_use]
    pub fn uses_tcp(self) -> bool {
        matches!(self, Self::Tcp | Self::Both)
    }

    #[must_use]
    pub fn uses_udp(self) -> bool {
        matches!(self, Self::Udp | Self::Both)
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Both => "tcp+udp",
        }
    }
}

/// A game's own network query protocol, which says who plays (`"query": "openttd"`); see
/// `crate::query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueryProtocol {
    /// OpenTTD 12 and later: `PACKET_CLIENT_GAME_INFO` on the game's TCP port.
    Openttd,
    /// Teeworlds 0.7: a token exchange, then `gie3` on the game's UDP port.
    Teeworlds,
}

/// A port a game listens on; its number is allocated per server.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PortSpec {
    pub name: String,
    pub protocol: Protocol,
}

/// How to tell a server is ready for players.
#[derive(Debug, Clone)]
pub enum Readiness {
    /// A console line matches. Shared, not cloned, by every run's readers: each clone of a
    /// `Regex` keeps caches of its own (a lazy DFA, a PikeVM's), up to hundreds of KiB for
    /// Unicode classes.
    LogLine(Arc<Regex>),
    /// The named TCP port accepts connections.
    TcpPort(String),
}

/// A signal a graceful stop may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum StopSignal {
    #[serde(rename = "INT")]
    Int,
    #[serde(rename = "TERM")]
    Term,
}

/// How to stop a server gracefully: console commands and/or a signal, then wait `grace`;
/// after that SIGTERM, and SIGKILL when `grace` passes again.
#[derive(Debug, Clone)]
pub struct StopPlan {
    pub commands: Vec<String>,
    pub signal: Option<StopSignal>,
    pub grace: Duration,
}

/// A path inside a server's folder: relative, without `..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelativePath(PathBuf);

impl RelativePath {
    /// # Errors
    /// An absolute path, or one with `..`, which could leave the server's folder.
    pub fn parse(value: &str) -> Result<Self, String> {
        let path = Path::new(value);
        if value.is_empty() || path.is_absolute() {
            return Err(format!("{value:?} must be a relative path inside the server's folder."));
        }
        if path.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(format!("{value:?} must not use \"..\": it would leave the server's folder."));
        }
        Ok(Self(path.to_path_buf()))
    }

    #[must_use]
    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

/// A copy of a folder of the server's that its save command writes inside that folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveSnapshot {
    /// Where the copy is (`world/hearth_snapshot`).
    pub copy: RelativePath,
    /// The folder it is a copy of, which holds it (`world`).
    pub of: RelativePath,
}

impl SaveSnapshot {
    fn parse(value: &str) -> Result<Self, String> {
        let copy = RelativePath::parse(value).map_err(|e| format!("save_snapshot: {e}"))?;
        let of = copy
            .as_path()
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .and_then(|parent| RelativePath::parse(&parent.to_string_lossy()).ok())
            .ok_or_else(|| format!("save_snapshot: {value:?} must be inside the folder it is a copy of"))?;
        Ok(Self { copy, of })
    }

    /// Where a copy being written is (the game renames it to [`Self::copy`] when whole).
    #[must_use]
    pub fn partial(&self) -> std::path::PathBuf {
        let mut name = self.copy.as_path().as_os_str().to_owned();
        name.push(".partial");
        name.into()
    }
}

/// The template file as written (see `templates.d/minetest.json`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    id: String,
    title: String,
    #[serde(default)]
    description: String,
    program: String,
    #[serde(default)]
    args: Vec<String>,
    /// Arguments added when a file exists in the server's folder (load the saved game).
    #[serde(default)]
    args_if_exists: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// Files written into the server's folder before each start: a text, or a text with the
    /// format its values are written in.
    #[serde(default)]
    files: BTreeMap<String, FileText>,
    #[serde(default)]
    ports: Vec<PortSpec>,
    #[serde(default)]
    settings: Vec<SettingFile>,
    memory_mb: MemoryFile,
    ready: ReadyFile,
    stop: StopFile,
    #[serde(default = "whole_folder")]
    data_dir: String,
    #[serde(default)]
    console_input: bool,
    /// The game's network query for who plays, asked on its main port.
    #[serde(default)]
    query: Option<QueryProtocol>,
    /// A console command that saves the world, so a backup can be made while it runs.
    #[serde(default)]
    save_command: Option<String>,
    /// The console line that says the save is done (without it, a backup waits two seconds);
    /// a group named `error` in it says the save failed, and why.
    #[serde(default)]
    save_done: Option<String>,
    /// A copy of a folder that the save command writes (`world/hearth_snapshot`, a copy of
    /// `world`): a backup of the running server takes what it holds in place of the live one.
    #[serde(default)]
    save_snapshot: Option<String>,
    /// Console commands are appended to this file instead of the game's stdin (for a game
    /// whose mod reads them, as Minetest's `hearth_console`).
    #[serde(default)]
    console_file: Option<String>,
    /// Console commands go to the game's external console on this port (a TCP port of the
    /// template, which the game listens to on 127.0.0.1 alone, with `{secret}` as its
    /// password: Teeworlds' econ).
    #[serde(default)]
    console_econ: Option<String>,
    /// A line under the command box: what the game's console understands.
    #[serde(default)]
    console_help: String,
    /// Console lines that say a player joined or left (each with a `name` group).
    #[serde(default)]
    players: Option<PlayersFile>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FileText {
    Plain(String),
    Formatted(FormattedFile),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormattedFile {
    format: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlayersFile {
    join: String,
    leave: String,
}

/// How to follow who is playing from the console: lines that say a player joined or left.
/// Shared by every run (see [`Readiness::LogLine`] for why not cloned).
#[derive(Debug, Clone)]
pub struct PlayerLines {
    pub join: Arc<Regex>,
    pub leave: Arc<Regex>,
}

impl PlayerLines {
    fn parse(file: PlayersFile) -> Result<Self, String> {
        let pattern = |which: &str, text: &str| -> Result<Arc<Regex>, String> {
            let regex = Regex::new(text).map_err(|e| format!("players.{which}: {e}"))?;
            if regex.capture_names().flatten().any(|n| n == "name") {
                Ok(Arc::new(regex))
            } else {
                Err(format!("players.{which} needs a (?P<name>...) group"))
            }
        };
        Ok(Self { join: pattern("join", &file.join)?, leave: pattern("leave", &file.leave)? })
    }
}

fn whole_folder() -> String {
    ".".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingFile {
    name: String,
    label: String,
    #[serde(default)]
    help: String,
    #[serde(rename = "type")]
    kind: String,
    default: String,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    choices: Vec<ChoiceFile>,
    max_length: Option<usize>,
    pattern: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ChoiceFile {
    Plain(String),
    Labelled { value: String, label: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemoryFile {
    default: u32,
    min: u32,
    max: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadyFile {
    log_line: Option<String>,
    tcp_port: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StopFile {
    #[serde(default)]
    commands: Vec<String>,
    signal: Option<StopSignal>,
    grace_secs: u64,
}

/// A file a template writes into the server's folder before each start.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    pub path: RelativePath,
    /// How placeholders' values are written in it.
    pub format: FileFormat,
    pub text: String,
}

/// A checked template.
#[derive(Debug, Clone)]
pub struct GameTemplate {
    pub game: GameName,
    pub title: String,
    pub description: String,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub args_if_exists: Vec<(RelativePath, Vec<String>)>,
    pub env: Vec<(String, String)>,
    pub files: Vec<GeneratedFile>,
    pub ports: Vec<PortSpec>,
    pub settings: Vec<SettingRule>,
    pub memory_default: u32,
    pub memory_min: u32,
    pub memory_max: u32,
    pub ready: Readiness,
    pub stop: StopPlan,
    pub data_dir: RelativePath,
    pub console_input: bool,
    pub query: Option<QueryProtocol>,
    pub save_command: Option<String>,
    /// How the game says its save is done.
    pub save_done: Option<Arc<Regex>>,
    /// The copy of a folder the save command writes, and the folder it is a copy of.
    pub save_snapshot: Option<SaveSnapshot>,
    pub console_file: Option<RelativePath>,
    /// The name of the port of the game's external console.
    pub console_econ: Option<String>,
    pub console_help: String,
    pub players: Option<PlayerLines>,
}

/// What a server's template is filled in with.
pub struct Placeholders<'a> {
    pub data_dir: &'a Path,
    pub ports: &'a BTreeMap<String, u16>,
    pub settings: &'a ServerSettings,
    pub memory: MemoryLimit,
    pub name: &'a ServerName,
    /// This start's `{secret}`.
    pub secret: &'a str,
}

impl GameTemplate {
    /// Reads and checks a template file; `source` names it in messages.
    ///
    /// # Errors
    /// Bad JSON, or a rule the template breaks, with what to fix.
    pub fn parse(source: &str, json: &str) -> Result<Self, String> {
        let file: TemplateFile = serde_json::from_str(json).map_err(|e| format!("{source}: {e}"))?;
        Self::from_file(file).map_err(|e| format!("{source}: {e}"))
    }

    fn from_file(file: TemplateFile) -> Result<Self, String> {
        let game = GameName::parse(&file.id)?;
        if file.program.trim().is_empty() {
            return Err("program is empty: name the game's executable".to_owned());
        }
        let mut port_names = Vec::new();
        for port in &file.ports {
            if port.name.is_empty() || port_names.contains(&port.name) {
                return Err(format!("port names must be unique and not empty ({:?})", port.name));
            }
            port_names.push(port.name.clone());
        }
        let settings = file.settings.into_iter().map(setting_rule).collect::<Result<Vec<_>, _>>()?;
        let ready = match (file.ready.log_line, file.ready.tcp_port) {
            (Some(pattern), None) => {
                Readiness::LogLine(Arc::new(Regex::new(&pattern).map_err(|e| format!("ready.log_line: {e}"))?))
            }
            (None, Some(port)) if port_names.contains(&port) => Readiness::TcpPort(port),
            (None, Some(port)) => return Err(format!("ready.tcp_port names no port: {port:?}")),
            _ => return Err("ready needs exactly one of log_line and tcp_port".to_owned()),
        };
        if file.stop.commands.is_empty() && file.stop.signal.is_none() {
            return Err("stop needs console commands or a signal".to_owned());
        }
        if (!file.stop.commands.is_empty() || file.save_command.is_some()) && !file.console_input {
            return Err("stop.commands and save_command need console_input: true".to_owned());
        }
        if file.save_done.is_some() && file.save_command.is_none() {
            return Err("save_done needs a save_command".to_owned());
        }
        if file.save_snapshot.is_some() && file.save_done.is_none() {
            return Err("save_snapshot needs save_done: a backup must know when the copy is written".to_owned());
        }
        if let Some(port) = &file.console_econ {
            if !file.ports.iter().any(|p| &p.name == port && p.protocol.uses_tcp()) {
                return Err(format!("console_econ names no TCP port of the template: {port:?}"));
            }
            if !file.console_input || file.console_file.is_some() {
                return Err("console_econ needs console_input: true, and no console_file".to_owned());
            }
        }
        let MemoryFile { default, min, max } = file.memory_mb;
        if !(min <= default && default <= max) || min == 0 {
            return Err(format!("memory_mb must have 0 < min <= default <= max, not {min}, {default}, {max}"));
        }
        let relative = |p: &str| RelativePath::parse(p);
        let template = Self {
            game,
            title: file.title,
            description: file.description,
            program: PathBuf::from(file.program),
            args: file.args,
            args_if_exists: file
                .args_if_exists
                .into_iter()
                .map(|(path, args)| Ok((relative(&path)?, args)))
                .collect::<Result<_, String>>()?,
            env: file.env.into_iter().collect(),
            files: file.files.into_iter().map(generated_file).collect::<Result<_, String>>()?,
            ports: file.ports,
            settings,
            memory_default: default,
            memory_min: min,
            memory_max: max,
            ready,
            stop: StopPlan {
                commands: file.stop.commands,
                signal: file.stop.signal,
                grace: Duration::from_secs(file.stop.grace_secs.clamp(1, 600)),
            },
            data_dir: relative(&file.data_dir)?,
            console_input: file.console_input,
            query: file.query,
            save_command: file.save_command,
            save_done: file
                .save_done
                .map(|pattern| Regex::new(&pattern).map(Arc::new).map_err(|e| format!("save_done: {e}")))
                .transpose()?,
            save_snapshot: file.save_snapshot.as_deref().map(SaveSnapshot::parse).transpose()?,
            console_file: file.console_file.as_deref().map(relative).transpose()?,
            console_econ: file.console_econ,
            console_help: file.console_help,
            players: file.players.map(PlayerLines::parse).transpose()?,
        };
        template.check_placeholders()?;
        Ok(template)
    }

    /// Every placeholder in arguments, environment and files names something that exists;
    /// `{secret}` stays out of arguments (the console and every local user see them); text a
    /// member types goes only into files whose format can write it.
    fn check_placeholders(&self) -> Result<(), String> {
        let args = self.args.iter().chain(self.args_if_exists.iter().flat_map(|(_, args)| args));
        let texts = args.clone().chain(self.env.iter().map(|(_, v)| v)).chain(self.files.iter().map(|f| &f.text));
        for text in texts {
            for name in placeholder_names(text) {
                let known = match name.split_once('.') {
                    Some(("port", port)) => self.ports.iter().any(|p| p.name == port),
                    Some(("setting", setting)) => self.settings.iter().any(|s| s.name == setting),
                    _ => matches!(name, "data" | "memory_mb" | "name" | "secret"),
                };
                if !known {
                    return Err(format!("unknown placeholder {{{name}}} in {text:?}"));
                }
            }
        }
        if args.flat_map(|arg| placeholder_names(arg)).any(|name| name == "secret") {
            return Err("{secret} cannot be an argument (the console and every user of the machine see arguments): \
                        write it into a file"
                .to_owned());
        }
        for file in self.files.iter().filter(|f| !f.format.encodes()) {
            if let Some(typed) = placeholder_names(&file.text).find(|name| self.is_typed(name)) {
                return Err(format!(
                    "files.{}: {{{typed}}} is text a member types; give the file the format its game reads \
                     ({{\"format\": \"...\", \"text\": \"...\"}} with one of {}) so the value is written by its rules",
                    file.path.as_path().display(),
                    FileFormat::NAMES[1..].join(", ")
                ));
            }
        }
        Ok(())
    }

    /// Whether a placeholder's value is free text a member typed (the name, a text setting).
    fn is_typed(&self, placeholder: &str) -> bool {
        match placeholder.split_once('.') {
            Some(("setting", setting)) => {
                self.settings.iter().any(|s| s.name == setting && matches!(s.kind, SettingKind::Text { .. }))
            }
            _ => placeholder == "name",
        }
    }

    /// What to fix, per field, for values the template's files cannot hold (checked with
    /// the launch form, so a refused value is named beside its field).
    #[must_use]
    pub fn check_file_values(&self, settings: &ServerSettings, name: &ServerName) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for file in &self.files {
            for placeholder in placeholder_names(&file.text) {
                let (field, label, value) = match placeholder.split_once('.') {
                    Some(("setting", setting)) => {
                        let label = self.settings.iter().find(|s| s.name == setting).map_or(setting, |s| &s.label);
                        (setting, label.to_owned(), settings.get(setting).unwrap_or_default())
                    }
                    _ if placeholder == "name" => ("name", "The name".to_owned(), name.as_str()),
                    _ => continue,
                };
                if let Err(reason) = file.format.encode(value) {
                    errors.add(field, format!("{label} {reason}: type something else."));
                }
            }
        }
        errors
    }

    /// Whether the manager can tell who plays: by asking the game, or from its console.
    #[must_use]
    pub fn knows_players(&self) -> bool {
        self.query.is_some() || self.players.is_some()
    }

    /// An argument or an environment value with its placeholders filled in as they are.
    #[must_use]
    pub fn fill(text: &str, with: &Placeholders<'_>) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((before, name, after)) = next_placeholder(rest) {
            out.push_str(before);
            out.push_str(&placeholder_value(name, with).unwrap_or_else(|| format!("{{{name}}}")));
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// A file's text with every placeholder's value written by the file's format.
    ///
    /// # Errors
    /// A value the file cannot hold (one stored before the format refused it), with what to
    /// change.
    pub fn render(file: &GeneratedFile, with: &Placeholders<'_>) -> Result<String, String> {
        let mut out = String::with_capacity(file.text.len());
        let mut rest = file.text.as_str();
        while let Some((before, name, after)) = next_placeholder(rest) {
            out.push_str(before);
            match placeholder_value(name, with) {
                Some(value) => out.push_str(&file.format.encode(&value).map_err(|reason| {
                    format!("{{{name}}} {reason} in {}: change it and start again", file.path.as_path().display())
                })?),
                None => out.push_str(&format!("{{{name}}}")),
            }
            rest = after;
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A placeholder's value, or `None` for a name that is not one.
fn placeholder_value(name: &str, with: &Placeholders<'_>) -> Option<String> {
    match name.split_once('.') {
        Some(("port", port)) => Some(with.ports.get(port).map(u16::to_string).unwrap_or_default()),
        Some(("setting", setting)) => Some(with.settings.get(setting).unwrap_or_default().to_owned()),
        _ => match name {
            "data" => Some(with.data_dir.to_string_lossy().into_owned()),
            "memory_mb" => Some(with.memory.mib().to_string()),
            "name" => Some(with.name.as_str().to_owned()),
            "secret" => Some(with.secret.to_owned()),
            _ => None,
        },
    }
}

fn generated_file((path, text): (String, FileText)) -> Result<GeneratedFile, String> {
    let (format, text) = match text {
        FileText::Plain(text) => (FileFormat::Text, text),
        FileText::Formatted(file) => {
            (FileFormat::parse(&file.format).map_err(|e| format!("files.{path}: {e}"))?, file.text)
        }
    };
    Ok(GeneratedFile { path: RelativePath::parse(&path)?, format, text })
}

/// The next `{name}` (lowercase letters, digits, `_` and `.`): the text before, the name, the
/// text after. Other braces (a config file's, a script's) are left as they are.
fn next_placeholder(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(start) = text[from..].find('{').map(|i| i + from) {
        let after = &text[start + 1..];
        let length = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'))
            .unwrap_or(after.len());
        if length > 0 && after[length..].starts_with('}') {
            return Some((&text[..start], &after[..length], &after[length + 1..]));
        }
        from = start + 1;
    }
    None
}

fn placeholder_names(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let (_, name, after) = next_placeholder(rest)?;
        rest = after;
        Some(name)
    })
}

fn setting_rule(file: SettingFile) -> Result<SettingRule, String> {
    let name = file.name;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(format!("setting name {name:?}: use lowercase letters, digits and _"));
    }
    let kind = match file.kind.as_str() {
        "int" => match (file.min, file.max) {
            (Some(min), Some(max)) if min <= max => SettingKind::Int { min, max },
            _ => return Err(format!("setting {name}: an int needs min <= max")),
        },
        "choice" if !file.choices.is_empty() => SettingKind::Choice {
            choices: file
                .choices
                .into_iter()
                .map(|c| match c {
                    ChoiceFile::Plain(value) => Choice { label: value.clone(), value },
                    ChoiceFile::Labelled { value, label } => Choice { value, label },
                })
                .collect(),
        },
        "bool" => SettingKind::Bool,
        "text" => SettingKind::Text {
            max_length: file.max_length.unwrap_or(64),
            pattern: file
                .pattern
                .map(|p| Regex::new(&p).map_err(|e| format!("setting {name}: pattern: {e}")))
                .transpose()?,
        },
        other => {
            return Err(format!("setting {name}: type {other:?} must be int, choice (with choices), bool or text"));
        }
    };
    let rule = SettingRule { name, label: file.label, help: file.help, kind, default: file.default };
    rule.parse_value(&rule.default).map_err(|e| format!("setting {}: the default is invalid: {e}", rule.name))?;
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{
        "id": "echo", "title": "Echo", "program": "/bin/echo",
        "args": ["--port", "{port.game}", "--motd={setting.motd}", "{data}/world"],
        "ports": [{"name": "game", "protocol": "udp"}],
        "settings": [{"name": "motd", "label": "Welcome", "type": "text", "default": "hi"}],
        "memory_mb": {"default": 64, "min": 16, "max": 128},
        "ready": {"log_line": "ready"},
        "stop": {"signal": "INT", "grace_secs": 5}
    }"#;

    fn with(json: &str, from: &str, to: &str) -> String {
        json.replacen(from, to, 1)
    }

    #[test]
    fn a_minimal_template_parses_and_fills_one_argument_per_value() {
        let template = GameTemplate::parse("echo.json", MINIMAL).expect("valid");
        let settings = ServerSettings::parse(
            &template.settings,
            &[("motd".to_owned(), "a b; rm -rf /".to_owned())].into_iter().collect(),
        )
        .expect("settings");
        let ports = [("game".to_owned(), 30000)].into_iter().collect();
        let name = ServerName::parse("Test").expect("name");
        let values = Placeholders {
            data_dir: Path::new("/srv/1"),
            ports: &ports,
            settings: &settings,
            memory: MemoryLimit::parse("64", 16, 128).expect("memory"),
            name: &name,
            secret: "s3cret",
        };
        let args: Vec<String> = template.args.iter().map(|a| GameTemplate::fill(a, &values)).collect();
        assert_eq!(args, ["--port", "30000", "--motd=a b; rm -rf /", "/srv/1/world"]);
        assert_eq!(GameTemplate::fill("{ print $0 } {port.game}", &values), "{ print $0 } 30000");
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (with(MINIMAL, "{port.game}", "{port.query}"), "unknown placeholder {port.query}"),
            (with(MINIMAL, "\"log_line\": \"ready\"", "\"log_line\": \"(\""), "ready.log_line"),
            (with(MINIMAL, "\"signal\": \"INT\", ", ""), "stop needs"),
            (with(MINIMAL, "\"default\": \"hi\"", "\"default\": \"hi\", \"max_length\": 1"), "default is invalid"),
            (with(MINIMAL, "\"program\"", "\"data_dir\": \"../up\", \"program\""), "leave the server's folder"),
            (with(MINIMAL, "\"program\"", "\"data_dir\": \"/etc\", \"program\""), "relative path"),
            (with(MINIMAL, "\"program\"", "\"colour\": 1, \"program\""), "unknown field"),
            (with(MINIMAL, "\"id\": \"echo\"", "\"id\": \"Echo!\""), "not a game name"),
            (with(MINIMAL, "\"program\"", "\"query\": \"minetest\", \"program\""), "unknown variant `minetest`"),
            (with(MINIMAL, "{data}/world", "--rcon={secret}"), "{secret} cannot be an argument"),
            (
                with(MINIMAL, "\"program\"", "\"console_input\": true, \"console_econ\": \"game\", \"program\""),
                "console_econ names no TCP port",
            ),
            (
                with(MINIMAL, "\"program\"", "\"files\": {\"motd.txt\": \"{setting.motd}\"}, \"program\""),
                "files.motd.txt: {setting.motd} is text a member types",
            ),
            (
                with(
                    MINIMAL,
                    "\"program\"",
                    "\"files\": {\"a.cfg\": {\"format\": \"yaml\", \"text\": \"\"}}, \"program\"",
                ),
                "files.a.cfg: format \"yaml\" must be one of",
            ),
        ];
        for (json, expected) in cases {
            let error = GameTemplate::parse("t.json", &json).expect_err(expected);
            assert!(error.contains(expected), "{error:?} should say {expected:?}");
        }
    }

    #[test]
    fn file_values_are_written_by_the_files_format() {
        let json = with(
            MINIMAL,
            "\"program\"",
            "\"files\": {\"game.conf\": {\"format\": \"minetest-conf\", \"text\": \"motd = {setting.motd}\\nport = {port.game}\\npass = {secret}\\n\"}}, \"program\"",
        );
        let json = json.replace(
            "\"type\": \"text\", \"default\": \"hi\"",
            "\"type\": \"text\", \"default\": \"hi\", \"max_length\": 10",
        );
        let template = GameTemplate::parse("t.json", &json).expect("valid");
        let name = ServerName::parse("Test").expect("name");
        let ports = [("game".to_owned(), 30000)].into_iter().collect();
        let settings = |motd: &str| {
            ServerSettings::parse(&template.settings, &[("motd".to_owned(), motd.to_owned())].into_iter().collect())
                .expect("settings")
        };
        let opening = settings("{");
        let values = Placeholders {
            data_dir: Path::new("/srv/1"),
            ports: &ports,
            settings: &opening,
            memory: MemoryLimit::parse("64", 16, 128).expect("memory"),
            name: &name,
            secret: "s3cret",
        };
        assert_eq!(
            GameTemplate::render(&template.files[0], &values),
            Ok("motd = \"\"\"\n{\n\"\"\"\nport = 30000\npass = s3cret\n".to_owned())
        );
        assert!(template.check_file_values(&opening, &name).is_empty());
        let swallowing = settings("\"\"\"");
        let errors = template.check_file_values(&swallowing, &name);
        assert!(errors.get("motd").is_some_and(|m| m.starts_with("Welcome cannot be \"\"\"")), "{errors:?}");
        let stored = Placeholders { settings: &swallowing, ..values };
        assert!(GameTemplate::render(&template.files[0], &stored).is_err_and(|e| e.contains("game.conf")));
    }

    #[test]
    fn a_snapshot_is_inside_the_folder_it_copies() {
        let snapshot = SaveSnapshot::parse("world/hearth_snapshot").expect("valid");
        assert_eq!(snapshot.of.as_path(), Path::new("world"));
        assert_eq!(snapshot.partial(), Path::new("world/hearth_snapshot.partial"));
        assert!(SaveSnapshot::parse("snapshot").is_err_and(|e| e.contains("inside the folder")));
        assert!(SaveSnapshot::parse("../x/y").is_err());
        let without_done = with(
            MINIMAL,
            "\"program\"",
            "\"console_input\": true, \"save_command\": \"s\", \"save_snapshot\": \"w/s\", \"program\"",
        );
        assert!(
            GameTemplate::parse("t.json", &without_done).is_err_and(|e| e.contains("save_snapshot needs save_done"))
        );
    }

    #[test]
    fn relative_paths_stay_inside() {
        assert!(RelativePath::parse("world/../../etc").is_err());
        assert!(RelativePath::parse("/etc").is_err());
        assert!(RelativePath::parse("save/game.sav").is_ok());
    }
}
