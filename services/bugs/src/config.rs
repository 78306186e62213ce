//! The bugs service's own settings (`HEARTH_BUGS_*`), and the family's mail server
//! (`HEARTH_SMTP_*`, named for every service that may send email one day; ADR 0058).

use std::path::PathBuf;

use hearth_shared::Config;
use hearth_shared::config::{ConfigError, whole_number};
use lettre::message::Mailbox;

#[derive(Debug, Clone)]
pub struct BugsConfig {
    /// Where older versions kept attachment files, `<data dir>/bugs`: what is found there is
    /// moved into the database at start-up (ADR 0070). Nothing is written there any more.
    pub old_attachments_dir: PathBuf,
    /// Largest attachment, in bytes (`HEARTH_BUGS_MAX_ATTACHMENT_BYTES`, 10 MiB by default).
    pub max_attachment_bytes: usize,
    /// First wait before a failed webhook delivery (or email) is tried again, doubling each
    /// time (`HEARTH_BUGS_WEBHOOK_BACKOFF_MS`, one second by default).
    pub webhook_backoff_ms: i64,
    /// Where notification emails go out; `None` (no `HEARTH_SMTP_HOST`): no email.
    pub smtp: Option<SmtpSettings>,
    /// The address the family types (`HEARTH_PUBLIC_URL`), for links in emails.
    pub public_url: Option<String>,
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP upgraded with STARTTLS, refused if the server cannot (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption, for a relay on the same machine or LAN (port 25).
    None,
}

/// The family's mail server.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// User name and password, when the server asks for them.
    pub credentials: Option<(String, String)>,
    /// Who the emails are from: `Hearth <hearth@example.net>`.
    pub from: Mailbox,
}

impl BugsConfig {
    /// # Errors
    /// A `HEARTH_BUGS_*` or `HEARTH_SMTP_*` variable that is set but not valid.
    pub fn from_env(config: &Config) -> Result<Self, ConfigError> {
        Self::from_lookup(config, |name| std::env::var(name).ok())
    }

    /// # Errors
    /// A variable that is set but not valid.
    pub fn from_lookup(config: &Config, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let number = |name: &'static str, default: u64| whole_number(&lookup, name, default);
        Ok(Self {
            old_attachments_dir: config.data_dir.join("bugs"),
            max_attachment_bytes: usize::try_from(number("HEARTH_BUGS_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)?)
                .unwrap_or(usize::MAX),
            webhook_backoff_ms: i64::try_from(number("HEARTH_BUGS_WEBHOOK_BACKOFF_MS", 1000)?).unwrap_or(1000),
            smtp: SmtpSettings::from_lookup(&lookup)?,
            public_url: config.public_url.clone(),
        })
    }
}

impl SmtpSettings {
    /// `None` when `HEARTH_SMTP_HOST` is unset.
    ///
    /// # Errors
    /// A security other than starttls, tls or none; a port that is not one; a user name
    /// without a password (or the other way round); no or a malformed `HEARTH_SMTP_FROM`.
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let invalid = |name: &'static str, value: &str, reason: &str| ConfigError {
            name,
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let Some(host) = get("HEARTH_SMTP_HOST") else {
            return Ok(None);
        };
        let security = match get("HEARTH_SMTP_SECURITY").as_deref() {
            None | Some("starttls") => SmtpSecurity::StartTls,
            Some("tls") => SmtpSecurity::Tls,
            Some("none") => SmtpSecurity::None,
            Some(other) => return Err(invalid("HEARTH_SMTP_SECURITY", other, "use starttls, tls or none")),
        };
        let default_port = match security {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        };
        let port = match get("HEARTH_SMTP_PORT") {
            None => default_port,
            Some(port) => port.parse().map_err(|_| invalid("HEARTH_SMTP_PORT", &port, "expected a port number"))?,
        };
        let credentials = match (get("HEARTH_SMTP_USERNAME"), lookup("HEARTH_SMTP_PASSWORD").filter(|p| !p.is_empty()))
        {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            (Some(user), None) => {
                return Err(invalid("HEARTH_SMTP_USERNAME", &user, "set HEARTH_SMTP_PASSWORD too, or neither"));
            }
            (None, Some(_)) => {
                return Err(invalid("HEARTH_SMTP_PASSWORD", "(hidden)", "set HEARTH_SMTP_USERNAME too, or neither"));
            }
        };
        let from = get("HEARTH_SMTP_FROM").ok_or_else(|| {
            invalid("HEARTH_SMTP_FROM", "", "say who the emails are from, like Hearth <hearth@example.net>")
        })?;
        let from = from.parse::<Mailbox>().map_err(|e| {
            invalid("HEARTH_SMTP_FROM", &from, &format!("{e}; write it like Hearth <hearth@example.net>"))
        })?;
        Ok(Some(Self { host, port, security, credentials, from }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(vars: &[(&str, &str)]) -> Result<Option<SmtpSettings>, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        SmtpSettings::from_lookup(&|name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn no_host_means_no_email() {
        assert!(smtp(&[("HEARTH_SMTP_FROM", "x@y.z")]).expect("valid").is_none());
    }

    #[test]
    fn the_port_follows_the_security() {
        let from = ("HEARTH_SMTP_FROM", "Hearth <hearth@example.net>");
        let starttls = smtp(&[("HEARTH_SMTP_HOST", "mail.example.net"), from]).expect("valid").expect("set");
        assert_eq!((starttls.security, starttls.port), (SmtpSecurity::StartTls, 587));
        assert_eq!(starttls.from.email.to_string(), "hearth@example.net");
        let tls = smtp(&[("HEARTH_SMTP_HOST", "h"), ("HEARTH_SMTP_SECURITY", "tls"), from]).expect("valid");
        assert_eq!(tls.map(|t| t.port), Some(465));
        let relay =
            smtp(&[("HEARTH_SMTP_HOST", "h"), ("HEARTH_SMTP_SECURITY", "none"), ("HEARTH_SMTP_PORT", "2525"), from]);
        assert_eq!(relay.expect("valid").map(|r| r.port), Some(2525));
    }

    #[test]
    fn mistakes_name_the_variable() {
        let from = ("HEARTH_SMTP_FROM", "hearth@example.net");
        let host = ("HEARTH_SMTP_HOST", "h");
        assert_eq!(smtp(&[host, from, ("HEARTH_SMTP_SECURITY", "ssl")]).expect_err("bad").name, "HEARTH_SMTP_SECURITY");
        assert_eq!(smtp(&[host, from, ("HEARTH_SMTP_PORT", "99999")]).expect_err("bad").name, "HEARTH_SMTP_PORT");
        assert_eq!(smtp(&[host, from, ("HEARTH_SMTP_USERNAME", "u")]).expect_err("bad").name, "HEARTH_SMTP_USERNAME");
        assert_eq!(smtp(&[host]).expect_err("bad").name, "HEARTH_SMTP_FROM");
        assert_eq!(smtp(&[host, ("HEARTH_SMTP_FROM", "not an address")]).expect_err("bad").name, "HEARTH_SMTP_FROM");
        let secret = smtp(&[host, from, ("HEARTH_SMTP_PASSWORD", "hunter2")]).expect_err("bad").to_string();
        assert!(!secret.contains("hunter2"), "the password is never shown: {secret}");
    }
}
