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
