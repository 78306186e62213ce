//! The games service's own settings (`HEARTH_GAMES_*`), read once.

use std::ops::RangeInclusive;
use std::path::PathBuf;

use hearth_shared::Config;
use hearth_shared::config::ConfigError;

use crate::domain::Quota;

#[derive(Debug, Clone)]
pub struct GamesConfig {
    /// One folder per server: `<data dir>/games/servers/<id>`.
    pub servers_dir: PathBuf,
    /// Extra templates (`*.json`), added to the shipped ones or replacing one of the same id.
    pub templates_dir: Option<PathBuf>,
    /// Ports handed to servers (`HEARTH_GAMES_PORTS=30000-30999`).
    pub ports: RangeInclusive<u16>,
    /// The user ids servers are given, one each, when the manager runs as root
    /// (`HEARTH_GAMES_UIDS=70000-70999`); each server's group has the same number.
    pub uids: RangeInclusive<u32>,
    /// The host name friends connect to; the page's host when unset.
    pub public_host: Option<String>,
    /// Restarts after a crash of a server that had been running, before it stays crashed.
    pub max_restarts: u32,
    /// Console commands one server accepts per minute.
    pub commands_per_minute: u32,
    /// A member's quota until an admin sets one: servers running at once, and their memory.
    pub default_quota: Quota,
    /// How long an idle-stop "minute" is: a minute, except in tests, which shorten it.
    pub idle_minute: std::time::Duration,
    /// How often a running server whose game has a query protocol is asked who plays.
    pub players_query_every: std::time::Duration,
}

impl GamesConfig {
    /// # Errors
    /// A `HEARTH_GAMES_*` variable that is set but not understood.
    pub fn from_env(config: &Config) -> Result<Self, ConfigError> {
        Self::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// # Errors
    /// A variable that is set but not understood.
    pub fn from_lookup(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let ports = match get("HEARTH_GAMES_PORTS") {
            None => 30000..=30999,
            Some(value) => parse_range(&value).ok_or_else(|| ConfigError {
                name: "HEARTH_GAMES_PORTS",
                value,
                reason: "use first-last, e.g. 30000-30999 (ports from 1024 to 65535)".to_owned(),
            })?,
        };
        if let Some(value) = get("HEARTH_GAMES_RUN_AS") {
            return Err(ConfigError {
                name: "HEARTH_GAMES_RUN_AS",
                value,
                reason: "each server now runs as its own user: remove it and set HEARTH_GAMES_UIDS to a range of \
                         unused user ids instead (default 70000-70999)"
                    .to_owned(),
            });
        }
        let uids = match get("HEARTH_GAMES_UIDS") {
            None => 70000..=70999,
            Some(value) => parse_uids(&value).ok_or_else(|| ConfigError {
                name: "HEARTH_GAMES_UIDS",
                value,
                reason: "use first-last, user ids no account uses, e.g. 70000-70999 (from 1000 to 4294967294)"
                    .to_owned(),
            })?,
        };
        let number = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            get(name).map_or(Ok(default), |value| {
                value.parse().map_err(|_| ConfigError { name, value, reason: "expected a whole number".to_owned() })
            })
        };
        Ok(Self {
            servers_dir: config.data_dir.join("games").join("servers"),
            templates_dir: get("HEARTH_GAMES_TEMPLATES_DIR").map(PathBuf::from),
            ports,
            uids,
            public_host: get("HEARTH_GAMES_PUBLIC_HOST"),
            max_restarts: number("HEARTH_GAMES_MAX_RESTARTS", 3)?,
            commands_per_minute: number("HEARTH_GAMES_COMMANDS_PER_MINUTE", 30)?.max(1),
            default_quota: Quota {
                max_running: number("HEARTH_GAMES_QUOTA_SERVERS", 2)?,
                max_memory_mb: number("HEARTH_GAMES_QUOTA_MEMORY_MB", 4096)?,
            },
            idle_minute: std::time::Duration::from_secs(60),
            players_query_every: std::time::Duration::from_secs(u64::from(
                number("HEARTH_GAMES_PLAYERS_QUERY_SECS", 60)?.max(1),
            )),
        })
    }
}

fn parse_range(value: &str) -> Option<RangeInclusive<u16>> {
    let (first, last) = value.split_once('-')?;
    let (first, last): (u16, u16) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (1024 <= first && first <= last).then_some(first..=last)
}

fn parse_uids(value: &str) -> Option<RangeInclusive<u32>> {
    let (first, last) = value.split_once('-')?;
    let (first, last): (u32, u32) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (1000 <= first && first <= last && last < u32::MAX).then_some(first..=last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_lookup(|_| None).expect("default config")
    }

    #[test]
    fn defaults_and_overrides() {
        let games = GamesConfig::from_lookup(&config(), |_| None).expect("defaults");
        assert_eq!(games.ports, 30000..=30999);
        assert_eq!(games.uids, 70000..=70999);
        let games = GamesConfig::from_lookup(&config(), |name| {
            (name == "HEARTH_GAMES_PORTS").then(|| "40000-40010".to_owned())
        })
        .expect("ports");
        assert_eq!(games.ports, 40000..=40010);
    }

    #[test]
    fn bad_values_are_named() {
        let error =
            GamesConfig::from_lookup(&config(), |name| (name == "HEARTH_GAMES_PORTS").then(|| "80-90".to_owned()))
                .expect_err("low ports");
        assert_eq!(error.name, "HEARTH_GAMES_PORTS");
        let lookup = |name: &'static str, value: &'static str| move |n: &str| (n == name).then(|| value.to_owned());
        for bad in ["nobody", "0-10", "2000-1000", "1000-4294967295"] {
            let error = GamesConfig::from_lookup(&config(), lookup("HEARTH_GAMES_UIDS", bad)).expect_err(bad);
            assert_eq!(error.name, "HEARTH_GAMES_UIDS");
        }
        let error = GamesConfig::from_lookup(&config(), lookup("HEARTH_GAMES_RUN_AS", "65534:65534")).expect_err("old");
        assert!(error.reason.contains("HEARTH_GAMES_UIDS"), "{error:?}");
        let games = GamesConfig::from_lookup(&config(), lookup("HEARTH_GAMES_UIDS", "200000-200009")).expect("uids");
        assert_eq!(games.uids, 200_000..=200_009);
    }
}
