//! A run: set up the offices, start the watcher workers (processes, or threads for tests)
//! and the submitters, read the server's CPU and memory, merge what the workers measured
//! and write the report.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agenthq_protocol::Topic;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::probe::{self, Reading};
use crate::report::{Context, Report};
use crate::scenario::Scenario;
use crate::stats::Stats;
use crate::submit::{self, Tally};
use crate::watch::{self, Shared, WatchJob, WorkerPlan};

/// How the driver runs a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub scenario: Scenario,
    /// Server base URLs (`http://host:port`); watchers and submitters spread over them.
    pub urls: Vec<String>,
    /// Server processes on this machine to read CPU and memory from.
    pub server_pids: Vec<u32>,
    /// Where the report goes.
    pub results: PathBuf,
    /// Workers as threads of this process instead of processes (tests).
    pub in_process: bool,
    /// The binary to start workers from (default: this one).
    pub worker_exe: Option<PathBuf>,
    /// The command line, for the report.
    pub command: String,
    /// A status line on stderr every second.
    pub progress: bool,
    /// The servers are the Socket.io anchor (`loadtest/anchors/socketio`): watchers join
    /// a room per workspace.
    pub socketio: bool,
    /// Offices made (and submitters started) by the caller, kept across runs (`compare`):
    /// no setup and no submitters of this run's own.
    pub prepared: Option<Prepared>,
    /// The server process the scenario's `[failover]` kills (SIGKILL) mid-run.
    pub kill_pid: Option<u32>,
    /// The node the offices are made through (default: the first of `urls`). In a
    /// cluster it becomes their owner, so watchers only on other nodes measure the bridge.
    pub setup_url: Option<String>,
}

/// Offices with their task submitters running, shared by several runs.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub made: Vec<crate::setup::Made>,
    pub tally: Arc<Tally>,
    stop: CancellationToken,
}

impl Prepared {
    /// Makes the scenario's offices through `setup` (default `urls[0]`) and starts their
    /// submitters on `urls`.
    pub async fn new(
        scenario: &Scenario,
        setup: Option<&str>,
        urls: &[String],
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(!urls.is_empty(), "no server: pass --url http://host:port");
        let made = crate::setup::offices(setup.unwrap_or(&urls[0]), scenario)
            .await
            .context("setting up the offices")?;
        let tally = if scenario.failover.is_some() {
            Tally::keeping_ids()
        } else {
            Tally::default()
        };
        let (tally, stop) = (Arc::new(tally), CancellationToken::new());
        let all = Arc::new(urls.to_vec());
        for (i, ws) in made.iter().enumerate() {
            for _ in 0..scenario.submitters.per_workspace {
                let target = submit::Target {
                    urls: Arc::clone(&all),
                    first: i % urls.len(),
                    workspace: ws.id,
                    key: ws.key.clone(),
                };
                tokio::spawn(submit::submitter(
                    target,
                    scenario.submitters.tasks_per_sec,
                    Arc::clone(&tally),
                    stop.clone(),
                ));
            }
        }
        Ok(Self { made, tally, stop })
    }

    /// Stops the submitters.
    pub fn finish(&self) {
        self.stop.cancel();
    }
}

/// A worker's line on stdout: progress each second, then its stats.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerLine {
    Progress { open: u64, frames: u64 },
    Done(Box<Stats>),
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn ws_url(base: &str) -> String {
    let rest = base
        .strip_prefix("http://")
        .map(|r| format!("ws://{r}"))
        .or_else(|| base.strip_prefix("https://").map(|r| format!("wss://{r}")))
        .unwrap_or_else(|| base.to_owned());
    format!("{}/ws", rest.trim_end_matches('/'))
}

fn sum(readings: &[Option<Reading>]) -> Option<Reading> {
    let all: Option<Vec<Reading>> = readings.iter().copied().collect();
    let all = all.filter(|a| !a.is_empty())?;
    Some(Reading {
        cpu_secs: all.iter().map(|r| r.cpu_secs).sum(),
        rss_bytes: all.iter().map(|r| r.rss_bytes).sum(),
    })
}

/// Runs the scenario; answers the report (also written into `results`).
pub async fn run(options: RunOptions) -> anyhow::Result<Report> {
    let scenario = &options.scenario;
    anyhow::ensure!(
        !options.urls.is_empty(),
        "no server: pass --url http://host:port"
    );
    // Offices and submitters: the caller's, or this run's own (stopped at its end).
    let owned = options.prepared.is_none();
    let prepared = match &options.prepared {
        Some(p) => p.clone(),
        None if options.socketio => Prepared {
            // The anchor's own office: rooms `ws0`, `ws1`, ...; nothing to submit to.
            made: (0..scenario.office.workspaces)
                .map(|n| crate::setup::Made {
                    id: agenthq_protocol::WorkspaceId::from_bytes([0; 16]),
                    key: String::new(),
                    agents: scenario.office.agents_of(n),
                    room: format!("ws{n}"),
                })
                .collect(),
            tally: Arc::default(),
            stop: CancellationToken::new(),
        },
        None => Prepared::new(scenario, options.setup_url.as_deref(), &options.urls).await?,
    };
    let made = &prepared.made;
    if scenario.failover.is_some() {
        anyhow::ensure!(
            options.kill_pid.is_some(),
            "the scenario kills a node mid-run: pass --kill-pid <pid of one of the --url servers>"
        );
    }
    // The node killed mid-run is left out of the CPU and memory readings.
    let read_server = || {
        sum(&options
            .server_pids
            .iter()
            .filter(|p| Some(**p) != options.kill_pid)
            .map(|p| probe::read(*p))
            .collect::<Vec<_>>())
    };
    let before = read_server();

    // The timetable, in Unix seconds: connect over the ramp, then measure.
    let start = unix_now().ceil() + 1.0;
    let measure_from = (start + scenario.ramp_secs as f64) as u64;
    let stop_at = measure_from + scenario.duration_secs;
    let total = scenario.total_watchers();
    let addrs = &scenario.workers.source_addrs;
    let processes = u64::from(scenario.workers.processes).min(total.max(1));
    let mut plans: Vec<WorkerPlan> = (0..processes)
        .map(|n| WorkerPlan {
            codec: scenario.codec,
            churn: scenario.churn.clone(),
            measure_from,
            stop_at,
            jobs: Vec::new(),
            seed: 0x5eed ^ n,
        })
        .collect();
    for i in 0..total {
        let ws = &made[(i % made.len() as u64) as usize];
        let base = &options.urls[(i % options.urls.len() as u64) as usize];
        let url = if options.socketio {
            format!(
                "{}/socket.io/?EIO=4&transport=websocket",
                ws_url(base).trim_end_matches("/ws")
            )
        } else {
            ws_url(base)
        };
        // The other nodes, in order after this one: where the watcher goes if its node
        // goes away.
        let fallbacks = (1..options.urls.len())
            .map(|k| ws_url(&options.urls[(i as usize + k) % options.urls.len()]))
            .filter(|_| !options.socketio)
            .collect();
        plans[(i % processes) as usize].jobs.push(WatchJob {
            url,
            fallbacks,
            topic: Topic::Workspace(ws.id),
            room: options.socketio.then(|| ws.room.clone()),
            source: addrs[(i % addrs.len() as u64) as usize],
            connect_at: start + scenario.ramp_secs as f64 * i as f64 / total.max(1) as f64,
        });
    }

    // Workers.
    let open = Arc::new(AtomicU64::new(0));
    let frames = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for (n, plan) in plans.into_iter().enumerate() {
        let (open, frames) = (Arc::clone(&open), Arc::clone(&frames));
        let worker = if options.in_process {
            std::thread::spawn(move || in_thread(plan))
        } else {
            let exe = match &options.worker_exe {
                Some(exe) => exe.clone(),
                None => std::env::current_exe().context("finding this program")?,
            };
            let mut child = Command::new(exe)
                .arg("worker")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .context("starting a worker process")?;
            let mut stdin = child.stdin.take().context("worker stdin")?;
            serde_json::to_writer(&mut stdin, &plan)?;
            stdin.write_all(b"\n")?;
            drop(stdin);
            let stdout = child.stdout.take().context("worker stdout")?;
            std::thread::spawn(move || {
                let mut last = (0, 0);
                let mut done = None;
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    match serde_json::from_str::<WorkerLine>(&line) {
                        Ok(WorkerLine::Progress { open: o, frames: f }) => {
                            // Add this worker's change since its last line.
                            open.fetch_add(o.wrapping_sub(last.0), Ordering::Relaxed);
                            frames.fetch_add(f.wrapping_sub(last.1), Ordering::Relaxed);
                            last = (o, f);
                        }
                        Ok(WorkerLine::Done(stats)) => done = Some(*stats),
                        Err(_) => {}
                    }
                }
                let _ = child.wait();
                done.ok_or_else(|| format!("worker {n} ended without its results"))
            })
        };
        workers.push(worker);
    }

    let tally = Arc::clone(&prepared.tally);

    // The window: server readings at its edges, a live status line (hidden off a terminal).
    let bar = if options.progress {
        indicatif::ProgressBar::new(stop_at.saturating_sub(start as u64))
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} s  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(scenario.name.clone());
    let mut at_start = None;
    let mut tasks_at_start = None;
    let kill_at = scenario
        .failover
        .as_ref()
        .map(|f| (measure_from + f.kill_after_secs) as f64);
    let mut killed_at = None;
    // The server's memory once a second, for the report's timeline.
    let mut server_rss = std::collections::BTreeMap::new();
    loop {
        let now = unix_now();
        if now >= stop_at as f64 {
            break;
        }
        if !server_rss.contains_key(&(now as u64))
            && let Some(reading) = read_server()
        {
            server_rss.insert(now as u64, reading.rss_bytes);
        }
        if let (Some(at), Some(pid), None) = (kill_at, options.kill_pid, killed_at)
            && now >= at
        {
            kill(pid)?;
            killed_at = Some(now as u64 - measure_from);
            bar.println(format!("killed server process {pid}"));
        }
        if tasks_at_start.is_none() && now >= measure_from as f64 {
            at_start = read_server();
            tasks_at_start = Some(tally.accepted.load(Ordering::Relaxed));
        }
        let phase = if now < measure_from as f64 {
            "ramp"
        } else {
            "measuring"
        };
        bar.set_position((now - start).max(0.0) as u64);
        bar.set_message(format!(
            "{phase}: {} / {total} watchers open, {} frames, {} tasks",
            open.load(Ordering::Relaxed),
            frames.load(Ordering::Relaxed),
            tally.accepted.load(Ordering::Relaxed),
        ));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let at_end = read_server();
    let tasks_in_window =
        tally.accepted.load(Ordering::Relaxed) - tasks_at_start.unwrap_or_default();
    if owned {
        prepared.finish();
    }
    bar.finish_and_clear();
    let verification = match &scenario.failover {
        Some(failover) => {
            // Submissions still being retried finish (or give up) first.
            tokio::time::sleep(Duration::from_secs(1)).await;
            let keys: Vec<_> = made.iter().map(|m| (m.id, m.key.clone())).collect();
            let check = submit::verify(
                &options.urls,
                &keys,
                &tally,
                Duration::from_secs(failover.drain_secs),
            )
            .await;
            Some(crate::report::FailoverCheck {
                killed_pid: options.kill_pid.unwrap_or_default(),
                killed_at_secs: killed_at,
                retried: tally.retried.load(Ordering::Relaxed),
                submit_failures: tally
                    .failures
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
                tasks: check,
            })
        }
        None => None,
    };

    let mut stats = Stats::default();
    for worker in workers {
        let part = tokio::task::spawn_blocking(move || worker.join())
            .await?
            .map_err(|_| anyhow::anyhow!("a worker panicked"))?
            .map_err(|e| anyhow::anyhow!(e))?;
        stats.merge(&part);
    }
    stats.counters.tasks_submitted = tally.accepted.load(Ordering::Relaxed);
    stats.counters.tasks_refused = tally.refused.load(Ordering::Relaxed);
    let context = Context {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        command: options.command.clone(),
        urls: options.urls.clone(),
        watchers_planned: total,
        measured_from: measure_from,
        measured_secs: scenario.duration_secs,
        tasks_accepted: tasks_in_window,
        failover: verification,
        server: before
            .zip(at_start)
            .zip(at_end)
            .map(|((b, s), e)| (b, s, e)),
        server_rss,
    };
    let report = Report::new(context, &stats);
    report
        .write(&options.results)
        .with_context(|| format!("writing the report into {}", options.results.display()))?;
    Ok(report)
}

/// Kills a server process at once (SIGKILL): no graceful shutdown, no lease given back.
fn kill(pid: u32) -> anyhow::Result<()> {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .context("running kill")?;
    anyhow::ensure!(status.success(), "could not kill process {pid}");
    Ok(())
}

/// A worker on a thread of its own (tests, and the worker process's main).
fn in_thread(plan: WorkerPlan) -> Result<Stats, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let shared = Rc::new(RefCell::new(Shared::default()));
    runtime.block_on(watch::run_worker(
        plan,
        CancellationToken::new(),
        Rc::clone(&shared),
    ));
    let stats = std::mem::take(&mut shared.borrow_mut().stats);
    Ok(stats)
}

/// `agenthq-loadtest worker`: reads a plan on stdin, prints progress lines and then its
/// stats on stdout.
pub fn worker_main() -> anyhow::Result<()> {
    // As many sockets as the hard limit allows.
    if let Ok((_, hard)) = rlimit::Resource::NOFILE.get() {
        let _ = rlimit::Resource::NOFILE.set(hard, hard);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let plan: WorkerPlan = serde_json::from_str(&line).context("reading the worker plan")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let shared = Rc::new(RefCell::new(Shared::default()));
    let stop = CancellationToken::new();
    runtime.block_on(async {
        let reporter = {
            let (shared, stop) = (Rc::clone(&shared), stop.clone());
            async move {
                let mut every = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tokio::select! {
                        () = stop.cancelled() => return,
                        _ = every.tick() => {}
                    }
                    let s = shared.borrow();
                    let line = WorkerLine::Progress {
                        open: s.open,
                        frames: s.stats.counters.frames,
                    };
                    println_json(&line);
                }
            }
        };
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let reporting = tokio::task::spawn_local(reporter);
                watch::run_worker(plan, stop.clone(), Rc::clone(&shared)).await;
                stop.cancel();
                let _ = reporting.await;
            })
            .await;
    });
    let stats = std::mem::take(&mut shared.borrow_mut().stats);
    println_json(&WorkerLine::Done(Box::new(stats)));
    Ok(())
}

#[allow(clippy::print_stdout)] // The worker's channel to the driver.
fn println_json(line: &WorkerLine) {
    if let Ok(text) = serde_json::to_string(line) {
        println!("{text}");
    }
}
