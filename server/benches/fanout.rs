//! WebSocket fan-out: one `agenthq demo` server process with a busy office (50 agents, a
//! short task every 20 ms, so the office changes at every 50 ms tick), and N watchers
//! (default 5 000) in this second process following it over MessagePack.
//!
//! Reports: server RSS per idle connection (after `hello`, before subscribing), delivered
//! diff frames and bytes per second, and delivery latency from each diff's `server_time`
//! (p50 / p99 / max).
//!
//! `cargo bench -p agenthq-server --bench fanout`; `FANOUT_WATCHERS` and `FANOUT_SECONDS`
//! change the size and the measuring time; `FANOUT_SERVER_BIN` runs another `agenthq`
//! binary (an older build, to compare two versions in one sitting).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

/// Only what a watcher needs from each frame; the ops are skipped, not built.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    server_time: Option<u64>,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_bytes(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc (Linux only)");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS");
    kib * 1024
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Socket {
    let mut request = url.into_client_request().expect("url");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "agenthq.v1.msgpack".parse().expect("header"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    let hello = rmp_serde::to_vec_named(&serde_json::json!({ "type": "hello" })).expect("encode");
    socket
        .send(Message::Binary(hello.into()))
        .await
        .expect("hello");
    socket.next().await.expect("welcome").expect("welcome");
    socket
}

#[allow(clippy::print_stdout)]
fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; this bench has no cases to list.
    }
    let watchers = env_or("FANOUT_WATCHERS", 5_000) as usize;
    let seconds = env_or("FANOUT_SECONDS", 10);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    let data = tempfile::tempdir().expect("temp dir");
    let binary = std::env::var("FANOUT_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_agenthq").to_owned());
    let mut server = Command::new(binary)
        .args(["demo", "--quiet", "--agents", "50", "--task-every-ms", "20"])
        .env("AGENTHQ_LISTEN", format!("127.0.0.1:{port}"))
        .env("AGENTHQ_DATA_DIR", data.path())
        .env(
            "AGENTHQ_WS_MAX_CONNECTIONS_PER_IP",
            (watchers + 10).to_string(),
        )
        // Every watcher's upgrade comes from 127.0.0.1: past the address's request rate.
        .env("AGENTHQ_RATE_LIMITS__ENABLED", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start agenthq demo");
    let stdout = server.stdout.take().expect("stdout");
    let workspace = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.trim()
                .strip_prefix("workspace")
                .map(|id| id.trim().to_owned())
        })
        .expect("the demo prints its workspace");
    let pid = server.id();
    let url = format!("ws://127.0.0.1:{port}/ws");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        tokio::time::sleep(Duration::from_secs(2)).await; // Let the office get busy.
        let base = rss_bytes(pid);
        let started = Instant::now();
        let sockets: Vec<Socket> = futures::stream::iter(0..watchers)
            .map(|_| connect(&url))
            .buffer_unordered(64)
            .collect()
            .await;
        let connect_took = started.elapsed();
        let idle = rss_bytes(pid);

        let frames = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(AtomicU64::new(0));
        let measuring = CancellationToken::new();
        let stop = CancellationToken::new();
        let subscribe = rmp_serde::to_vec_named(&serde_json::json!({
            "type": "subscribe", "topic": format!("workspace/{workspace}")
        }))
        .expect("encode");
        let mut tasks = Vec::new();
        for mut socket in sockets {
            let (frames, bytes, measuring, stop) = (
                frames.clone(),
                bytes.clone(),
                measuring.clone(),
                stop.clone(),
            );
            let subscribe = subscribe.clone();
            tasks.push(tokio::spawn(async move {
                let mut latency =
                    Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
                socket
                    .send(Message::Binary(subscribe.into()))
                    .await
                    .expect("subscribe");
                loop {
                    let frame = tokio::select! {
                        () = stop.cancelled() => break,
                        frame = socket.next() => frame,
                    };
                    let Some(Ok(Message::Binary(payload))) = frame else {
                        break;
                    };
                    let Ok(head) = rmp_serde::from_slice::<Head>(&payload) else {
                        continue;
                    };
                    if head.kind == "diff" && measuring.is_cancelled() {
                        frames.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(payload.len() as u64, Ordering::Relaxed);
                        let sent = head.server_time.unwrap_or(0);
                        latency.saturating_record(now_us().saturating_sub(sent).max(1));
                    }
                }
                latency
            }));
        }
        tokio::time::sleep(Duration::from_secs(2)).await; // Snapshots delivered, steady state.
        let window = Instant::now();
        measuring.cancel(); // From now on, count.
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let elapsed = window.elapsed().as_secs_f64();
        let (frames, bytes) = (
            frames.load(Ordering::Relaxed),
            bytes.load(Ordering::Relaxed),
        );
        stop.cancel();
        let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
        for task in tasks {
            if let Ok(h) = task.await {
                latency.add(&h).expect("merge");
            }
        }
        let busy = rss_bytes(pid);
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "WebSocket fan-out: {watchers} watchers, 1 workspace of 50 agents, {seconds} s measured"
        );
        println!("  connect + hello of all watchers   {connect_took:.1?}");
        println!(
            "  server RSS before / idle / busy   {:.1} / {:.1} / {:.1} MiB",
            base as f64 / 1048576.0,
            idle as f64 / 1048576.0,
            busy as f64 / 1048576.0
        );
        println!(
            "  server RSS per idle connection    {:.0} bytes",
            idle.saturating_sub(base) as f64 / watchers as f64
        );
        println!(
            "  diff frames delivered             {:.0} /s ({:.1} per watcher per s)",
            frames as f64 / elapsed,
            frames as f64 / elapsed / watchers as f64
        );
        println!(
            "  bytes delivered                   {:.1} MiB/s",
            bytes as f64 / elapsed / 1048576.0
        );
        println!(
            "  latency from server_time          p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(latency.value_at_quantile(0.5)),
            ms(latency.value_at_quantile(0.99)),
            ms(latency.max())
        );
    });
    let _ = server.kill();
    let _ = server.wait();
}
