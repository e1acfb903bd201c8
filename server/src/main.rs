//! The `agenthq` binary: parses the command line and runs the server library.

use agenthq_server::cli::{Cli, Command};
use agenthq_server::startup::shutdown_signal;
use agenthq_server::{Application, Settings, telemetry};
use anyhow::Context;
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(settings.log_format);
    agenthq_server::startup::raise_open_file_limit();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings.clone()).await?;
            tracing::info!(address = %settings.listen, port = app.port(), "AgentHQ is listening");
            app.run_until_stopped(shutdown_signal())
                .await
                .context("server failed")?;
        }
        Command::Demo {
            quiet,
            agents,
            task_every_ms,
        } => {
            let options = agenthq_server::demo::Options {
                view: !quiet,
                agents,
                pace: task_every_ms.map(std::time::Duration::from_millis),
            };
            agenthq_server::demo::run(settings, options, shutdown_signal()).await?
        }
        Command::Tail { workspace, url } => {
            agenthq_server::tail::print_events(&url, workspace).await?
        }
        Command::Migrate => {
            agenthq_runtime::store::open(&settings.store_url())
                .await
                .context("migration failed")?;
            tracing::info!(store = %redacted(&settings.store_url()), "store schema is up to date");
        }
    }
    Ok(())
}

/// The store URL without its password, for logs.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}
