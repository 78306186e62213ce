//! The all-in-one process: every service's router merged under its prefix, with the portal
//! answering "who is this?" in-process and asking the services in-process what deleting a
//! member does there ([`members`]); or one service alone, over HTTP.

pub mod members;

use axum::Router;
use hearth_shared::{AuthClient, Config, http};

/// What `hearth serve` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    All,
    Portal,
    Photos,
    Bugs,
    Games,
}

impl Selection {
    /// # Errors
    /// A name that is not a service, with the list of names in the message.
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        match name {
            "all" => Ok(Self::All),
            "portal" => Ok(Self::Portal),
            "photos" => Ok(Self::Photos),
            "bugs" => Ok(Self::Bugs),
            "games" => Ok(Self::Games),
            other => {
                anyhow::bail!("unknown service {other:?}: choose portal, photos, bugs or games (or nothing for all)")
            }
        }
    }
}

/// The application for `selection`, with the standard layers applied once.
///
/// # Errors
/// A database that cannot be reached or migrated; a lone service without `HEARTH_PORTAL_URL`.
pub async fn app(config: &Config, selection: Selection) -> anyhow::Result<Router> {
    let router = match selection {
        Selection::All => all_services(config).await?,
        Selection::Portal => hearth_portal::router(hearth_portal::AppState::new(config.clone()).await?),
        Selection::Photos => {
            let auth = AuthClient::from_config(config)?;
            hearth_photos::router(hearth_photos::connect(config.clone(), auth).await?)
        }
        Selection::Bugs => {
            let auth = AuthClient::from_config(config)?;
            hearth_bugs::router(hearth_bugs::connect(config.clone(), auth).await?)
        }
        Selection::Games => {
            let auth = AuthClient::from_config(config)?;
            hearth_games::router(hearth_games::connect(config.clone(), auth).await?)
        }
    };
    Ok(http::app(router, config))
}

async fn all_services(config: &Config) -> anyhow::Result<Router> {
    let portal = hearth_portal::AppState::new(config.clone()).await?;
    let auth = portal.auth.clone();
    let photos = hearth_photos::connect(config.clone(), auth.clone()).await?;
    let bugs = hearth_bugs::connect(config.clone(), auth.clone()).await?;
    let games = hearth_games::connect(config.clone(), auth).await?;
    let portal = portal.with_member_services(members::in_process(&photos, &bugs, &games));
    Ok(hearth_portal::router(portal)
        .merge(hearth_photos::router(photos))
        .merge(hearth_bugs::router(bugs))
        .merge(hearth_games::router(games)))
}
