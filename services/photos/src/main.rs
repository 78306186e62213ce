//! `hearth-photos`: the photos service alone, as its container runs it. It asks the portal at
//! `HEARTH_PORTAL_URL` who is logged in. `hearth-photos decode …` is its decoder child.

use hearth_shared::{AuthClient, Config, http, startup, telemetry};

fn main() -> anyhow::Result<()> {
    hearth_shared::allocator::return_large_blocks_when_freed();
    hearth_shared::files::private_by_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|command| command == hearth_photos::decoder::SUBCOMMAND) {
        std::process::exit(hearth_photos::decoder::child_main(&args[1..]));
    }
    serve()
}

#[tokio::main]
async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let auth = AuthClient::from_config(&config)?;
    let settings = config.clone();
    startup::serve(&config, "The photos service", move || {
        let (config, auth) = (settings.clone(), auth.clone());
        async move { Ok(http::app(hearth_photos::router(hearth_photos::connect(config.clone(), auth).await?), &config)) }
    })
    .await
}
