//! The Redis bridge: diffs of the workspaces this node owns go out to Redis once per topic
//! and tick; diffs of topics this node follows (for its own subscribers) come in and are
//! fanned out by the local [`MemoryBus`], which keeps their history for resumes.
//!
//! - Out: [`RedisBus::publish`] hands each publication to the local bus and queues its
//!   MessagePack bytes (the same bytes local MessagePack subscribers get) for a publisher
//!   task, which pipelines `PUBLISH agenthq:topic:{topic}`. The queue is bounded
//!   ([`OUTBOUND_QUEUE`]); when Redis is slow or away, frames that do not fit are dropped
//!   and counted: the followers see the seq gap and resync their subscribers.
//! - In: one pub/sub connection per node, subscribed to every followed topic and to the
//!   node's own probe channel. A received diff is checked against the topic's last
//!   (epoch, seq): in order, it is published to the local bus (never back to Redis); after
//!   a gap, the topic's local subscribers are made to resync first.
//! - Health: every [`BridgeConfig::probe_every`] the node publishes a probe on its own
//!   channel; a pub/sub connection that has not delivered the last probe within
//!   [`BridgeConfig::probe_timeout`] is taken for dead (it may look alive and deliver
//!   nothing) and replaced. After any reconnect every followed topic may have missed
//!   diffs, so all of them are interrupted: their subscribers resync.
//! - Requests: the same connection carries the node's request and reply channels (see
//!   [`rpc`](super::rpc)), so a node whose pub/sub is down is not reachable for requests
//!   either, and callers learn it at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use agenthq_protocol::Topic;
use bytes::Bytes;
use dashmap::DashSet;
use futures::StreamExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::rpc::{self, RequestHandler, Rpc, RpcError};
use super::{NodeId, RedisLink};
use crate::bus::{Bus, MemoryBus, Publication, SendBudget, Start, Subscription};
use agenthq_protocol::Resume;

/// Frames queued for Redis before new ones are dropped.
pub const OUTBOUND_QUEUE: usize = 4096;
/// Most frames sent in one pipeline.
const PIPELINE: usize = 256;
/// How long a Redis command (or connecting) may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// The bridge's timings.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    pub probe_every: Duration,
    pub probe_timeout: Duration,
    /// First wait before reconnecting; doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// A followed topic with no local subscriber this long is unfollowed (checked at each
    /// probe).
    pub unfollow_after: Duration,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        Self {
            probe_every: Duration::from_secs(2),
            probe_timeout: Duration::from_secs(5),
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            unfollow_after: Duration::from_secs(60),
        }
    }
}

/// Why a follow failed.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("the Redis bridge is not connected")]
    Disconnected,
}

fn topic_channel(topic: &Topic) -> String {
    format!("agenthq:topic:{topic}")
}

fn probe_channel(node: &NodeId) -> String {
    format!("agenthq:node:{node}:probe")
}

enum Control {
    Follow(Topic, oneshot::Sender<Result<(), BridgeError>>),
    Unfollow(Topic),
}

/// A [`Bus`] for a node of a cluster: the local bus, plus the bridge to Redis.
#[derive(Debug, Clone)]
pub struct RedisBus {
    local: Arc<MemoryBus>,
    rpc: Arc<Rpc>,
    /// Topics this node publishes (it owns their workspace): their copies from Redis are
    /// not taken in again.
    publishing: Arc<DashSet<Topic>>,
    outbound: mpsc::Sender<(Topic, Bytes)>,
    control: mpsc::Sender<Control>,
    connected: watch::Receiver<bool>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Control::Follow(topic, _) => write!(f, "Follow({topic})"),
            Control::Unfollow(topic) => write!(f, "Unfollow({topic})"),
        }
    }
}

impl RedisBus {
    /// Starts the publisher and the pub/sub tasks (on `tracker`, until `stop`).
    pub async fn start(
        url: &str,
        node: NodeId,
        local: Arc<MemoryBus>,
        config: BridgeConfig,
        tracker: &TaskTracker,
        stop: CancellationToken,
    ) -> redis::RedisResult<Self> {
        let link = RedisLink::new(url, COMMAND_TIMEOUT)?;
        let client = link.client().clone();
        let (outbound, queue) = mpsc::channel(OUTBOUND_QUEUE);
        let (control, controls) = mpsc::channel(64);
        let (connected_tx, connected) = watch::channel(false);
        let rpc = Arc::new(Rpc::new(node.clone(), link.clone()));
        let publishing = Arc::new(DashSet::new());
        tracker.spawn(publisher(link, queue, stop.clone()));
        let inbound = Inbound {
            client,
            publishing: publishing.clone(),
            rpc: rpc.clone(),
            node,
            local: local.clone(),
            config,
            followed: HashMap::new(),
            connected: connected_tx,
        };
        tracker.spawn(inbound.run(controls, stop));
        Ok(Self {
            local,
            rpc,
            publishing,
            outbound,
            control,
            connected,
        })
    }

    /// The local bus (what this node's subscribers read).
    pub fn local(&self) -> &Arc<MemoryBus> {
        &self.local
    }

    /// Whether the pub/sub connection is up (and delivered its last probe).
    pub fn is_connected(&self) -> bool {
        *self.connected.borrow()
    }

    /// Waits until the bridge is connected, or `timeout` passes.
    pub async fn connected_within(&self, timeout: Duration) -> bool {
        let mut connected = self.connected.clone();
        tokio::time::timeout(timeout, connected.wait_for(|up| *up))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Starts receiving a topic another node publishes; answers once Redis confirmed the
    /// subscription, so nothing published after this returns is missed. Following a
    /// topic twice is one follow; [`RedisBus::unfollow`] ends it.
    pub async fn follow(&self, topic: Topic) -> Result<(), BridgeError> {
        let (tx, rx) = oneshot::channel();
        self.control
            .send(Control::Follow(topic, tx))
            .await
            .map_err(|_| BridgeError::Disconnected)?;
        rx.await.map_err(|_| BridgeError::Disconnected)?
    }

    /// Stops receiving a topic.
    pub async fn unfollow(&self, topic: Topic) {
        let _ = self.control.send(Control::Unfollow(topic)).await;
    }

    /// This node no longer publishes the topics `mine` picks (it lost their workspace, and
    /// has stopped it): their local subscribers are told to resync, which subscribes them
    /// to the new owner's diffs, and copies from Redis are taken in again when followed.
    pub fn stop_publishing(&self, mine: impl Fn(&Topic) -> bool) {
        self.publishing.retain(|topic| !mine(topic));
        self.resync_local(mine);
    }

    /// Tells the local subscribers of the topics `which` picks to resync: what they follow
    /// changed hands (this node stopped the workspace, or took it over).
    pub fn resync_local(&self, which: impl Fn(&Topic) -> bool) {
        let told = self.local.interrupt_where(which);
        if told > 0 {
            metrics::counter!("agenthq_bridge_resyncs_total").increment(told as u64);
        }
    }

    /// Topics this node's clients watch that another node publishes.
    pub fn followed_topics(&self) -> Vec<Topic> {
        self.local
            .watched_topics()
            .into_iter()
            .filter(|t| !self.publishing.contains(t))
            .collect()
    }

    /// This node's id.
    pub fn node(&self) -> &NodeId {
        self.rpc.node()
    }

    /// Sends a request to another node and waits up to `timeout` for its answer (see
    /// [`rpc`](super::rpc)).
    pub async fn call(
        &self,
        target: &NodeId,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, RpcError> {
        self.rpc.call(target, body, timeout).await
    }

    /// Sets (or removes) what answers the requests other nodes send here.
    pub fn serve(&self, handler: Option<Arc<dyn RequestHandler>>) {
        self.rpc.serve(handler);
    }
}

impl Bus for RedisBus {
    fn publish(&self, publication: Arc<Publication>) {
        if !self.publishing.contains(&publication.topic) {
            self.publishing.insert(publication.topic);
        }
        self.local.publish(publication.clone());
        let Ok(bytes) = publication.for_peers() else {
            return;
        };
        match self.outbound.try_send((publication.topic, bytes)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Overflow policy: drop; followers see the gap and resync.
                metrics::counter!("agenthq_bridge_publish_dropped_total").increment(1);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn subscribe(
        &self,
        topic: Topic,
        resume: Option<Resume>,
        current: Resume,
        budget: Option<SendBudget>,
    ) -> (Start, Subscription) {
        self.local.subscribe(topic, resume, current, budget)
    }

    fn has_topic(&self, topic: &Topic) -> bool {
        self.local.has_topic(topic)
    }

    fn has_peers(&self) -> bool {
        true
    }
}

/// Sends queued frames to Redis, pipelined; a failed pipeline's frames are dropped (and
/// counted), and the next one goes on a fresh connection.
async fn publisher(
    redis: RedisLink,
    mut queue: mpsc::Receiver<(Topic, Bytes)>,
    stop: CancellationToken,
) {
    let mut batch = Vec::with_capacity(PIPELINE);
    loop {
        let received = tokio::select! {
            () = stop.cancelled() => return,
            n = queue.recv_many(&mut batch, PIPELINE) => n,
        };
        if received == 0 {
            return;
        }
        let mut pipe = redis::pipe();
        for (topic, bytes) in &batch {
            pipe.cmd("PUBLISH")
                .arg(topic_channel(topic))
                .arg(bytes.as_ref())
                .ignore();
        }
        match redis
            .query(|| async |c| pipe.query_async::<()>(c).await)
            .await
        {
            Ok(()) => {
                metrics::counter!("agenthq_bridge_published_total").increment(batch.len() as u64);
            }
            Err(err) => {
                tracing::warn!(error = %err, frames = batch.len(), "cannot publish to Redis; frames dropped");
                metrics::counter!("agenthq_bridge_publish_dropped_total")
                    .increment(batch.len() as u64);
            }
        }
        batch.clear();
    }
}

/// Where this node stands on a followed topic.
#[derive(Debug, Default)]
struct Followed {
    /// The last (epoch, seq) received, `None` before the first.
    last: Option<(u64, u64)>,
    /// Since when no local subscriber reads it.
    unwatched_since: Option<Instant>,
}

struct Inbound {
    client: redis::Client,
    publishing: Arc<DashSet<Topic>>,
    rpc: Arc<Rpc>,
    node: NodeId,
    local: Arc<MemoryBus>,
    config: BridgeConfig,
    followed: HashMap<Topic, Followed>,
    connected: watch::Sender<bool>,
}

/// One connection's worth of pub/sub.
struct Session {
    sink: redis::aio::PubSubSink,
    stream: redis::aio::PubSubStream,
    probes: redis::aio::MultiplexedConnection,
}

/// Why a connected session ended.
enum Ended {
    Stop,
    Lost(String),
}

impl Inbound {
    async fn run(mut self, mut controls: mpsc::Receiver<Control>, stop: CancellationToken) {
        let mut backoff = self.config.backoff;
        let mut first = true;
        loop {
            let session = tokio::select! {
                () = stop.cancelled() => return,
                s = self.connect() => s,
            };
            match session {
                Ok(session) => {
                    if !first {
                        metrics::counter!("agenthq_bridge_reconnects_total").increment(1);
                    }
                    first = false;
                    backoff = self.config.backoff;
                    // Anything may have been missed while no connection was up.
                    self.interrupt_all();
                    let _ = self.connected.send(true);
                    let ended = self.serve(session, &mut controls, &stop).await;
                    let _ = self.connected.send(false);
                    match ended {
                        Ended::Stop => return,
                        Ended::Lost(why) => {
                            tracing::warn!(reason = %why, "Redis pub/sub lost; reconnecting");
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot reach Redis pub/sub; retrying");
                    // Follows asked for meanwhile are refused, not left waiting.
                    while let Ok(control) = controls.try_recv() {
                        self.control_offline(control);
                    }
                    tokio::select! {
                        () = stop.cancelled() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
            }
        }
    }

    /// A pub/sub connection subscribed to everything followed, and a command connection
    /// of its own for the probes (both replaced together).
    async fn connect(&self) -> redis::RedisResult<Session> {
        let timed_out = || redis::RedisError::from((redis::ErrorKind::Io, "connect timed out"));
        let pubsub = tokio::time::timeout(COMMAND_TIMEOUT, self.client.get_async_pubsub())
            .await
            .map_err(|_| timed_out())??;
        let probes = self
            .client
            .get_multiplexed_async_connection_with_config(
                &redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(COMMAND_TIMEOUT))
                    .set_response_timeout(Some(COMMAND_TIMEOUT)),
            )
            .await?;
        let (mut sink, stream) = pubsub.split();
        sink.subscribe(&[
            probe_channel(&self.node),
            rpc::request_channel(&self.node),
            rpc::reply_channel(&self.node),
        ])
        .await?;
        let channels: Vec<String> = self.followed.keys().map(topic_channel).collect();
        if !channels.is_empty() {
            sink.subscribe(channels).await?;
        }
        Ok(Session {
            sink,
            stream,
            probes,
        })
    }

    fn control_offline(&mut self, control: Control) {
        match control {
            Control::Follow(topic, reply) => {
                // Kept: the next connection subscribes it; the caller learns it is down.
                self.followed.entry(topic).or_default();
                let _ = reply.send(Err(BridgeError::Disconnected));
            }
            Control::Unfollow(topic) => {
                self.followed.remove(&topic);
            }
        }
    }

    fn interrupt_all(&mut self) {
        for (topic, followed) in &mut self.followed {
            followed.last = None;
            let told = self.local.interrupt(topic);
            if told > 0 {
                metrics::counter!("agenthq_bridge_resyncs_total").increment(told as u64);
            }
        }
    }

    async fn serve(
        &mut self,
        session: Session,
        controls: &mut mpsc::Receiver<Control>,
        stop: &CancellationToken,
    ) -> Ended {
        let Session {
            mut sink,
            mut stream,
            probes,
        } = session;
        let probe_channel = probe_channel(&self.node);
        let (requests, replies) = (
            rpc::request_channel(&self.node),
            rpc::reply_channel(&self.node),
        );
        let mut probe = tokio::time::interval(self.config.probe_every);
        probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut probe_seq: u64 = 0;
        // The oldest probe sent and not yet seen back.
        let mut awaited: Option<(u64, Instant)> = None;
        loop {
            tokio::select! {
                () = stop.cancelled() => return Ended::Stop,
                _ = probe.tick() => {
                    if let Some((_, sent)) = awaited
                        && sent.elapsed() >= self.config.probe_timeout
                    {
                        return Ended::Lost("probe not delivered".into());
                    }
                    if let Err(err) = self.unfollow_unwatched(&mut sink).await {
                        return Ended::Lost(err.to_string());
                    }
                    probe_seq += 1;
                    // Sent on the side, so a slow Redis does not hold this loop; a probe
                    // that could not be sent is never seen, which is the point.
                    let mut redis = probes.clone();
                    let (channel, seq) = (probe_channel.clone(), probe_seq);
                    tokio::spawn(async move {
                        let _: redis::RedisResult<()> = redis::cmd("PUBLISH")
                            .arg(channel)
                            .arg(seq)
                            .query_async(&mut redis)
                            .await;
                    });
                    awaited.get_or_insert((probe_seq, Instant::now()));
                }
                control = controls.recv() => {
                    let Some(control) = control else { return Ended::Stop };
                    if let Err(err) = self.control(&mut sink, control).await {
                        return Ended::Lost(err.to_string());
                    }
                }
                message = stream.next() => {
                    let Some(message) = message else {
                        return Ended::Lost("connection closed".into());
                    };
                    let channel = message.get_channel_name();
                    if channel == probe_channel {
                        let seen: u64 = message.get_payload().unwrap_or(0);
                        if awaited.is_some_and(|(seq, _)| seen >= seq) {
                            awaited = None;
                        }
                    } else if channel == requests {
                        self.rpc.on_request(message.get_payload_bytes());
                    } else if channel == replies {
                        self.rpc.on_reply(message.get_payload_bytes());
                    } else {
                        self.received(&message);
                    }
                }
            }
        }
    }

    /// Unfollows the topics no local subscriber has read for `unfollow_after`, so a node
    /// receives only what its own clients watch.
    async fn unfollow_unwatched(
        &mut self,
        sink: &mut redis::aio::PubSubSink,
    ) -> redis::RedisResult<()> {
        let now = Instant::now();
        let mut gone = Vec::new();
        for (topic, followed) in &mut self.followed {
            if self.local.subscriber_count(topic) > 0 {
                followed.unwatched_since = None;
                continue;
            }
            let since = *followed.unwatched_since.get_or_insert(now);
            if now.duration_since(since) >= self.config.unfollow_after {
                gone.push(*topic);
            }
        }
        for topic in gone {
            self.followed.remove(&topic);
            sink.unsubscribe(topic_channel(&topic)).await?;
            metrics::counter!("agenthq_bridge_unfollowed_total").increment(1);
        }
        Ok(())
    }

    async fn control(
        &mut self,
        sink: &mut redis::aio::PubSubSink,
        control: Control,
    ) -> redis::RedisResult<()> {
        match control {
            Control::Follow(topic, reply) => {
                if let Some(followed) = self.followed.get_mut(&topic) {
                    // Its subscriber registers next: not unfollowed meanwhile.
                    followed.unwatched_since = None;
                    let _ = reply.send(Ok(()));
                    return Ok(());
                }
                match sink.subscribe(topic_channel(&topic)).await {
                    Ok(()) => {
                        self.followed.insert(topic, Followed::default());
                        let _ = reply.send(Ok(()));
                        Ok(())
                    }
                    Err(err) => {
                        // Kept, so the next connection subscribes it.
                        self.followed.entry(topic).or_default();
                        let _ = reply.send(Err(BridgeError::Disconnected));
                        Err(err)
                    }
                }
            }
            Control::Unfollow(topic) => {
                if self.followed.remove(&topic).is_some() {
                    sink.unsubscribe(topic_channel(&topic)).await?;
                }
                Ok(())
            }
        }
    }

    fn received(&mut self, message: &redis::Msg) {
        let Some(topic) = message
            .get_channel_name()
            .strip_prefix("agenthq:topic:")
            .and_then(|t| t.parse::<Topic>().ok())
        else {
            return;
        };
        if self.publishing.contains(&topic) {
            return; // This node owns it now: its own diffs, already delivered here.
        }
        let Some(followed) = self.followed.get_mut(&topic) else {
            return; // Unfollowed while the message was on its way.
        };
        let bytes = Bytes::copy_from_slice(message.get_payload_bytes());
        let publication = match Publication::from_peer(bytes) {
            Ok(p) if p.topic == topic => p,
            Ok(_) | Err(_) => {
                metrics::counter!("agenthq_bridge_bad_frames_total").increment(1);
                tracing::warn!(%topic, "undecodable frame from Redis; ignored");
                return;
            }
        };
        metrics::counter!("agenthq_bridge_received_total").increment(1);
        let (epoch, seq) = (publication.epoch, publication.seq);
        match followed.last {
            Some((e, s)) if e == epoch && seq <= s => return, // Already had it.
            Some((e, s)) if e == epoch && seq != s + 1 => {
                // Lost on the wire: what local subscribers have does not lead here.
                metrics::counter!("agenthq_bridge_gaps_total").increment(1);
                let told = self.local.interrupt(&topic);
                metrics::counter!("agenthq_bridge_resyncs_total").increment(told as u64);
            }
            _ => {}
        }
        followed.last = Some((epoch, seq));
        self.local.publish(Arc::new(publication));
    }
}
