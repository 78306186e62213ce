//! `hearth-portal`: the portal alone, as its container runs it.

use hearth_shared::{Config, http, server, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    hearth_shared::files::private_by_default();
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let state = hearth_portal::AppState::new(config.clone()).await?;
    server::serve(http::app(hearth_portal::router(state), &config), &config).await
}
