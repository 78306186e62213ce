//! What a session's `User-Agent` says, as a person reads it: "Firefox on Android",
//! "Safari on iPhone", "curl" — never the raw string.

/// A device as the sessions list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// "Firefox", "Chrome", "Safari", …, or the program ("curl", "A script").
    pub browser: &'static str,
    /// "Android", "iPhone", "Windows", …; `None` when the string does not say.
    pub system: Option<&'static str>,
}

/// Browsers, most specific first: Edge, Opera and Samsung Internet also say "Chrome", and
/// every Chromium browser also says "Safari".
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Programs that log in through the API.
const PROGRAMS: &[(&str, &str)] = &[
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("python-requests/", "A Python script"),
    ("python-httpx/", "A Python script"),
    ("Python-urllib/", "A Python script"),
    ("HTTPie/", "HTTPie"),
    ("PostmanRuntime/", "Postman"),
    ("okhttp/", "An Android app"),
    ("reqwest", "A script"),
    ("Go-http-client/", "A script"),
    ("node-fetch", "A script"),
];

/// Systems, most specific first: iPads and Android also say "like Mac OS X" or "Linux".
const SYSTEMS: &[(&str, &str)] = &[
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
];

impl Device {
    /// Reads a `User-Agent` header; anything unrecognised is "Unknown browser".
    #[must_use]
    pub fn from_user_agent(user_agent: &str) -> Self {
        let found = |table: &[(&str, &'static str)]| {
            table.iter().find(|(marker, _)| user_agent.contains(marker)).map(|(_, name)| *name)
        };
        if let Some(program) = found(PROGRAMS) {
            return Self { browser: program, system: None };
        }
        let browser = found(BROWSERS).unwrap_or("Unknown browser");
        Self { browser, system: found(SYSTEMS) }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.system {
            Some(system) => write!(f, "{} on {system}", self.browser),
            None => f.write_str(self.browser),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(user_agent: &str) -> String {
        Device::from_user_agent(user_agent).to_string()
    }

    #[test]
    fn browsers_are_named_with_their_system() {
        let cases = [
            ("Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0", "Firefox on Android"),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                 Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 \
                 Mobile/15E148 Safari/604.1",
                "Chrome on iPad",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 \
                 Safari/537.36 Edg/126.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                 Version/17.5 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) \
                 SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
                "Samsung Internet on Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 \
                 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
                "Chrome on ChromeOS",
            ),
        ];
        for (user_agent, expected) in cases {
            assert_eq!(named(user_agent), expected, "{user_agent}");
        }
    }

    #[test]
    fn scripts_and_strangers_get_plain_names() {
        assert_eq!(named("curl/8.5.0"), "curl");
        assert_eq!(named("python-requests/2.31.0"), "A Python script");
        assert_eq!(named("unknown device"), "Unknown browser");
        assert_eq!(named(""), "Unknown browser");
    }
}
