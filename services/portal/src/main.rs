//! `hearth-portal`: the portal alone, as its container runs it.

use hearth_shared::{Config, http, startup, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    hearth_shared::allocator::return_large_blocks_when_freed();
    hearth_shared::files::private_by_default();
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let settings = config.clone();
    startup::serve(&config, "The portal", move || {
        let config = settings.clone();
        async move { Ok(http::app(hearth_portal::router(hearth_portal::AppState::new(config.clone()).await?), &config)) }
    })
    .await
}
