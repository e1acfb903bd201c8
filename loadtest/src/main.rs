//! `agenthq-loadtest`: run a scenario against AgentHQ nodes and write a report.
//!
//! `agenthq-loadtest run fanout --url http://127.0.0.1:8080 --server-pid $(pgrep -x agenthq)`

use std::path::PathBuf;
use std::process::ExitCode;

use agenthq_loadtest::driver::{self, RunOptions};
use agenthq_loadtest::scenario::Scenario;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Load-test AgentHQ: WebSocket watchers and task submitters, with a report"
)]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run a scenario (a name in loadtest/scenarios/ or a path to a TOML file).
    Run {
        scenario: String,
        /// A server's base URL; repeat for several nodes.
        #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
        urls: Vec<String>,
        /// A server process on this machine whose CPU and memory to report; repeatable.
        #[arg(long = "server-pid")]
        server_pids: Vec<u32>,
        /// Where the report goes (default results/loadtest/<scenario>-<time>).
        #[arg(long)]
        results: Option<PathBuf>,
        /// Override the scenario's watchers per workspace.
        #[arg(long)]
        watchers: Option<u32>,
        /// Override the scenario's measuring time, in seconds.
        #[arg(long)]
        duration: Option<u64>,
    },
    /// The scenarios that come with the driver.
    List,
    /// (internal) A watcher worker: a plan on stdin, results on stdout.
    #[command(hide = true)]
    Worker,
}

#[allow(clippy::print_stdout, clippy::print_stderr)] // The command's output.
fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = match args.command {
        Cmd::Worker => driver::worker_main(),
        Cmd::List => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map(|d| {
                    d.filter_map(|e| {
                        Some(e.ok()?.path().file_stem()?.to_string_lossy().into_owned())
                    })
                    .collect()
                })
                .unwrap_or_default();
            names.sort();
            for name in names {
                match Scenario::load(&name) {
                    Ok(s) => println!("{name:<10} {}", s.description),
                    Err(e) => println!("{name:<10} (unreadable: {e})"),
                }
            }
            Ok(())
        }
        Cmd::Run {
            scenario,
            urls,
            server_pids,
            results,
            watchers,
            duration,
        } => (|| {
            let mut scenario = Scenario::load(&scenario)?;
            if let Some(w) = watchers {
                scenario.watchers.per_workspace = w;
            }
            if let Some(d) = duration {
                scenario.duration_secs = d;
            }
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let results = results.unwrap_or_else(|| {
                PathBuf::from(format!("results/loadtest/{}-{stamp}", scenario.name))
            });
            let options = RunOptions {
                scenario,
                urls,
                server_pids,
                results: results.clone(),
                in_process: false,
                worker_exe: None,
                command: std::env::args().collect::<Vec<_>>().join(" "),
                progress: true,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(driver::run(options))?;
            println!("{}", report.markdown());
            println!("report: {}", results.display());
            Ok(())
        })(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agenthq-loadtest: {e:#}");
            ExitCode::FAILURE
        }
    }
}
