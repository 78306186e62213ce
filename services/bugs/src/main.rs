//! `hearth-bugs`: the bugs service alone, as its container runs it. It asks the portal at
//! `HEARTH_PORTAL_URL` who is logged in.

use hearth_shared::{AuthClient, Config, http, startup, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    hearth_shared::allocator::return_large_blocks_when_freed();
    hearth_shared::files::private_by_default();
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let auth = AuthClient::from_config(&config)?;
    let settings = config.clone();
    startup::serve(&config, "The bug tracker", move || {
        let (config, auth) = (settings.clone(), auth.clone());
        async move { Ok(http::app(hearth_bugs::router(hearth_bugs::connect(config.clone(), auth).await?), &config)) }
    })
    .await
}
