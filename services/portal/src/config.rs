//! The portal's own settings (in docs/configuration.md): where a portal running alone reaches
//! the other services, to delete a member's things there (ADR 0053).

use std::sync::Arc;

use hearth_shared::config::ConfigError;

use crate::members::{MemberRemoval, OverHttp};

/// The services a member's account reaches into: name, URL prefix, and the setting that says
/// where a portal running alone finds it.
pub const SERVICES: [(&str, &str, &str); 3] = [
    ("Photos", "/photos", "HEARTH_PHOTOS_URL"),
    ("Bugs", "/bugs", "HEARTH_BUGS_URL"),
    ("Games", "/games", "HEARTH_GAMES_URL"),
];

/// The services a portal running alone asks over HTTP: those whose `HEARTH_<SERVICE>_URL` is
/// set. (The all-in-one process replaces them with direct calls.)
///
/// # Errors
/// A URL that is not `http://…` or `https://…`, or an HTTP client that cannot be built.
pub fn services_over_http(lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<Arc<dyn MemberRemoval>>, ConfigError> {
    let mut services: Vec<Arc<dyn MemberRemoval>> = Vec::new();
    for (service, prefix, name) in SERVICES {
        let Some(url) = lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
            continue;
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError {
                name,
                value: url,
                reason: "use the service's address, e.g. http://photos:8080".to_owned(),
            });
        }
        let client = OverHttp::new(service, prefix, &url).map_err(|e| ConfigError {
            name,
            value: url.clone(),
            reason: e.to_string(),
        })?;
        services.push(Arc::new(client));
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_services_with_an_address_are_asked() {
        let services =
            services_over_http(|name| (name == "HEARTH_BUGS_URL").then(|| "http://bugs:8080/".to_owned())).expect("ok");
        assert_eq!(services.iter().map(|s| s.service()).collect::<Vec<_>>(), ["Bugs"]);
        let error = services_over_http(|name| (name == "HEARTH_GAMES_URL").then(|| "games:8080".to_owned()))
            .err()
            .expect("refused");
        assert!(error.to_string().contains("HEARTH_GAMES_URL"));
    }
}
