//! `hearth serve [portal|photos|bugs|games]`: start Hearth (all services by default).

use hearth::Selection;
use hearth_shared::{Config, startup, telemetry};

const USAGE: &str = "usage: hearth serve [portal|photos|bugs|games]

Starts Hearth: every service in one process, or the one named. Settings come from
HEARTH_* environment variables (see docs/configuration.md); by default Hearth listens on
http://127.0.0.1:8080 and keeps its SQLite databases and files under ./data.";

fn main() -> anyhow::Result<()> {
    hearth_shared::allocator::return_large_blocks_when_freed();
    hearth_shared::files::private_by_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The photos service's decoder child (hidden): before any runtime or thread is started.
    if args.first().is_some_and(|command| command == hearth_photos::decoder::SUBCOMMAND) {
        std::process::exit(hearth_photos::decoder::child_main(&args[1..]));
    }
    serve(&args)
}

#[tokio::main]
async fn serve(args: &[String]) -> anyhow::Result<()> {
    let selection = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["serve"] => Selection::All,
        ["serve", name] => Selection::parse(name)?,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let config = Config::from_env()?;
    telemetry::init(config.log_format);
    let settings = config.clone();
    startup::serve(&config, "Hearth", move || {
        let config = settings.clone();
        async move { hearth::app(&config, selection).await }
    })
    .await
}
