//! How much a member may run at once, and the one check of what an admin asks for, shared by
//! the quotas page and the API.

/// Servers a member may run at once, and the memory they may use together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Quota {
    pub max_running: u32,
    pub max_memory_mb: u32,
}

impl Quota {
    /// The most servers a quota allows at once.
    pub const MOST_RUNNING: u32 = 1000;
    /// The most memory a quota allows, in MiB (1 TiB).
    pub const MOST_MEMORY_MB: u32 = 1024 * 1024;

    /// A quota from what an admin typed in the form.
    ///
    /// # Errors
    /// Either value is not a whole number, is negative, or is beyond the most a quota allows;
    /// the message says which and what to type instead.
    pub fn parse(max_running: &str, max_memory_mb: &str) -> Result<Self, String> {
        let whole = |label: &str, value: &str| {
            value.trim().parse::<i64>().map_err(|_| format!("{label} must be a whole number, not {value:?}."))
        };
        Self::from_numbers(whole(RUNNING, max_running)?, whole(MEMORY, max_memory_mb)?)
    }

    /// A quota from the numbers the API was sent.
    ///
    /// # Errors
    /// Either value is negative or beyond the most a quota allows.
    pub fn from_numbers(max_running: i64, max_memory_mb: i64) -> Result<Self, String> {
        Ok(Self {
            max_running: bounded(RUNNING, max_running, Self::MOST_RUNNING)?,
            max_memory_mb: bounded(MEMORY, max_memory_mb, Self::MOST_MEMORY_MB)?,
        })
    }
}

const RUNNING: &str = "Servers running at once";
const MEMORY: &str = "Total memory (MiB)";

fn bounded(label: &str, value: i64, most: u32) -> Result<u32, String> {
    u32::try_from(value)
        .ok()
        .filter(|value| *value <= most)
        .ok_or_else(|| format!("{label} must be from 0 to {most}, not {value}."))
}

#[cfg(test)]
mod tests {
    use super::Quota;

    #[test]
    fn quotas_within_bounds_parse() {
        assert_eq!(Quota::parse(" 2 ", "4096"), Ok(Quota { max_running: 2, max_memory_mb: 4096 }));
        assert_eq!(Quota::parse("0", "0"), Ok(Quota { max_running: 0, max_memory_mb: 0 }));
        assert_eq!(Quota::from_numbers(1000, 1_048_576), Ok(Quota { max_running: 1000, max_memory_mb: 1_048_576 }));
    }

    #[test]
    fn bad_quotas_say_what_to_fix() {
        assert!(Quota::parse("-1", "100").is_err_and(|e| e.contains("Servers running at once must be from 0 to 1000")));
        assert!(Quota::parse("two", "100").is_err_and(|e| e.contains("whole number, not \"two\"")));
        assert!(Quota::parse("1", "1.5").is_err_and(|e| e.contains("Total memory (MiB) must be a whole number")));
        assert!(Quota::parse("1", "99999999999999999999").is_err_and(|e| e.contains("whole number")));
        assert!(Quota::from_numbers(1, 1_048_577).is_err_and(|e| e.contains("from 0 to 1048576, not 1048577")));
        assert!(Quota::from_numbers(1001, 1).is_err());
    }
}
