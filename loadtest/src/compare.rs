//! `agenthq-loadtest compare <scenario>`: the same watchers against AgentHQ and against the
//! Socket.io anchor the way the Generic Corp stack ran it (every changed agent or task
//! emitted whole to every client) and at its best (rooms, changed fields only, one
//! message per tick), in one sitting; one table with the ratios. The offices are made
//! once on AgentHQ and their submitters run throughout; the anchor follows those very
//! workspaces and re-emits their changes, so every system carries the same content.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::driver::{self, Prepared, RunOptions};
use crate::report::Report;
use crate::scenario::WireCodec;

/// Port the anchor listens on.
const ANCHOR_PORT: u16 = 18_100;

/// Starts the Socket.io anchor for `style` with the scenario's office; waits until it
/// listens.
fn start_anchor(options: &RunOptions, style: &str, follow: &Prepared) -> anyhow::Result<Child> {
    let anchors = Path::new(env!("CARGO_MANIFEST_DIR")).join("anchors");
    let install = Command::new(anchors.join("install.sh")).status()?;
    anyhow::ensure!(install.success(), "installing the anchors failed");
    let topics: Vec<String> = follow.made.iter().map(|m| m.id.to_string()).collect();
    let gateway = format!("{}/ws", options.urls[0].replacen("http", "ws", 1));
    let mut child = Command::new("node")
        .current_dir(anchors.join("socketio"))
        .args([
            "server.mjs",
            "--port",
            &ANCHOR_PORT.to_string(),
            "--style",
            style,
        ])
        .args(["--follow", &gateway, "--topics", &topics.join(",")])
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

/// One run per system; answers the reports in order: AgentHQ, Socket.io whole objects,
/// rooms.
pub async fn compare(options: RunOptions) -> anyhow::Result<Vec<(String, Report)>> {
    let prepared = Prepared::new(
        &options.scenario,
        options.setup_url.as_deref(),
        &options.urls,
    )
    .await?;
    let runs = phases(&options, &prepared).await;
    prepared.finish();
    runs
}

async fn phases(
    options: &RunOptions,
    prepared: &Prepared,
) -> anyhow::Result<Vec<(String, Report)>> {
    let mut out = Vec::new();
    let ours = driver::run(RunOptions {
        results: options.results.join("agenthq"),
        prepared: Some(prepared.clone()),
        ..options.clone()
    })
    .await?;
    let label = match options.scenario.codec {
        WireCodec::Msgpack => "AgentHQ (MessagePack diffs)",
        WireCodec::Json => "AgentHQ (JSON diffs)",
        WireCodec::Compact => "AgentHQ (compact diffs)",
    };
    out.push((label.to_owned(), ours));
    for (style, name) in [
        ("full", "Socket.io, whole objects to all"),
        ("rooms", "Socket.io, rooms + changed fields"),
    ] {
        let mut anchor = start_anchor(options, style, prepared)?;
        let run = driver::run(RunOptions {
            urls: vec![format!("http://127.0.0.1:{ANCHOR_PORT}")],
            server_pids: vec![anchor.id()],
            results: options.results.join(format!("socketio-{style}")),
            socketio: true,
            prepared: Some(prepared.clone()),
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
        "| system | watchers held | frames/s | updates/s | bytes per update | bytes/s per watcher | p50 / p99 (ms) | server CPU per 1k frames (ms) | server RSS per connection (B) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, r) in runs {
        let held = r.counters.held.max(1) as f64;
        let server = r.server.as_ref();
        md += &format!(
            "| {name} | {} | {:.0} | {:.0} | {:.1} | {:.0} | {:.1} / {:.1} | {} | {} |\n",
            r.counters.held,
            r.frames_per_sec,
            r.updates_per_sec,
            r.bytes_per_update,
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
        let per_watcher = |r: &Report| r.bytes_per_sec / r.counters.held.max(1) as f64;
        for (name, r) in runs.iter().skip(1) {
            let div = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
            md += &format!(
                "- vs {name}: frames/s {:.2}×, updates/s {:.2}×, p99 {:.2}×, bytes per update {:.2}×, bytes per watcher {:.2}×\n",
                div(ours.frames_per_sec, r.frames_per_sec),
                div(ours.updates_per_sec, r.updates_per_sec),
                div(r.latency_ms.p99, ours.latency_ms.p99),
                div(r.bytes_per_update, ours.bytes_per_update),
                div(per_watcher(r), per_watcher(ours)),
            );
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Context;
    use crate::stats::Stats;

    fn report(
        held: u64,
        frames_per_sec: u64,
        bytes: u64,
        updates_per_frame: u64,
        latency_us: u64,
    ) -> Report {
        let mut stats = Stats::default();
        for n in 0..frames_per_sec {
            stats.frame(10, bytes, Some(latency_us + n));
            stats.updates(10, updates_per_frame, bytes);
        }
        stats.counters.held = held;
        let context = Context {
            scenario: "fanout".into(),
            description: String::new(),
            command: String::new(),
            urls: Vec::new(),
            watchers_planned: held,
            measured_from: 10,
            measured_secs: 1,
            tasks_accepted: 0,
            failover: None,
            server: None,
            server_rss: Default::default(),
        };
        Report::new(context, &stats)
    }

    #[test]
    fn the_table_puts_ratios_per_watcher_with_higher_better_for_agenthq() {
        let runs = vec![
            ("AgentHQ".to_owned(), report(100, 2_000, 100, 10, 10_000)),
            ("Socket.io".to_owned(), report(50, 1_000, 400, 1, 40_000)),
        ];
        let md = table(&runs);
        assert!(
            md.contains("| AgentHQ | 100 | 2000 | 20000 | 10.0 | 2000 |"),
            "{md}"
        );
        // Frames 2000 / 1000; updates 20 000 / 1 000; p99 41 ms / 12 ms; bytes per
        // update 400 / 10; bytes per watcher 8000 / 2000.
        assert!(
            md.contains("vs Socket.io: frames/s 2.00×, updates/s 20.00×, p99 3.42×"),
            "{md}"
        );
        assert!(
            md.contains("bytes per update 40.00×, bytes per watcher 4.00×"),
            "{md}"
        );
    }
}
