//! Names the family types or picks: a game (a template's id), a server's name, and a
//! memory limit, each parsed once at the edge with a message that says what to fix.

use std::fmt;

/// A template's id: `minetest`, `openttd`, … (lowercase letters, digits and dashes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GameName(String);

impl GameName {
    /// # Errors
    /// Empty, longer than 32 characters, or with anything but a-z, 0-9 and `-`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("Choose a game.".to_owned());
        }
        if value.len() > 32 || !value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(format!("{value:?} is not a game name: use at most 32 lowercase letters, digits and dashes."));
        }
        Ok(Self(value.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GameName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A server's name as friends see it: 1 to 40 letters, digits, spaces and `-_.'!`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerName(String);

pub const SERVER_NAME_MAX: usize = 40;

impl ServerName {
    /// # Errors
    /// Empty, too long, or with characters a game's config file or console could misread.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("Give the server a name, e.g. \"Friday night\".".to_owned());
        }
        if value.chars().count() > SERVER_NAME_MAX {
            return Err(format!("The name is too long: use at most {SERVER_NAME_MAX} characters."));
        }
        if let Some(bad) = value.chars().find(|c| !(c.is_alphanumeric() || " -_.'!".contains(*c))) {
            return Err(format!("The name cannot contain {bad:?}: use letters, digits, spaces and - _ . ' ! only."));
        }
        Ok(Self(value.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Memory a server may use, in MiB, within what its template allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit(u32);

impl MemoryLimit {
    /// # Errors
    /// Not a whole number, or outside `min..=max`.
    pub fn parse(value: &str, min: u32, max: u32) -> Result<Self, String> {
        let mib: u32 = value.trim().parse().map_err(|_| {
            format!("The memory limit must be a whole number of MiB (from {min} to {max}), not {value:?}.")
        })?;
        if !(min..=max).contains(&mib) {
            return Err(format!("The memory limit must be from {min} to {max} MiB, not {mib}."));
        }
        Ok(Self(mib))
    }

    /// A limit read back from the database (checked when it was stored).
    #[must_use]
    pub fn from_stored(mib: i64) -> Self {
        Self(u32::try_from(mib).unwrap_or(u32::MAX))
    }

    #[must_use]
    pub fn mib(self) -> u32 {
        self.0
    }

    #[must_use]
    pub fn bytes(self) -> u64 {
        u64::from(self.0) * 1024 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_names() {
        assert_eq!(GameName::parse(" minetest ").map(|g| g.to_string()), Ok("minetest".to_owned()));
        assert!(GameName::parse("").is_err());
        assert!(GameName::parse("Mine test").is_err());
        assert!(GameName::parse("../etc").is_err());
    }

    #[test]
    fn server_names() {
        assert_eq!(ServerName::parse("Friday night!").map(|n| n.to_string()), Ok("Friday night!".to_owned()));
        assert!(ServerName::parse("   ").is_err());
        assert!(ServerName::parse("a;rm -rf /").is_err_and(|e| e.contains("';'")));
        assert!(ServerName::parse("quote\"d").is_err());
        assert!(ServerName::parse(&"x".repeat(41)).is_err());
    }

    #[test]
    fn memory_limits() {
        assert_eq!(MemoryLimit::parse("512", 128, 1024).map(MemoryLimit::mib), Ok(512));
        assert!(MemoryLimit::parse("64", 128, 1024).is_err_and(|e| e.contains("from 128 to 1024")));
        assert!(MemoryLimit::parse("lots", 128, 1024).is_err());
    }
}

/// A backup's file name, as the service makes them: `20261125-171500.tar.gz` (UTC).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BackupName(String);

impl BackupName {
    /// # Errors
    /// Anything but `YYYYMMDD-HHMMSS.tar.gz`, so a name never leads out of the backups folder.
    pub fn parse(value: &str) -> Result<Self, String> {
        let stamp = value.strip_suffix(".tar.gz").unwrap_or_default();
        let ok =
            stamp.len() == 15 && stamp.char_indices().all(|(i, c)| if i == 8 { c == '-' } else { c.is_ascii_digit() });
        if ok { Ok(Self(value.to_owned())) } else { Err(format!("{value:?} is not one of this server's backups.")) }
    }

    /// The name of a backup made at `unix_seconds`.
    #[must_use]
    pub fn at(unix_seconds: i64) -> Self {
        let format = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
        let stamp = time::OffsetDateTime::from_unix_timestamp(unix_seconds)
            .ok()
            .and_then(|t| t.format(format).ok())
            .unwrap_or_else(|| "19700101-000000".to_owned());
        Self(format!("{stamp}.tar.gz"))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// When the backup was made, as Unix seconds (its name says, in UTC).
    #[must_use]
    pub fn unix_time(&self) -> i64 {
        let format = time::macros::format_description!("[year][month][day]-[hour][minute][second]");
        let stamp = self.0.strip_suffix(".tar.gz").unwrap_or_default();
        time::PrimitiveDateTime::parse(stamp, format).map_or(0, |at| at.assume_utc().unix_timestamp())
    }
}

#[cfg(test)]
mod backup_name_tests {
    use super::BackupName;

    #[test]
    fn only_our_names() {
        assert_eq!(BackupName::at(0).as_str(), "19700101-000000.tar.gz");
        assert!(BackupName::parse("20261125-171500.tar.gz").is_ok());
        assert!(BackupName::parse("../../etc/passwd").is_err());
        assert!(BackupName::parse("20261125-171500.tar.gz/..").is_err());
        assert!(BackupName::parse("2026112x-171500.tar.gz").is_err());
        let made = BackupName::at(1_795_000_000);
        assert_eq!(made.unix_time(), 1_795_000_000, "{}", made.as_str());
    }
}
