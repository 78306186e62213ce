//! The templates this service offers: the ones shipped in `templates.d/` (embedded at build
//! time) and the operator's own from `HEARTH_GAMES_TEMPLATES_DIR`, which may replace a shipped
//! one by using its id.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::domain::{GameName, GameTemplate};

const SHIPPED: [(&str, &str); 5] = [
    ("minetest.json", include_str!("../templates.d/minetest.json")),
    ("teeworlds.json", include_str!("../templates.d/teeworlds.json")),
    ("openttd.json", include_str!("../templates.d/openttd.json")),
    ("freeciv.json", include_str!("../templates.d/freeciv.json")),
    ("minecraft.json", include_str!("../templates.d/minecraft.json")),
];

/// Every template by game, shared and read-only.
#[derive(Clone, Debug)]
pub struct Catalog(Arc<BTreeMap<GameName, GameTemplate>>);

impl Catalog {
    /// The shipped templates plus the `*.json` files of `extra` (when given).
    ///
    /// # Errors
    /// A template that does not parse (shipped ones are checked by tests), or a folder that
    /// cannot be read.
    pub fn load(extra: Option<&Path>) -> anyhow::Result<Self> {
        let mut templates = BTreeMap::new();
        for (source, json) in SHIPPED {
            let template = GameTemplate::parse(source, json).map_err(anyhow::Error::msg)?;
            templates.insert(template.game.clone(), template);
        }
        if let Some(folder) = extra {
            let mut paths: Vec<_> = std::fs::read_dir(folder)
                .map_err(|e| anyhow::anyhow!("cannot read the templates folder {}: {e}", folder.display()))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect();
            paths.sort();
            for path in paths {
                let json = std::fs::read_to_string(&path)?;
                let template = GameTemplate::parse(&path.display().to_string(), &json).map_err(anyhow::Error::msg)?;
                templates.insert(template.game.clone(), template);
            }
        }
        Ok(Self(Arc::new(templates)))
    }

    #[must_use]
    pub fn get(&self, game: &GameName) -> Option<&GameTemplate> {
        self.0.get(game)
    }

    /// The template of a stored game name.
    #[must_use]
    pub fn by_name(&self, game: &str) -> Option<&GameTemplate> {
        GameName::parse(game).ok().and_then(|g| self.0.get(&g))
    }

    pub fn all(&self) -> impl Iterator<Item = &GameTemplate> {
        self.0.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_templates_parse() {
        let catalog = Catalog::load(None).expect("shipped templates");
        let games: Vec<&str> = catalog.all().map(|t| t.game.as_str()).collect();
        assert_eq!(games, ["freeciv", "minecraft", "minetest", "openttd", "teeworlds"]);
    }

    /// The join and leave patterns of the games followed by their console, on lines as the
    /// real servers write them.
    #[test]
    fn console_player_lines_match_the_games_own() {
        let catalog = Catalog::load(None).expect("shipped templates");
        let cases = [
            (
                "minetest",
                "2026-11-24 20:01:02: ACTION[Server]: ana [127.0.0.1] joins game. List of players: ana",
                "2026-11-24 20:31:02: ACTION[Server]: ana leaves game. List of players: ",
            ),
            (
                "minecraft",
                "[20:01:02] [Server thread/INFO]: Ana_2 joined the game",
                "[20:31:02] [Server thread/INFO]: Ana_2 left the game",
            ),
        ];
        for (game, join, leave) in cases {
            let lines = catalog.by_name(game).and_then(|t| t.players.clone()).expect(game);
            let name = |regex: &regex::Regex, line: &str| {
                regex.captures(line).and_then(|c| c.name("name")).map(|n| n.as_str().to_owned())
            };
            let expected = if game == "minetest" { "ana" } else { "Ana_2" };
            assert_eq!(name(&lines.join, join).as_deref(), Some(expected), "{game} join");
            assert_eq!(name(&lines.leave, leave).as_deref(), Some(expected), "{game} leave");
            assert_eq!(name(&lines.join, leave), None, "{game}: a leave line is not a join");
        }
        let minecraft = catalog.by_name("minecraft").and_then(|t| t.players.clone()).expect("minecraft");
        let chat = "[20:05:00] [Server thread/INFO]: <Bob> [20:05:00] [Server thread/INFO]: Eve joined the game";
        assert!(!minecraft.join.is_match(chat), "a chat message does not make a player");
    }

    /// Every shipped template's files, filled with hostile values for each text setting and
    /// for the server's name, and read back the way each game reads that file: every line the
    /// template writes comes back, with exactly the value given, nothing after it; or the
    /// value is refused beside its field at launch.
    #[test]
    fn every_shipped_templates_files_read_back_hostile_values() {
        use crate::domain::template::Placeholders;
        use crate::domain::{FileFormat, MemoryLimit, ServerName, ServerSettings, SettingKind};
        let catalog = Catalog::load(None).expect("shipped templates");
        let hostile = [
            "\"\"\"",
            "{",
            "}",
            " padded ",
            "a\"b",
            "trailing\\",
            "\\u0041",
            "; sv_rcon_password x",
            "\" ; quit",
            "# hash",
            "[network]",
            "key = value",
            "motd=x:y",
            "Ünï ☃ 🎮",
            "",
        ];
        let names = ["Friday night", "Bob's game!", "a.b-c_d"];
        let mut refused = 0;
        for template in catalog.all() {
            let text_settings: Vec<&str> = template
                .settings
                .iter()
                .filter(|s| matches!(s.kind, SettingKind::Text { .. }))
                .map(|s| s.name.as_str())
                .collect();
            for (value, name) in hostile.iter().flat_map(|v| names.iter().map(move |n| (*v, *n))) {
                let typed = text_settings.iter().map(|s| ((*s).to_owned(), value.to_owned())).collect();
                let Ok(settings) = ServerSettings::parse(&template.settings, &typed) else { continue };
                let name = ServerName::parse(name).expect("name");
                let errors = template.check_file_values(&settings, &name);
                if !errors.is_empty() {
                    assert!(text_settings.iter().any(|s| errors.get(s).is_some()), "{errors:?}");
                    refused += 1;
                    continue;
                }
                let ports = template.ports.iter().map(|p| (p.name.clone(), 30000)).collect();
                let values = Placeholders {
                    data_dir: Path::new("/srv/hearth data/1"),
                    ports: &ports,
                    settings: &settings,
                    memory: MemoryLimit::from_stored(512),
                    name: &name,
                    secret: "Zx81aSecretOf24Characters",
                };
                for file in &template.files {
                    let rendered = GameTemplate::render(file, &values).expect("renders");
                    let what = format!("{} {} with {value:?}", template.game, file.path.as_path().display());
                    if file.format == FileFormat::Text {
                        assert_eq!(rendered, GameTemplate::fill(&file.text, &values), "{what}");
                        continue;
                    }
                    let expected = readers::expected(file.format, &file.text, &values);
                    let read = readers::read(file.format, &rendered);
                    assert_eq!(read, expected, "{what}:\n{rendered}");
                }
            }
        }
        assert!(refused > 0, "minetest.conf refuses \"\"\" beside the field");
    }

    /// The reading side of each config format, as each game implements it (Minetest's
    /// `Settings::parseConfigLines`, `java.util.Properties.load`, OpenTTD's `IniLoadFile`,
    /// Teeworlds' `CConsole::ParseArgs`), for the lines Hearth's templates write.
    mod readers {
        use crate::domain::FileFormat;
        use crate::domain::GameTemplate;
        use crate::domain::template::Placeholders;

        /// The (key, value) pairs a template's text means, its values filled in as they are.
        pub fn expected(format: FileFormat, text: &str, values: &Placeholders<'_>) -> Vec<(String, String)> {
            text.lines()
                .filter(|line| !line.trim().is_empty() && !line.starts_with('['))
                .map(|line| {
                    let (key, value) = split(format, line);
                    (key.to_owned(), GameTemplate::fill(value, values))
                })
                .collect()
        }

        fn split(format: FileFormat, line: &str) -> (&str, &str) {
            let (key, value) = match format {
                FileFormat::TeeworldsCfg => line.split_once(' ').unwrap_or((line, "")),
                _ => line.split_once('=').unwrap_or((line, "")),
            };
            (key.trim(), value.trim_start())
        }

        pub fn read(format: FileFormat, file: &str) -> Vec<(String, String)> {
            match format {
                FileFormat::MinetestConf => minetest(file),
                FileFormat::JavaProperties => file.lines().map(java_properties).collect(),
                FileFormat::OpenttdIni => openttd(file),
                FileFormat::TeeworldsCfg => file.lines().map(teeworlds).collect(),
                FileFormat::Text => Vec::new(),
            }
        }

        fn minetest(file: &str) -> Vec<(String, String)> {
            let mut pairs = Vec::new();
            let mut lines = file.lines();
            while let Some(line) = lines.next() {
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                let (key, value) = trimmed.split_once('=').expect("a setting line");
                let value = value.trim();
                assert_ne!(value, "{", "no group is opened");
                let value = if value == "\"\"\"" {
                    lines.by_ref().take_while(|l| *l != "\"\"\"").collect::<Vec<_>>().join("\n")
                } else {
                    value.to_owned()
                };
                pairs.push((key.trim().to_owned(), value));
            }
            pairs
        }

        fn java_properties(line: &str) -> (String, String) {
            let (key, value) = line.split_once('=').expect("key=value");
            let mut out = String::new();
            let mut chars = value.trim_start_matches([' ', '\t', '\u{c}']).chars();
            let mut pending_high: Option<u16> = None;
            while let Some(c) = chars.next() {
                if c != '\\' {
                    out.push(c);
                    continue;
                }
                match chars.next().expect("an escape") {
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        let unit = u16::from_str_radix(&hex, 16).expect("hex");
                        if let Some(high) = pending_high.take() {
                            out.extend(char::decode_utf16([high, unit]).map(|c| c.expect("a pair")));
                        } else if (0xD800..0xDC00).contains(&unit) {
                            pending_high = Some(unit);
                        } else {
                            out.push(char::from_u32(u32::from(unit)).expect("a char"));
                        }
                    }
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'f' => out.push('\u{c}'),
                    other => out.push(other),
                }
            }
            (key.to_owned(), out)
        }

        fn openttd(file: &str) -> Vec<(String, String)> {
            file.lines()
                .map(|line| line.trim_matches([' ', '\t']))
                .filter(|line| !line.is_empty() && !line.starts_with(['#', ';', '[']))
                .map(|line| {
                    let end = line.find(['=', ' ', '\t']).unwrap_or(line.len());
                    let (key, rest) = line.split_at(end);
                    let mut value = rest.trim_start_matches(['=', ' ', '\t']);
                    value = value.strip_prefix('"').unwrap_or(value);
                    value = value.strip_suffix('"').unwrap_or(value);
                    (key.to_owned(), value.to_owned())
                })
                .collect()
        }

        fn teeworlds(line: &str) -> (String, String) {
            let (command, rest) = line.split_once(' ').expect("a command and its value");
            let rest = rest.trim_start();
            let Some(quoted) = rest.strip_prefix('"') else {
                assert!(!rest.contains([' ', ';', '#', '"']), "{line}: one plain word");
                return (command.to_owned(), rest.to_owned());
            };
            let mut chars = quoted.chars();
            let mut value = String::new();
            loop {
                match chars.next().expect("a closing quote") {
                    '"' => break,
                    '\\' => match chars.clone().next() {
                        Some(c @ ('"' | '\\')) => {
                            value.push(c);
                            chars.next();
                        }
                        _ => value.push('\\'),
                    },
                    c => value.push(c),
                }
            }
            assert!(chars.as_str().trim().is_empty(), "{line}: nothing follows the value");
            (command.to_owned(), value)
        }
    }

    #[test]
    fn a_folder_adds_and_replaces() {
        let folder = tempfile::tempdir().expect("temp dir");
        let echo = r#"{"id": "minetest", "title": "My Minetest", "program": "/bin/true",
            "memory_mb": {"default": 64, "min": 16, "max": 128}, "ready": {"log_line": "x"},
            "stop": {"signal": "TERM", "grace_secs": 1}}"#;
        std::fs::write(folder.path().join("mine.json"), echo).expect("write");
        let catalog = Catalog::load(Some(folder.path())).expect("catalog");
        assert_eq!(catalog.by_name("minetest").map(|t| t.title.as_str()), Some("My Minetest"));
        std::fs::write(folder.path().join("bad.json"), "{}").expect("write");
        let error = Catalog::load(Some(folder.path())).expect_err("bad template");
        assert!(error.to_string().contains("bad.json"), "{error}");
    }
}
