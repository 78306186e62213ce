//! `hearth-bugs`: the bugs service alone, as its container runs it. It asks the portal at
//! `HEARTH_PORTAL_URL` who is logged in.

use hearth_shared::{AuthClient, Config, http, server, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    hearth_shared::files::private_by_default();
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let auth = AuthClient::from_config(&config)?;
    let state = hearth_bugs::connect(config.clone(), auth).await?;
    server::serve(http::app(hearth_bugs::router(state), &config), &config).await
}
