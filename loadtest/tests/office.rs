//! A tiny `office` run against the real server in this process: two workspaces, eight
//! watchers in two worker processes, a few seconds. The report's counts must agree with
//! each other and with what the server says it sent.

use std::net::SocketAddr;

use agenthq_loadtest::driver::{self, RunOptions};
use agenthq_loadtest::scenario::Scenario;
use agenthq_server::{Application, Settings};

const TINY: &str = r#"
name = "tiny"
description = "two small offices, eight watchers"
duration_secs = 3
ramp_secs = 1

[office]
workspaces = 2
agents = [3, 5]
task_steps = 2
step_ms = 100

[watchers]
per_workspace = 4

[submitters]
per_workspace = 1
tasks_per_sec = 5.0

[workers]
processes = 2
source_addrs = ["127.0.0.1", "127.0.0.2"]
"#;

/// The server's `agenthq_ws_frames_sent_total`.
async fn frames_sent(base: &str) -> u64 {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("agenthq_ws_frames_sent_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_office_run_reports_consistent_counts() {
    let data = tempfile::tempdir().unwrap();
    let settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data.path().to_owned(),
        ..Settings::default()
    };
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));

    let results = tempfile::tempdir().unwrap();
    let options = RunOptions {
        scenario: Scenario::parse(TINY, "tiny").unwrap(),
        urls: vec![base.clone()],
        server_pids: vec![std::process::id()],
        results: results.path().to_owned(),
        in_process: false,
        worker_exe: Some(env!("CARGO_BIN_EXE_agenthq-loadtest").into()),
        command: "test".into(),
        progress: false,
        socketio: false,
        prepared: None,
        kill_pid: None,
        setup_url: None,
    };
    let report = driver::run(options).await.unwrap();
    let c = &report.counters;
    assert_eq!((c.attempted, c.connected, c.failed), (8, 8, 0), "{c:?}");
    assert_eq!(c.held, 8, "all held to the end");
    assert_eq!(c.snapshots, 8, "one snapshot per watcher");
    assert!(c.diffs > 8, "the offices changed: {c:?}");
    // A diff is sent only when something changed: each carries one update or more.
    assert!(c.updates >= c.diffs, "{c:?}");
    assert!(c.update_bytes > 0 && c.update_bytes < c.bytes, "{c:?}");
    assert_eq!(
        (c.gaps, c.resyncs),
        (0, 0),
        "no gaps on a quiet machine: {c:?}"
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    // Every frame: a welcome, a snapshot, then diffs (and pongs, none in 4 s).
    assert_eq!(c.frames, 8 + c.snapshots + c.diffs);
    assert!(c.tasks_submitted > 0 && c.tasks_refused == 0, "{c:?}");
    assert!(report.latency_ms.samples > 0 && report.latency_ms.p99 < 5_000.0);
    assert!(
        report.server.is_some(),
        "the server's CPU and memory were read"
    );

    // The server counts a frame when it queues it; the watchers closed while the last
    // diffs may have been on their way, at most a couple per watcher.
    let sent = frames_sent(&base).await;
    assert!(sent >= c.frames, "received {} of {sent} sent", c.frames);
    assert!(
        sent - c.frames <= 8 * 3,
        "received {} of {sent} sent",
        c.frames
    );

    for file in ["report.json", "report.md", "latency.svg", "throughput.svg"] {
        assert!(results.path().join(file).is_file(), "{file} written");
    }
}
