//! Settings shared by every service, read once from `HEARTH_*` environment variables.
//! docs/configuration.md is the table of them; keep the two in step.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// A setting that could not be understood, named so the operator knows what to fix.
#[derive(Debug, Error)]
#[error("{name}={value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

/// A service setting that is a whole number: `default` when `lookup` has it unset or blank.
///
/// # Errors
/// Set to something that is not a whole number.
pub fn whole_number(
    lookup: impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match lookup(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(value) => {
            value.trim().parse().map_err(|_| ConfigError { name, value, reason: "expected a whole number".to_owned() })
        }
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Whether the session cookie carries the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecureCookies {
    /// Secure when the request came in over https (directly or per `X-Forwarded-Proto`).
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub addr: SocketAddr,
    /// Folder for SQLite files and blobs.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`, a PostgreSQL URL; when unset each service uses its own SQLite file,
    /// `<data_dir>/<service>.db`.
    pub database_url: Option<String>,
    pub log_format: LogFormat,
    /// Where other services reach the portal's introspection endpoint. `None` in the
    /// all-in-one process, where identities are resolved in-process.
    pub portal_url: Option<String>,
    /// How long another service may trust a resolved session (at most 60 s).
    pub auth_cache_ttl: Duration,
    /// Longest a quick request (a page, an API call) may take; uploads, downloads and restores
    /// are bounded by `body_idle_timeout` instead.
    pub request_timeout: Duration,
    /// Longest a request body may stop arriving, or a response stay unread, before Hearth gives up.
    pub body_idle_timeout: Duration,
    /// Longest a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// Connections open at once (also kept below the open-files limit).
    pub max_connections: usize,
    /// Connections open at once from one client address, unless a trusted proxy is in front.
    pub max_connections_per_address: usize,
    /// Largest request body accepted by default, in bytes.
    pub body_limit: usize,
    pub secure_cookies: SecureCookies,
    /// Trust the left-most `X-Forwarded-For` address as the client (behind an ingress).
    pub trust_forwarded_for: bool,
    /// The address the family types, e.g. `https://hearth.example.net`, for links in invites.
    /// When unset, links use the Host of the request.
    pub public_url: Option<String>,
}

/// The longest time a logout may take to reach every service.
pub const MAX_AUTH_CACHE_TTL: Duration = Duration::from_secs(60);

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// A variable that is set but cannot be parsed.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    ///
    /// # Errors
    /// A variable that is set but cannot be parsed.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let addr = match get("HEARTH_ADDR") {
            Some(v) => parse(&v, "HEARTH_ADDR", "use host:port, e.g. 0.0.0.0:8080")?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let log_format = match get("HEARTH_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("HEARTH_LOG_FORMAT", other, "use pretty or json")),
        };
        let secure_cookies = match get("HEARTH_SECURE_COOKIES").as_deref() {
            None | Some("auto") => SecureCookies::Auto,
            Some("always") => SecureCookies::Always,
            Some("never") => SecureCookies::Never,
            Some(other) => {
                return Err(invalid("HEARTH_SECURE_COOKIES", other, "use auto, always or never"));
            }
        };
        let auth_cache_secs: u64 = get_parsed(&get, "HEARTH_AUTH_CACHE_SECS", 30)?;
        let auth_cache_ttl = Duration::from_secs(auth_cache_secs);
        if auth_cache_ttl > MAX_AUTH_CACHE_TTL {
            return Err(invalid(
                "HEARTH_AUTH_CACHE_SECS",
                &auth_cache_secs.to_string(),
                "at most 60, so a logout reaches every service within a minute",
            ));
        }
        let database_url = get("DATABASE_URL");
        if let Some(url) =
            database_url.as_ref().filter(|u| !u.starts_with("postgres://") && !u.starts_with("postgresql://"))
        {
            return Err(invalid(
                "DATABASE_URL",
                url,
                "use postgres://…; for SQLite leave it unset: each service keeps its own file under HEARTH_DATA_DIR",
            ));
        }
        Ok(Self {
            addr,
            data_dir: get("HEARTH_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from),
            database_url,
            log_format,
            portal_url: get("HEARTH_PORTAL_URL").map(|u| u.trim_end_matches('/').to_owned()),
            auth_cache_ttl,
            request_timeout: Duration::from_secs(get_parsed(&get, "HEARTH_REQUEST_TIMEOUT_SECS", 30)?),
            body_idle_timeout: Duration::from_secs(get_parsed(&get, "HEARTH_IDLE_TIMEOUT_SECS", 60)?),
            header_timeout: Duration::from_secs(get_parsed(&get, "HEARTH_HEADER_TIMEOUT_SECS", 10)?),
            max_connections: get_parsed(&get, "HEARTH_MAX_CONNECTIONS", 4096)?,
            max_connections_per_address: get_parsed(&get, "HEARTH_MAX_CONNECTIONS_PER_ADDRESS", 128)?,
            body_limit: get_parsed(&get, "HEARTH_BODY_LIMIT_BYTES", 2 * 1024 * 1024)?,
            secure_cookies,
            trust_forwarded_for: get_parsed(&get, "HEARTH_TRUST_FORWARDED_FOR", false)?,
            public_url: get("HEARTH_PUBLIC_URL").map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// The database a service named `service` uses: `DATABASE_URL`, or its own SQLite file.
    #[must_use]
    pub fn database_url_for(&self, service: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join(format!("{service}.db")).display()))
    }
}

fn get_parsed<T: std::str::FromStr>(
    get: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    get(name).map_or(Ok(default), |v| parse(&v, name, "expected a number or true/false"))
}

fn parse<T: std::str::FromStr>(value: &str, name: &'static str, hint: &str) -> Result<T, ConfigError> {
    value.trim().parse().map_err(|_| invalid(name, value, hint))
}

fn invalid(name: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError { name, value: value.to_owned(), reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_run_on_localhost_with_sqlite_under_data() {
        let c = config(&[]).expect("defaults parse");
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url_for("portal"), "sqlite://data/portal.db?mode=rwc");
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn bad_values_name_the_variable_and_the_fix() {
        let err = config(&[("HEARTH_ADDR", "localhost")]).expect_err("must fail");
        assert!(err.to_string().contains("HEARTH_ADDR"));
        let err = config(&[("HEARTH_AUTH_CACHE_SECS", "600")]).expect_err("must fail");
        assert!(err.to_string().contains("at most 60"));
        let err = config(&[("DATABASE_URL", "sqlite://one.db")]).expect_err("must fail");
        assert!(err.to_string().contains("leave it unset"));
    }
}
