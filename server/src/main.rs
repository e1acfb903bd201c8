//! The `agenthq` binary: parses the command line and runs the server library.

use agenthq_server::Settings;
use agenthq_server::cli::Cli;
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) if cli.is_doctor() => {
            #[allow(clippy::print_stdout)] // The doctor's report.
            {
                print!("{}", agenthq_server::doctor::unloadable(&e));
            }
            std::process::exit(1);
        }
        Err(e) => return Err(e.into()),
    };
    agenthq_server::telemetry::init(settings.log_format);
    if cli.serves() {
        agenthq_server::startup::raise_open_file_limit();
    }
    agenthq_server::cli::run(cli, settings).await
}
