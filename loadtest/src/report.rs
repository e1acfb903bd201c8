//! The run's report: JSON (for machines and `compare`), Markdown (a table a person reads)
//! and SVG charts (latency and throughput over time, and the server's memory when it was
//! read), written into a results folder.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::probe::Reading;
use crate::stats::{Counters, Stats};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub scenario: String,
    pub description: String,
    /// The command line that ran it.
    pub command: String,
    /// `nproc` and the kernel, as measured on.
    pub machine: String,
    /// Unix time the measuring window began, and its length in seconds.
    pub measured_from: u64,
    pub measured_secs: u64,
    pub urls: Vec<String>,
    pub watchers_planned: u64,
    pub counters: Counters,
    pub latency_ms: Percentiles,
    pub frames_per_sec: f64,
    pub bytes_per_sec: f64,
    pub bytes_per_frame: f64,
    /// Updates delivered per second (a diff's ops; against Socket.io, one per object
    /// emitted or per change in a room's message): the same content counted the same way
    /// whatever the framing.
    #[serde(default)]
    pub updates_per_sec: f64,
    /// Bytes on the wire per update, over the frames that carried updates.
    #[serde(default)]
    pub bytes_per_update: f64,
    pub tasks_per_sec: f64,
    pub server: Option<Server>,
    pub timeline: Vec<Point>,
    /// The node killed mid-run and what became of the accepted tasks (`[failover]`).
    #[serde(default)]
    pub failover: Option<FailoverCheck>,
}

/// A failover run's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailoverCheck {
    pub killed_pid: u32,
    /// Seconds into the measuring window; `None` if the run ended first.
    pub killed_at_secs: Option<u64>,
    /// Submissions sent again to another node (no answer, or a 5xx).
    pub retried: u64,
    /// Failed submission attempts by kind.
    #[serde(default)]
    pub submit_failures: std::collections::BTreeMap<String, u64>,
    pub tasks: crate::submit::Verification,
}

impl FailoverCheck {
    /// Nothing accepted was lost, everything finished, and no watcher saw a silent gap.
    pub fn held(&self, counters: &Counters) -> bool {
        self.killed_at_secs.is_some()
            && self.tasks.lost == 0
            && self.tasks.unfinished == 0
            && counters.gaps == 0
            && counters.stalled == 0
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub samples: u64,
}

/// The server process, read from /proc over the measuring window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Server {
    /// CPU used, in percent of one core.
    pub cpu_percent: f64,
    pub rss_start_bytes: u64,
    pub rss_end_bytes: u64,
    /// Growth of RSS per connection held, from before the watchers to the end.
    pub rss_per_connection_bytes: Option<f64>,
    /// CPU seconds per 1 000 frames delivered.
    pub cpu_ms_per_1k_frames: f64,
}

/// One second of the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Seconds since the measuring window began (negative: the ramp).
    pub t: i64,
    pub frames: u64,
    pub bytes: u64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// The server processes' resident memory that second (with `--server-pid`).
    #[serde(default)]
    pub server_rss_bytes: Option<u64>,
}

/// What the run was, besides what it measured.
#[derive(Debug, Clone)]
pub struct Context {
    pub scenario: String,
    pub description: String,
    pub command: String,
    pub urls: Vec<String>,
    pub watchers_planned: u64,
    pub measured_from: u64,
    pub measured_secs: u64,
    pub tasks_accepted: u64,
    pub failover: Option<FailoverCheck>,
    /// Server readings before the watchers connected, at the window's start and end, and
    /// the connections open at the end.
    pub server: Option<(Reading, Reading, Reading)>,
    /// The server processes' resident memory, by Unix second, read through the run.
    pub server_rss: std::collections::BTreeMap<u64, u64>,
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpus} CPUs, Linux {}", kernel.trim())
}

impl Report {
    pub fn new(context: Context, stats: &Stats) -> Self {
        let window = context.measured_from..context.measured_from + context.measured_secs;
        let in_window = stats.timeline.iter().filter(|(t, _)| window.contains(t));
        let (frames, bytes, updates) = in_window.fold((0, 0, 0), |(f, b, u), (_, s)| {
            (f + s.frames, b + s.bytes, u + s.updates)
        });
        let secs = context.measured_secs.max(1) as f64;
        let l = &stats.latency;
        let ms = |us: u64| us as f64 / 1000.0;
        let latency_ms = Percentiles {
            p50: ms(l.quantile(0.5)),
            p95: ms(l.quantile(0.95)),
            p99: ms(l.quantile(0.99)),
            max: ms(l.max()),
            samples: l.count(),
        };
        let server = context.server.map(|(before, start, end)| {
            let cpu = end.cpu_secs - start.cpu_secs;
            let held = stats.counters.held;
            Server {
                cpu_percent: 100.0 * cpu / secs,
                rss_start_bytes: before.rss_bytes,
                rss_end_bytes: end.rss_bytes,
                rss_per_connection_bytes: (held > 0)
                    .then(|| (end.rss_bytes as f64 - before.rss_bytes as f64) / held as f64),
                cpu_ms_per_1k_frames: if frames > 0 {
                    1000.0 * cpu * 1000.0 / frames as f64
                } else {
                    0.0
                },
            }
        });
        let timeline = stats
            .timeline
            .iter()
            .map(|(t, s)| Point {
                t: *t as i64 - context.measured_from as i64,
                frames: s.frames,
                bytes: s.bytes,
                p50_ms: s.quantile(0.5).map(ms),
                p99_ms: s.quantile(0.99).map(ms),
                server_rss_bytes: context.server_rss.get(t).copied(),
            })
            .collect();
        Report {
            scenario: context.scenario,
            description: context.description,
            command: context.command,
            machine: machine(),
            measured_from: context.measured_from,
            measured_secs: context.measured_secs,
            urls: context.urls,
            watchers_planned: context.watchers_planned,
            counters: stats.counters.clone(),
            latency_ms,
            frames_per_sec: frames as f64 / secs,
            bytes_per_sec: bytes as f64 / secs,
            bytes_per_frame: if frames > 0 {
                bytes as f64 / frames as f64
            } else {
                0.0
            },
            updates_per_sec: updates as f64 / secs,
            bytes_per_update: if stats.counters.updates > 0 {
                stats.counters.update_bytes as f64 / stats.counters.updates as f64
            } else {
                0.0
            },
            tasks_per_sec: context.tasks_accepted as f64 / secs,
            server,
            timeline,
            failover: context.failover,
        }
    }

    /// The table a person reads.
    pub fn markdown(&self) -> String {
        let c = &self.counters;
        let l = &self.latency_ms;
        let mut md = format!(
            "# Load test: {}\n\n{}\n\n- command: `{}`\n- machine: {}\n- servers: {}\n- measured: {} s\n\n",
            self.scenario,
            self.description,
            self.command,
            self.machine,
            self.urls.join(", "),
            self.measured_secs
        );
        md += "| measure | value |\n| --- | --- |\n";
        let mut row = |k: &str, v: String| {
            let _ = writeln!(md, "| {k} | {v} |");
        };
        row(
            "watchers planned / held at the end",
            format!("{} / {}", self.watchers_planned, c.held),
        );
        row(
            "connections attempted / made / failed",
            format!("{} / {} / {}", c.attempted, c.connected, c.failed),
        );
        row("frames/s delivered", format!("{:.0}", self.frames_per_sec));
        row("bytes/s delivered", format!("{:.0}", self.bytes_per_sec));
        row("bytes per frame", format!("{:.1}", self.bytes_per_frame));
        row(
            "updates/s delivered (a diff's ops; one per object emitted)",
            format!("{:.0}", self.updates_per_sec),
        );
        row(
            "bytes per update (frames that carried updates)",
            format!("{:.1}", self.bytes_per_update),
        );
        row(
            "latency p50 / p95 / p99 / max (ms)",
            format!("{:.1} / {:.1} / {:.1} / {:.1}", l.p50, l.p95, l.p99, l.max),
        );
        row(
            "snapshots / diffs",
            format!("{} / {}", c.snapshots, c.diffs),
        );
        row(
            "seq gaps detected / new epochs / resyncs / replays",
            format!(
                "{} / {} / {} / {}",
                c.gaps, c.new_epochs, c.resyncs, c.replays
            ),
        );
        row("reconnects", c.reconnects.to_string());
        row(
            "watchers stalled at the end (nothing for 10 s)",
            c.stalled.to_string(),
        );
        row(
            "tasks/s accepted (in the window)",
            format!("{:.1}", self.tasks_per_sec),
        );
        row(
            "tasks accepted / refused (whole run)",
            format!("{} / {}", c.tasks_submitted, c.tasks_refused),
        );
        if let Some(s) = &self.server {
            row("server CPU (% of a core)", format!("{:.0}", s.cpu_percent));
            row(
                "server CPU per 1 000 frames (ms)",
                format!("{:.2}", s.cpu_ms_per_1k_frames),
            );
            row(
                "server RSS before / end (MB)",
                format!(
                    "{:.1} / {:.1}",
                    s.rss_start_bytes as f64 / 1e6,
                    s.rss_end_bytes as f64 / 1e6
                ),
            );
            if let Some(per) = s.rss_per_connection_bytes {
                row("server RSS per connection (bytes)", format!("{per:.0}"));
            }
        }
        let errors = if c.errors.is_empty() {
            "none".into()
        } else {
            c.errors
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        row("errors", errors);
        md += &self.memory_over_time();
        if let Some(f) = &self.failover {
            let t = &f.tasks;
            let killed = f
                .killed_at_secs
                .map_or("not killed (the run ended first)".into(), |s| {
                    format!("process {} at {s} s", f.killed_pid)
                });
            let _ = write!(
                md,
                "\n## Failover\n\n| measure | value |\n| --- | --- |\n\
                 | node killed (SIGKILL) | {killed} |\n\
                 | submissions retried on another node | {} ({}) |\n\
                 | tasks accepted / finished / unfinished / lost | {} / {} / {} / {} |\n\
                 | waited for the last tasks (s) | {} |\n\
                 | silent seq gaps seen by watchers | {} |\n\
                 | watchers stalled at the end | {} |\n\
                 | verdict | {} |\n",
                f.retried,
                f.submit_failures
                    .iter()
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                t.accepted,
                t.finished,
                t.unfinished,
                t.lost,
                t.waited_secs,
                c.gaps,
                c.stalled,
                if f.held(c) {
                    "**held**: nothing lost, nothing silent, every watcher following"
                } else {
                    "**failed**"
                },
            );
        }
        md
    }

    /// Writes report.json, report.md, latency.svg and throughput.svg into `dir`.
    /// The server's memory at each tenth of the measuring window, for runs long enough
    /// (a minute or more) for a trend to mean something; empty otherwise.
    fn memory_over_time(&self) -> String {
        let window: Vec<(i64, u64)> = self
            .timeline
            .iter()
            .filter(|p| p.t >= 0)
            .filter_map(|p| Some((p.t, p.server_rss_bytes?)))
            .collect();
        if self.measured_secs < 60 || window.len() < 10 {
            return String::new();
        }
        let mut md = String::from(
            "\n## Server memory over the window\n\n| second | server RSS (MB) |\n| --- | --- |\n",
        );
        for tenth in 0..=10 {
            let i = (window.len() - 1) * tenth / 10;
            let (t, rss) = window[i];
            let _ = writeln!(md, "| {t} | {:.1} |", rss as f64 / 1e6);
        }
        let half = window.len() / 2;
        let growth = window[window.len() - 1].1 as f64 - window[half].1 as f64;
        let _ = writeln!(
            md,
            "\nOver the second half of the window the server's RSS changed by {:+.2} MB.",
            growth / 1e6
        );
        md
    }

    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("report.json"),
            serde_json::to_string_pretty(self)? + "\n",
        )?;
        std::fs::write(dir.join("report.md"), self.markdown())?;
        let p50: Vec<(f64, f64)> = self
            .timeline
            .iter()
            .filter_map(|p| Some((p.t as f64, p.p50_ms?)))
            .collect();
        let p99: Vec<(f64, f64)> = self
            .timeline
            .iter()
            .filter_map(|p| Some((p.t as f64, p.p99_ms?)))
            .collect();
        std::fs::write(
            dir.join("latency.svg"),
            chart(
                &format!("{}: delivery latency", self.scenario),
                "ms",
                &[("p50", &p50), ("p99", &p99)],
            ),
        )?;
        let fps: Vec<(f64, f64)> = self
            .timeline
            .iter()
            .map(|p| (p.t as f64, p.frames as f64))
            .collect();
        std::fs::write(
            dir.join("throughput.svg"),
            chart(
                &format!("{}: frames delivered", self.scenario),
                "frames/s",
                &[("frames/s", &fps)],
            ),
        )?;
        let rss: Vec<(f64, f64)> = self
            .timeline
            .iter()
            .filter_map(|p| Some((p.t as f64, p.server_rss_bytes? as f64 / 1e6)))
            .collect();
        if !rss.is_empty() {
            std::fs::write(
                dir.join("memory.svg"),
                chart(
                    &format!("{}: server memory", self.scenario),
                    "MB",
                    &[("RSS", &rss)],
                ),
            )?;
        }
        Ok(())
    }
}

/// A line chart as SVG: seconds across, `unit` up, one line per series.
pub fn chart(title: &str, unit: &str, series: &[(&str, &[(f64, f64)])]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 320.0;
    const PAD: f64 = 48.0;
    const COLOURS: [&str; 3] = ["#4d6ba8", "#d24b3e", "#4ca85a"];
    let points = series.iter().flat_map(|(_, s)| s.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0f64);
    for &(x, y) in points {
        (x0, x1, y1) = (x0.min(x), x1.max(x), y1.max(y));
    }
    if x0 > x1 {
        (x0, x1) = (0.0, 1.0);
    }
    let (span_x, top) = ((x1 - x0).max(1.0), if y1 > 0.0 { y1 * 1.1 } else { 1.0 });
    let sx = |x: f64| PAD + (x - x0) / span_x * (W - 2.0 * PAD);
    let sy = |y: f64| H - PAD - y / top * (H - 2.0 * PAD);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{PAD}\" y=\"24\" font-size=\"14\">{}</text>\n\
         <line x1=\"{PAD}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#888\"/>\n\
         <line x1=\"{PAD}\" y1=\"{PAD}\" x2=\"{PAD}\" y2=\"{b}\" stroke=\"#888\"/>\n\
         <text x=\"{PAD}\" y=\"{lb}\">{x0:.0} s</text><text x=\"{r}\" y=\"{lb}\" text-anchor=\"end\">{x1:.0} s</text>\n\
         <text x=\"8\" y=\"{PAD}\">{top:.1}</text><text x=\"8\" y=\"{b}\">0</text>\n\
         <text x=\"8\" y=\"{mid}\">{unit}</text>\n",
        escape(title),
        b = H - PAD,
        r = W - PAD,
        lb = H - PAD + 16.0,
        mid = H / 2.0,
    );
    for (i, (name, data)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let path: Vec<String> = data
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{}\"/>\n\
             <text x=\"{}\" y=\"{}\" fill=\"{colour}\">{}</text>",
            path.join(" "),
            W - PAD - 80.0,
            PAD + 16.0 * i as f64,
            escape(name)
        );
    }
    svg + "</svg>\n"
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> Stats {
        let mut s = Stats::default();
        for t in 100..110u64 {
            for n in 0..50u64 {
                s.frame(t, 100, Some(1_000 + n * 100));
            }
        }
        s.counters.held = 20;
        s.counters.gaps = 1;
        s.counters.resyncs = 1;
        s
    }

    #[test]
    fn a_report_counts_the_window_and_writes_every_file() {
        let context = Context {
            scenario: "tiny".into(),
            description: "a test".into(),
            command: "agenthq-loadtest run tiny".into(),
            urls: vec!["http://127.0.0.1:8080".into()],
            watchers_planned: 20,
            measured_from: 102,
            measured_secs: 5,
            tasks_accepted: 10,
            failover: None,
            server: Some((
                Reading {
                    cpu_secs: 1.0,
                    rss_bytes: 10_000_000,
                },
                Reading {
                    cpu_secs: 2.0,
                    rss_bytes: 10_100_000,
                },
                Reading {
                    cpu_secs: 4.5,
                    rss_bytes: 10_200_000,
                },
            )),
            server_rss: (100..110).map(|t| (t, 10_000_000 + t * 1_000)).collect(),
        };
        let report = Report::new(context, &stats());
        assert_eq!(
            report.frames_per_sec, 50.0,
            "5 s of the window, 50 frames each"
        );
        assert_eq!(report.bytes_per_frame, 100.0);
        assert_eq!(report.tasks_per_sec, 2.0);
        let server = report.server.unwrap();
        assert_eq!(server.cpu_percent, 50.0);
        assert_eq!(server.rss_per_connection_bytes, Some(10_000.0));
        assert!(
            (report.latency_ms.p50 - 3.5).abs() < 0.1,
            "{:?}",
            report.latency_ms
        );
        assert_eq!(
            report.timeline.first().unwrap().t,
            -2,
            "the ramp shows before zero"
        );

        let dir = tempfile::tempdir().unwrap();
        report.write(dir.path()).unwrap();
        let back: Report =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
                .unwrap();
        assert_eq!(back.counters, report.counters);
        let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
        assert!(
            md.contains("| frames/s delivered | 50 |")
                && md.contains(
                    "| seq gaps detected / new epochs / resyncs / replays | 1 / 0 / 1 / 0 |"
                ),
            "{md}"
        );
        assert_eq!(report.timeline[0].server_rss_bytes, Some(10_100_000));
        assert!(
            !md.contains("Server memory over the window"),
            "5 s is too short for a trend"
        );
        for svg in ["latency.svg", "throughput.svg", "memory.svg"] {
            let text = std::fs::read_to_string(dir.path().join(svg)).unwrap();
            assert!(
                text.starts_with("<svg") && text.contains("<polyline"),
                "{svg}"
            );
        }
    }

    #[test]
    fn a_long_run_reports_the_servers_memory_by_tenths_and_its_late_growth() {
        let mut stats = Stats::default();
        for t in 1_000..1_120u64 {
            stats.frame(t, 10, Some(1_000));
        }
        // Memory grows over the first minute, then holds at 50 MB but for the last second.
        let server_rss = (1_000..1_120u64)
            .map(|t| {
                (
                    t,
                    20_000_000 + 500_000 * (t - 1_000).min(60) + 1_000_000 * u64::from(t == 1_119),
                )
            })
            .collect();
        let context = Context {
            scenario: "soak".into(),
            description: String::new(),
            command: String::new(),
            urls: Vec::new(),
            watchers_planned: 1,
            measured_from: 1_000,
            measured_secs: 120,
            tasks_accepted: 0,
            failover: None,
            server: None,
            server_rss,
        };
        let md = Report::new(context, &stats).markdown();
        assert!(md.contains("## Server memory over the window"), "{md}");
        assert!(
            md.contains("| 0 | 20.0 |") && md.contains("| 119 | 51.0 |"),
            "{md}"
        );
        assert!(md.contains("| 59 | 49.5 |"), "the middle tenth: {md}");
        assert!(md.contains("changed by +1.00 MB"), "{md}");
    }

    #[test]
    fn a_failover_holds_only_with_nothing_lost_unfinished_silent_or_stalled() {
        let check = FailoverCheck {
            killed_pid: 1,
            killed_at_secs: Some(30),
            retried: 5,
            submit_failures: std::collections::BTreeMap::new(),
            tasks: crate::submit::Verification {
                accepted: 10,
                finished: 10,
                ..crate::submit::Verification::default()
            },
        };
        let clean = Counters::default();
        assert!(check.held(&clean));
        let with = |f: &dyn Fn(&mut FailoverCheck, &mut Counters)| {
            let (mut check, mut counters) = (check.clone(), Counters::default());
            f(&mut check, &mut counters);
            check.held(&counters)
        };
        assert!(!with(&|c, _| c.tasks.lost = 1), "a lost task");
        assert!(!with(&|c, _| c.tasks.unfinished = 1), "an unfinished task");
        assert!(!with(&|_, k| k.gaps = 1), "a silent gap");
        assert!(!with(&|_, k| k.stalled = 1), "a stalled watcher");
        assert!(!with(&|c, _| c.killed_at_secs = None), "no node killed");
    }
}
