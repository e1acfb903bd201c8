//! `agenthq-loadtest`: run a scenario against AgentHQ nodes and write a report.
//!
//! `agenthq-loadtest run fanout --url http://127.0.0.1:8080 --server-pid $(pgrep -x agenthq)`

use std::path::PathBuf;
use std::process::ExitCode;

use agenthq_loadtest::driver::{self, RunOptions};
use agenthq_loadtest::scenario::Scenario;
use clap::{Parser, Subcommand};

/// A scenario and the servers it runs against (`run` and `compare`).
#[derive(Debug, clap::Args)]
struct Target {
    /// A name in loadtest/scenarios/ or a path to a TOML file.
    scenario: String,
    /// A server's base URL; repeat for several nodes.
    #[arg(long = "url", default_value = "http://127.0.0.1:8080")]
    urls: Vec<String>,
    /// A server process on this machine whose CPU and memory to report; repeatable.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Where the report goes (default results/loadtest/<what>-<time>).
    #[arg(long)]
    results: Option<PathBuf>,
    /// Override the scenario's watchers per workspace.
    #[arg(long)]
    watchers: Option<u32>,
    /// Override the scenario's measuring time, in seconds.
    #[arg(long)]
    duration: Option<u64>,
    /// The server process a `[failover]` scenario kills (SIGKILL) mid-run: one of the
    /// `--url` nodes, on this machine.
    #[arg(long)]
    kill_pid: Option<u32>,
    /// Make the offices through this node instead of the first `--url` (in a cluster, it
    /// becomes their owner: watchers on the `--url` nodes then measure the bridge).
    #[arg(long)]
    setup_url: Option<String>,
    /// Override the scenario's wire encoding: `msgpack`, `json` or `compact`.
    #[arg(long, value_parser = ["msgpack", "json", "compact"])]
    codec: Option<String>,
}

impl Target {
    /// The run's options; the default results folder is named `<prefix><scenario>-<time>`.
    fn options(self, prefix: &str) -> anyhow::Result<RunOptions> {
        let mut scenario = Scenario::load(&self.scenario)?;
        if let Some(w) = self.watchers {
            scenario.watchers.per_workspace = w;
        }
        if let Some(d) = self.duration {
            scenario.duration_secs = d;
        }
        match self.codec.as_deref() {
            Some("json") => scenario.codec = agenthq_loadtest::scenario::WireCodec::Json,
            Some("msgpack") => scenario.codec = agenthq_loadtest::scenario::WireCodec::Msgpack,
            Some("compact") => scenario.codec = agenthq_loadtest::scenario::WireCodec::Compact,
            _ => {}
        }
        let results = self
            .results
            .unwrap_or_else(|| default_results(&format!("{prefix}{}", scenario.name)));
        Ok(RunOptions {
            scenario,
            urls: self.urls,
            server_pids: self.server_pids,
            results,
            in_process: false,
            worker_exe: None,
            command: std::env::args().collect::<Vec<_>>().join(" "),
            progress: true,
            socketio: false,
            prepared: None,
            kill_pid: self.kill_pid,
            setup_url: self.setup_url,
        })
    }
}

/// `results/loadtest/<name>-<unix time>`.
fn default_results(name: &str) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    PathBuf::from(format!("results/loadtest/{name}-{stamp}"))
}

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
    Run(Target),
    /// The same scenario against AgentHQ (--url) and the Socket.io anchor (full objects,
    /// then rooms), one table with the ratios.
    Compare(Target),
    /// Durable task throughput, submit -> succeeded: AgentHQ over its API beside BullMQ on
    /// Redis, the same no-op jobs at the same concurrency.
    Tasks {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 10_000)]
        jobs: u64,
        /// Tasks run at once (a free workspace runs at most 4).
        #[arg(long, default_value_t = 4)]
        concurrency: u32,
        #[arg(long, default_value = "redis://127.0.0.1:6379")]
        redis: String,
        /// Tasks per request on AgentHQ's batch endpoint (1: one request per task).
        #[arg(long, default_value_t = 1)]
        batch: usize,
        /// Where the table goes (default results/loadtest/tasks-<time>).
        #[arg(long)]
        results: Option<PathBuf>,
    },
    /// Bytes on the wire per office update, by kind: AgentHQ's diffs (MessagePack, or
    /// compact with `--codec compact`) against
    /// the Generic Corp way (each changed agent or task emitted whole over Socket.io),
    /// measured on a live workspace.
    Sizes {
        /// The server's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The workspace to follow (`agenthq demo` prints the demo's).
        workspace: agenthq_protocol::WorkspaceId,
        /// An access token or API key, for a private workspace.
        #[arg(long, env = "AGENTHQ_TOKEN")]
        token: Option<String>,
        /// Diff frames to measure.
        #[arg(long, default_value_t = 400)]
        diffs: u64,
        /// The subprotocol to measure: `msgpack` or `compact` (entities by number).
        #[arg(long, default_value = "msgpack", value_parser = ["msgpack", "compact"])]
        codec: String,
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
        Cmd::Compare(target) => (|| {
            let options = target.options("compare-")?;
            let results = options.results.clone();
            let runtime = tokio::runtime::Runtime::new()?;
            let runs = runtime.block_on(agenthq_loadtest::compare::compare(options))?;
            let table = agenthq_loadtest::compare::table(&runs);
            std::fs::write(results.join("compare.md"), &table)?;
            println!("{table}\nreports: {}", results.display());
            Ok(())
        })(),
        Cmd::Tasks {
            url,
            jobs,
            concurrency,
            redis,
            batch,
            results,
        } => tasks(&url, jobs, concurrency, &redis, batch, results),
        Cmd::Sizes {
            url,
            workspace,
            token,
            diffs,
            codec,
        } => (|| {
            let runtime = tokio::runtime::Runtime::new()?;
            let sizes = runtime.block_on(agenthq_loadtest::sizes::measure(
                &url,
                workspace,
                token,
                diffs,
                codec == "compact",
            ))?;
            println!("{}", sizes.table());
            Ok(())
        })(),
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
        Cmd::Run(target) => (|| {
            let options = target.options("")?;
            let results = options.results.clone();
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(driver::run(options))?;
            println!("{}", report.markdown());
            println!("report: {}", results.display());
            if let Some(failover) = &report.failover {
                anyhow::ensure!(
                    failover.held(&report.counters),
                    "the failover check failed: see the report"
                );
            }
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

#[allow(clippy::print_stdout)] // The command's output.
fn tasks(
    url: &str,
    jobs: u64,
    concurrency: u32,
    redis: &str,
    batch: usize,
    results: Option<PathBuf>,
) -> anyhow::Result<()> {
    use agenthq_loadtest::tasks;
    let runtime = tokio::runtime::Runtime::new()?;
    let ours = runtime.block_on(tasks::agenthq(url, jobs, concurrency, batch))?;
    let theirs = tasks::bullmq(jobs, concurrency, redis)?;
    let ratio = ours.jobs_per_sec / theirs.jobs_per_sec.max(f64::MIN_POSITIVE);
    let table = format!(
        "| system | jobs | concurrency | seconds | jobs/s |\n| --- | --- | --- | --- | --- |\n\
         | AgentHQ (HTTP API, durable store) | {} | {} | {:.2} | {:.0} |\n\
         | BullMQ (Redis) | {} | {} | {:.2} | {:.0} |\n\nAgentHQ / BullMQ: **{ratio:.2}×**\n",
        ours.jobs,
        ours.concurrency,
        ours.seconds,
        ours.jobs_per_sec,
        theirs.jobs,
        theirs.concurrency,
        theirs.seconds,
        theirs.jobs_per_sec,
    );
    let dir = results.unwrap_or_else(|| default_results("tasks"));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("tasks.md"), &table)?;
    let json = serde_json::json!({ "agenthq": ours, "bullmq": theirs, "ratio": ratio });
    std::fs::write(
        dir.join("tasks.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    println!("{table}\nreport: {}", dir.display());
    Ok(())
}
