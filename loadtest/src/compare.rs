//! `agenthq-loadtest compare <scenario>`: the same watchers against AgentHQ and against the
//! Socket.io anchor the way the Generic Corp stack ran it (every changed agent's whole
//! object emitted to every client) and at its best (rooms, changed fields only, one
//! message per tick), in one sitting; one table with the ratios.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::driver::{self, RunOptions};
use crate::report::Report;

/// Port the anchor listens on.
const ANCHOR_PORT: u16 = 18_100;

/// Starts the Socket.io anchor for `style` with the scenario's office; waits until it
/// listens.
fn start_anchor(options: &RunOptions, style: &str) -> anyhow::Result<Child> {
    let anchors = Path::new(env!("CARGO_MANIFEST_DIR")).join("anchors");
    let install = Command::new(anchors.join("install.sh")).status()?;
    anyhow::ensure!(install.success(), "installing the anchors failed");
    let office = &options.scenario.office;
    let mut child = Command::new("node")
        .current_dir(anchors.join("socketio"))
        .args(["server.mjs", "--port", &ANCHOR_PORT.to_string()])
        .args(["--workspaces", &office.workspaces.to_string()])
        .args(["--agents", &office.agents_of(0).to_string()])
        .args(["--tick-ms", "50", "--change", "0.3", "--style", style])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow::anyhow!("anchor stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    anyhow::ensure!(
        line.starts_with("listening"),
        "the anchor did not start: {line:?}"
    );
    Ok(child)
}

/// One run per system; answers the reports in order: AgentHQ, Socket.io full, rooms.
pub async fn compare(options: RunOptions) -> anyhow::Result<Vec<(String, Report)>> {
    let mut out = Vec::new();
    let ours = driver::run(RunOptions {
        results: options.results.join("agenthq"),
        ..options.clone()
    })
    .await?;
    out.push(("AgentHQ (MessagePack diffs)".to_owned(), ours));
    for (style, name) in [
        ("full", "Socket.io, full objects to all"),
        ("rooms", "Socket.io, rooms + changed fields"),
    ] {
        let mut anchor = start_anchor(&options, style)?;
        let run = driver::run(RunOptions {
            urls: vec![format!("http://127.0.0.1:{ANCHOR_PORT}")],
            server_pids: vec![anchor.id()],
            results: options.results.join(format!("socketio-{style}")),
            socketio: true,
            ..options.clone()
        })
        .await;
        let _ = anchor.kill();
        let _ = anchor.wait();
        out.push((name.to_owned(), run?));
    }
    Ok(out)
}

/// The side-by-side table, with each figure's ratio to AgentHQ's.
pub fn table(runs: &[(String, Report)]) -> String {
    let mut md = String::from(
        "| system | watchers held | frames/s | bytes/s per watcher | p50 / p99 (ms) | server CPU per 1k frames (ms) | server RSS per connection (B) |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, r) in runs {
        let held = r.counters.held.max(1) as f64;
        let server = r.server.as_ref();
        md += &format!(
            "| {name} | {} | {:.0} | {:.0} | {:.1} / {:.1} | {} | {} |\n",
            r.counters.held,
            r.frames_per_sec,
            r.bytes_per_sec / held,
            r.latency_ms.p50,
            r.latency_ms.p99,
            server.map_or("-".into(), |s| format!("{:.2}", s.cpu_ms_per_1k_frames)),
            server
                .and_then(|s| s.rss_per_connection_bytes)
                .map_or("-".into(), |b| format!("{b:.0}")),
        );
    }
    if let Some((_, ours)) = runs.first() {
        md += "\nRatios (AgentHQ ÷ other; for p99 and bytes, other ÷ AgentHQ, so higher is better for AgentHQ):\n\n";
        for (name, r) in runs.iter().skip(1) {
            let div = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
            md += &format!(
                "- vs {name}: frames/s {:.2}×, p99 {:.2}×, bytes per watcher {:.2}×\n",
                div(ours.frames_per_sec, r.frames_per_sec),
                div(r.latency_ms.p99, ours.latency_ms.p99),
                div(r.bytes_per_sec, ours.bytes_per_sec),
            );
        }
    }
    md
}
