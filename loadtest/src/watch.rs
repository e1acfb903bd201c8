//! One worker's watchers: WebSocket clients that follow a topic as an integration would
//! (hello, subscribe, snapshot, diffs), checking every seq, resubscribing with `resume`
//! on a gap, and, under churn, leaving and coming back with `resume`. A worker is one
//! thread with a single-threaded runtime, so its watchers share one [`Stats`] without
//! locks; several workers (processes) give parallelism.

use std::cell::RefCell;
use std::net::{Ipv4Addr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agenthq_protocol::{ClientMessage, Codec, Resume, Topic};
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

use crate::head::{Kind, decode};
use crate::scenario::{Churn, WireCodec};
use crate::stats::Stats;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Wait before reconnecting after a lost connection.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// Bytes a watcher reads from its socket at once.
const READ_BUFFER: usize = 2 * 1024;
/// A ping this often keeps watchers clear of the server's idle timeout.
const PING_EVERY: Duration = Duration::from_secs(20);
/// A watcher that has received nothing for this long at the end counts as stalled.
const STALLED_AFTER: Duration = Duration::from_secs(10);

/// One watcher's job.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchJob {
    /// `ws://host:port/ws`.
    pub url: String,
    /// Other nodes' gateways, tried in turn when this one cannot be reached or drops the
    /// connection (a client of a cluster may connect to any node).
    #[serde(default)]
    pub fallbacks: Vec<String>,
    pub topic: Topic,
    /// Against the Socket.io anchor: the room to join (the topic is unused).
    #[serde(default)]
    pub room: Option<String>,
    pub source: Ipv4Addr,
    /// When to connect, as Unix time in seconds (the ramp spreads these).
    pub connect_at: f64,
}

/// What a worker runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerPlan {
    pub codec: WireCodec,
    pub churn: Option<Churn>,
    /// Unix time (seconds) when measuring starts: latency before it is not recorded.
    pub measure_from: u64,
    /// Unix time (seconds) when the watchers close.
    pub stop_at: u64,
    pub jobs: Vec<WatchJob>,
    /// Seed for churn lifetimes.
    pub seed: u64,
}

fn now_unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// A worker's shared state: its stats and how many connections are open now.
#[derive(Debug, Default)]
pub struct Shared {
    pub stats: Stats,
    pub open: u64,
}

/// Runs every job of `plan` until its stop time (or `stop`), on the current thread's
/// runtime; answers what they measured.
pub async fn run_worker(plan: WorkerPlan, stop: CancellationToken, shared: Rc<RefCell<Shared>>) {
    let deadline = Duration::from_micros((plan.stop_at * 1_000_000).saturating_sub(now_unix_us()));
    let local = tokio::task::LocalSet::new();
    let plan = Rc::new(plan);
    local
        .run_until(async {
            let mut handles = Vec::new();
            for (n, job) in plan.jobs.iter().enumerate() {
                let (plan, shared, stop, job) = (
                    Rc::clone(&plan),
                    Rc::clone(&shared),
                    stop.clone(),
                    job.clone(),
                );
                handles.push(tokio::task::spawn_local(async move {
                    let wait = job.connect_at - now_unix_us() as f64 / 1e6;
                    tokio::time::sleep(Duration::from_secs_f64(wait.max(0.0))).await;
                    watcher(&plan, &job, n as u64, &shared, &stop).await;
                }));
            }
            tokio::select! {
                () = tokio::time::sleep(deadline) => {}
                () = stop.cancelled() => {}
            }
            // What is held at the end, before the watchers close.
            let open = shared.borrow().open;
            shared.borrow_mut().stats.counters.held = open;
            stop.cancel();
            for h in handles {
                let _ = h.await;
            }
        })
        .await;
}

type Socket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn connect(url: &str, source: Ipv4Addr, subprotocol: Option<&str>) -> Result<Socket, String> {
    let mut request = url.into_client_request().map_err(|e| format!("url: {e}"))?;
    if let Some(subprotocol) = subprotocol {
        request.headers_mut().insert(
            "sec-websocket-protocol",
            subprotocol.parse().map_err(|_| "header".to_string())?,
        );
    }
    let host = request.uri().host().ok_or("url without host")?.to_owned();
    let port = request.uri().port_u16().unwrap_or(80);
    let addr: SocketAddr = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("resolve: {e}"))?
        .find(SocketAddr::is_ipv4)
        .ok_or("no IPv4 address")?;
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {}", e.kind()))?;
    // Bound before connect: each loopback source address has its own ~28k ports.
    socket
        .bind(SocketAddr::from((source, 0)))
        .map_err(|e| format!("bind {source}: {}", e.kind()))?;
    let stream = socket
        .connect(addr)
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    let _ = stream.set_nodelay(true);
    // tungstenite zero-fills its free read buffer before each read, up to this size (128
    // KiB by default, which cost watchers a fifth of their time): 2 KiB hold most ticks'
    // diffs (a larger frame takes two reads) and keep each watcher small.
    let config = WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    let (socket, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    Ok(socket)
}

fn encode(codec: WireCodec, message: &ClientMessage) -> Message {
    match codec {
        WireCodec::Msgpack | WireCodec::Compact => Message::Binary(
            Codec::MessagePack
                .encode(message)
                .unwrap_or_default()
                .into(),
        ),
        WireCodec::Json => Message::Text(
            String::from_utf8(Codec::Json.encode(message).unwrap_or_default())
                .unwrap_or_default()
                .into(),
        ),
    }
}

/// A small deterministic generator (splitmix64) for churn lifetimes.
fn splitmix(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

/// How one connection ended.
enum End {
    Stop,
    Churn,
    Lost,
}

async fn watcher(
    plan: &WorkerPlan,
    job: &WatchJob,
    n: u64,
    shared: &RefCell<Shared>,
    stop: &CancellationToken,
) {
    let mut rng = plan.seed ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d);
    // Where this watcher's copy stands, kept across reconnects for `resume`.
    let mut at: Option<Resume> = None;
    let mut first = true;
    let urls: Vec<&str> = std::iter::once(job.url.as_str())
        .chain(job.fallbacks.iter().map(String::as_str))
        .collect();
    let mut node = 0;
    while !stop.is_cancelled() {
        if !first {
            shared.borrow_mut().stats.counters.reconnects += 1;
        }
        first = false;
        shared.borrow_mut().stats.counters.attempted += 1;
        let socket = tokio::select! {
            () = stop.cancelled() => return,
            r = tokio::time::timeout(CONNECT_TIMEOUT, connect(urls[node % urls.len()], job.source, job.room.is_none().then(|| plan.codec.subprotocol()))) => {
                r.unwrap_or_else(|_| Err("connect: timed out".into()))
            }
        };
        let mut socket = match socket {
            Ok(s) => s,
            Err(why) => {
                {
                    let counters = &mut shared.borrow_mut().stats.counters;
                    counters.failed += 1;
                    counters.error(why.split(':').next().unwrap_or("connect").to_owned());
                }
                node += 1;
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(RECONNECT_AFTER) => continue,
                }
            }
        };
        {
            let mut s = shared.borrow_mut();
            s.stats.counters.connected += 1;
            s.open += 1;
        }
        let lifetime = plan.churn.as_ref().map(|c| {
            let [lo, hi] = c.lifetime_secs;
            Duration::from_secs_f64(lo + (hi - lo) * splitmix(&mut rng))
        });
        let end = match &job.room {
            Some(room) => {
                follow_socketio(&mut socket, room, lifetime, shared, plan.measure_from, stop).await
            }
            None => {
                follow(
                    plan.codec,
                    &mut socket,
                    job.topic,
                    &mut at,
                    lifetime,
                    shared,
                    plan.measure_from,
                    stop,
                )
                .await
            }
        };
        shared.borrow_mut().open -= 1;
        let _ = socket.close(None).await;
        match end {
            End::Stop => return,
            End::Churn => {}
            End::Lost => {
                node += 1;
                tokio::select! {
                    () = stop.cancelled() => return,
                    () = tokio::time::sleep(RECONNECT_AFTER) => {}
                }
            }
        }
    }
}

/// Follows `topic` on an open connection until it ends.
#[allow(clippy::too_many_arguments)] // One connection's whole context.
async fn follow(
    codec: WireCodec,
    socket: &mut Socket,
    topic: Topic,
    at: &mut Option<Resume>,
    lifetime: Option<Duration>,
    shared: &RefCell<Shared>,
    measure_from: u64,
    stop: &CancellationToken,
) -> End {
    let hello = encode(codec, &ClientMessage::Hello { token: None });
    let resuming = at.is_some();
    let subscribe = encode(codec, &ClientMessage::Subscribe { topic, resume: *at });
    if socket.send(hello).await.is_err() || socket.send(subscribe).await.is_err() {
        shared.borrow_mut().stats.counters.error("send");
        return End::Lost;
    }
    if resuming {
        shared.borrow_mut().stats.counters.resyncs += 1;
    }
    // After a resume, the first message says whether the server replayed or sent a snapshot.
    let mut awaiting_resume = resuming;
    // A resubscribe is on its way: diffs that do not follow are the old stream's, not new gaps.
    let mut catching_up = resuming;
    let churn = tokio::time::sleep(lifetime.unwrap_or(Duration::MAX / 4));
    tokio::pin!(churn);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    // Made once: a `cancelled()` made at every frame registers with the shared token anew.
    let stopped = stop.cancelled();
    tokio::pin!(stopped);
    let mut heard = tokio::time::Instant::now();
    loop {
        let frame = tokio::select! {
            () = &mut stopped => {
                if heard.elapsed() >= STALLED_AFTER {
                    shared.borrow_mut().stats.counters.stalled += 1;
                }
                return End::Stop;
            }
            () = &mut churn => return End::Churn,
            _ = ping.tick() => {
                let _ = socket.send(encode(codec, &ClientMessage::Ping)).await;
                continue;
            }
            frame = socket.next() => frame,
        };
        let bytes = match data(frame, shared) {
            Ok(Some(message)) => message.into_data(),
            Ok(None) => continue,
            Err(end) => return end,
        };
        let now = now_unix_us();
        heard = tokio::time::Instant::now();
        let Some(head) = decode(codec, &bytes) else {
            shared
                .borrow_mut()
                .stats
                .counters
                .error("undecodable frame");
            continue;
        };
        let resubscribe = {
            let mut s = shared.borrow_mut();
            let measuring = now / 1_000_000 >= measure_from;
            let latency = head
                .server_time
                .filter(|_| measuring && head.kind == Kind::Diff)
                .map(|t| now.saturating_sub(t));
            s.stats.frame(now / 1_000_000, bytes.len() as u64, latency);
            match head.kind {
                Kind::Snapshot => {
                    s.stats.counters.snapshots += 1;
                    *at = Some(Resume {
                        epoch: head.epoch,
                        seq: head.seq,
                    });
                    (awaiting_resume, catching_up) = (false, false);
                    None
                }
                Kind::Diff => {
                    s.stats.counters.diffs += 1;
                    s.stats
                        .updates(now / 1_000_000, head.ops.unwrap_or(0), bytes.len() as u64);
                    match *at {
                        None => None, // Before the snapshot that opens the subscription.
                        Some(last) if head.epoch == last.epoch && head.seq == last.seq + 1 => {
                            if awaiting_resume {
                                s.stats.counters.replays += 1;
                            }
                            (awaiting_resume, catching_up) = (false, false);
                            *at = Some(Resume {
                                epoch: head.epoch,
                                seq: head.seq,
                            });
                            None
                        }
                        Some(last) if head.epoch == last.epoch && head.seq <= last.seq => None,
                        Some(_) if catching_up => None,
                        Some(last) => {
                            if head.epoch == last.epoch {
                                s.stats.counters.gaps += 1;
                            } else {
                                s.stats.counters.new_epochs += 1;
                            }
                            catching_up = true;
                            Some(last)
                        }
                    }
                }
                Kind::Error => {
                    let code = head.code.unwrap_or_default();
                    if code == "resync_required" {
                        catching_up = true;
                        *at
                    } else {
                        s.stats.counters.error(format!("error {code}"));
                        None
                    }
                }
                Kind::Other => None,
            }
        };
        if let Some(resume) = resubscribe {
            shared.borrow_mut().stats.counters.resyncs += 1;
            let again = encode(
                codec,
                &ClientMessage::Subscribe {
                    topic,
                    resume: Some(resume),
                },
            );
            if socket.send(again).await.is_err() {
                return End::Lost;
            }
        }
    }
}

/// A data frame (text or binary); `None` for a control frame. A close, a read error or
/// the end of the stream counts its kind and answers how the connection ended.
fn data(
    frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    shared: &RefCell<Shared>,
) -> Result<Option<Message>, End> {
    let kind = match frame {
        Some(Ok(m @ (Message::Binary(_) | Message::Text(_)))) => return Ok(Some(m)),
        Some(Ok(Message::Close(close))) => {
            format!("close {}", close.map_or(1005, |c| u16::from(c.code)))
        }
        Some(Ok(_)) => return Ok(None),
        Some(Err(e)) => format!("read: {}", short(&e.to_string())),
        None => "closed".to_owned(),
    };
    shared.borrow_mut().stats.counters.error(kind);
    Err(End::Lost)
}

/// Only the delivery time of a Socket.io event's payload and, for a room's message, how
/// many changes it carries; the rest is skipped.
#[derive(Debug, Deserialize)]
struct EventHead {
    #[serde(default)]
    server_time: Option<u64>,
    /// A followed AgentHQ tick's ops (`--follow`), or the simulated office's changes.
    #[serde(default, alias = "changes")]
    ops: Option<Vec<serde::de::IgnoredAny>>,
}

/// Follows a room of the Socket.io anchor over Engine.IO 4's WebSocket transport: the
/// open packet, `40` to join the default namespace, a `subscribe` event with the room,
/// then `42[...]` events (counted as diffs, latency from their `server_time`); pings
/// (`2`) are answered (`3`). Socket.io has no sequence numbers, so nothing here can
/// detect a gap.
async fn follow_socketio(
    socket: &mut Socket,
    room: &str,
    lifetime: Option<Duration>,
    shared: &RefCell<Shared>,
    measure_from: u64,
    stop: &CancellationToken,
) -> End {
    let churn = tokio::time::sleep(lifetime.unwrap_or(Duration::MAX / 4));
    tokio::pin!(churn);
    let join = format!("42[\"subscribe\",{}]", serde_json::Value::from(room));
    let stopped = stop.cancelled();
    tokio::pin!(stopped);
    loop {
        let frame = tokio::select! {
            () = &mut stopped => return End::Stop,
            () = &mut churn => return End::Churn,
            frame = socket.next() => frame,
        };
        let text = match data(frame, shared) {
            Ok(Some(Message::Text(t))) => t,
            Ok(_) => continue,
            Err(end) => return end,
        };
        let now = now_unix_us();
        let reply = {
            let mut s = shared.borrow_mut();
            let text = text.as_str();
            let latency = if let Some(event) = text.strip_prefix("42") {
                s.stats.counters.diffs += 1;
                // ["name", payload]
                let head = serde_json::from_str::<(serde::de::IgnoredAny, EventHead)>(event)
                    .ok()
                    .map(|(_, head)| head);
                // A whole object is one update; a room's message, one per change.
                let updates = head
                    .as_ref()
                    .and_then(|h| h.ops.as_ref())
                    .map_or(1, |ops| ops.len() as u64);
                s.stats.updates(now / 1_000_000, updates, text.len() as u64);
                head.and_then(|h| h.server_time)
                    .filter(|_| now / 1_000_000 >= measure_from)
                    .map(|t| now.saturating_sub(t))
            } else {
                None
            };
            s.stats.frame(now / 1_000_000, text.len() as u64, latency);
            match text.as_bytes().first() {
                Some(b'0') => Some("40".to_owned()),
                Some(b'2') => Some("3".to_owned()),
                Some(b'4') if text.starts_with("40") => {
                    s.stats.counters.snapshots += 1; // Joined: the nearest thing to a snapshot.
                    Some(join.clone())
                }
                _ => None,
            }
        };
        if let Some(reply) = reply
            && socket.send(Message::Text(reply.into())).await.is_err()
        {
            return End::Lost;
        }
    }
}

/// The first words of an error, as an error kind.
fn short(message: &str) -> String {
    message
        .split([':', '('])
        .next()
        .unwrap_or(message)
        .trim()
        .to_owned()
}
