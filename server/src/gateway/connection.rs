//! One WebSocket connection: its phase (before and after `hello`), its subscriptions, and
//! the loop that reads client frames and writes deliveries.
//!
//! Generic over the socket (a `Stream` of frames and a `Sink` for them), so it runs the
//! same over a real WebSocket and over test channels.

use std::collections::HashMap;
use std::future::Future;

use agenthq_protocol::{
    ApprovalId, ClientMessage, Codec, Decision, ErrorCode, PROTOCOL_VERSION, Resume, ServerMessage,
    Topic, Verdict, WorkspaceId,
};
use agenthq_runtime::store::Role;
use agenthq_runtime::{Delivery, Opening, Publication, RuntimeError, SendBudget, Subscription};
use axum::extract::ws::{CloseFrame, Message};
use bytes::Bytes;

use futures::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use tokio_stream::StreamMap;

use super::limits::TallyPermit;
use super::{CredentialPermit, MAX_BAD_FRAMES, MAX_RATE_STRIKES, MAX_SUBSCRIPTIONS, close_code};
use crate::audit::ClientIp;
use crate::auth::Caller;
use crate::startup::AppState;

/// Why the loop ended, as a close frame to send (if the socket still takes one).
struct Close(u16, &'static str);

struct Connection<S> {
    /// The client's address (for the audit log).
    ip: ClientIp,
    socket: S,
    codec: Codec,
    state: AppState,
    greeted: bool,
    /// Who said `hello` with a credential; `None` for an anonymous watcher.
    caller: Option<Caller>,
    /// The `hello` credential, to act for the caller on the node that runs a workspace.
    token: Option<String>,
    /// Held while the connection lives: its slot under the credential's limit.
    _credential: Option<CredentialPermit>,
    /// The bus's subscriptions, polled together by this task: no task per subscription,
    /// and each one's own bounded buffer is the bound on what waits for this client.
    streams: StreamMap<Topic, Subscription>,
    /// What is queued for this connection, in bytes, over all its subscriptions.
    budget: SendBudget,
    /// Where the client stands on each followed topic.
    at: HashMap<Topic, Resume>,
    /// Seats held in private workspaces; made at the first (most watchers of the public
    /// office never need one).
    seats: Option<Box<Seats>>,
    bad_frames: u32,
    /// Messages the client may send now (`ws_messages_per_second`), and how many in a
    /// row were refused.
    allowance: Allowance,
    refused_in_a_row: u32,
}

pub(super) async fn run<S>(socket: S, codec: Codec, state: AppState, ip: ClientIp)
where
    S: Stream<Item = Result<Message, axum::Error>>
        + Sink<Message, Error = axum::Error>
        + Unpin
        + Send,
{
    metrics::gauge!("agenthq_ws_connections").increment(1.0);
    let send_queue_bytes = state.send_queue_bytes;
    let rate = state
        .rate
        .settings()
        .enabled
        .then_some(state.rate.settings().ws_messages_per_second);
    let mut conn = Connection {
        ip,
        socket,
        codec,
        state,
        greeted: false,
        caller: None,
        token: None,
        _credential: None,
        budget: SendBudget::new(codec, send_queue_bytes),
        streams: StreamMap::new(),
        at: HashMap::new(),
        seats: None,
        bad_frames: 0,
        allowance: Allowance::new(rate),
        refused_in_a_row: 0,
    };
    let close = conn.serve().await;
    metrics::gauge!("agenthq_ws_connections").decrement(1.0);
    if let Some(Close(code, reason)) = close {
        tracing::debug!(code, reason, "closing WebSocket connection");
        metrics::counter!("agenthq_ws_closed_total", "code" => code.to_string()).increment(1);
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(
            conn.state.send_timeout,
            conn.socket.send(Message::Close(Some(frame))),
        )
        .await;
    } else {
        // The client closed: send the close reply tungstenite queued for it.
        let _ = tokio::time::timeout(conn.state.send_timeout, conn.socket.flush()).await;
    }
}

impl<S> Connection<S>
where
    S: Stream<Item = Result<Message, axum::Error>>
        + Sink<Message, Error = axum::Error>
        + Unpin
        + Send,
{
    async fn serve(&mut self) -> Option<Close> {
        // Made once, not at every wake: each `cancelled()` future registers with the one
        // token every connection shares, and dropping it takes that registration's lock.
        let shutdown = self.state.shutdown.clone().cancelled_owned();
        tokio::pin!(shutdown);
        // Idle means nothing heard from the client; what we send does not count.
        let idle_timeout = self.state.idle_timeout;
        let idle = tokio::time::sleep(idle_timeout);
        tokio::pin!(idle);
        loop {
            tokio::select! {
                () = &mut shutdown => return Some(Close(close_code::GOING_AWAY, "server shutting down")),
                () = &mut idle => return Some(Close(close_code::IDLE, "idle timeout")),
                frame = self.socket.next() => {
                    let frame = match frame {
                        None => return None,
                        Some(Err(err)) => return Some(read_error(&err)),
                        Some(Ok(frame)) => frame,
                    };
                    idle.as_mut().reset(tokio::time::Instant::now() + idle_timeout);
                    if let Err(close) = Box::pin(self.on_frame(frame)).await {
                        return close;
                    }
                }
                Some((topic, delivery)) = self.streams.next(), if !self.streams.is_empty() => {
                    // Coalesce: write everything already delivered, then flush once.
                    let mut next = Some((topic, delivery));
                    while let Some((topic, delivery)) = next {
                        if let Err(close) = self.deliver(topic, delivery).await {
                            return Some(close);
                        }
                        next = self.streams.next().now_or_never().flatten();
                    }
                    if let Err(close) = self.flush().await {
                        return Some(close);
                    }
                }
            }
        }
    }

    /// Handles one frame from the client; `Err` ends the connection (with a close frame if
    /// `Some`).
    async fn on_frame(&mut self, frame: Message) -> Result<(), Option<Close>> {
        let decoded = match &frame {
            Message::Text(text) => Codec::Json.decode::<ClientMessage>(text.as_bytes()),
            Message::Binary(bytes) => Codec::MessagePack.decode::<ClientMessage>(bytes),
            Message::Close(_) => return Err(None),
            Message::Ping(_) | Message::Pong(_) => return Ok(()),
        };
        if !self.allowance.take() {
            self.refused_in_a_row += 1;
            if self.refused_in_a_row >= MAX_RATE_STRIKES {
                return Err(Some(Close(close_code::RATE_LIMITED, "too many messages")));
            }
            let message = format!(
                "at most {} messages per second; this one was not read",
                self.allowance.per_second
            );
            self.error(ErrorCode::RateLimited, &message, None)
                .await
                .map_err(Some)?;
            return self.flush().await.map_err(Some);
        }
        self.refused_in_a_row = 0;
        match decoded {
            Ok(message) => self.on_message(message).await.map_err(Some)?,
            Err(err) => {
                self.bad_frame(
                    ErrorCode::Malformed,
                    format!("not a message of this protocol: {err}"),
                    None,
                )
                .await
                .map_err(Some)?;
            }
        }
        self.flush().await.map_err(Some)
    }

    async fn on_message(&mut self, message: ClientMessage) -> Result<(), Close> {
        match message {
            ClientMessage::Ping => self.send(&ServerMessage::Pong).await,
            ClientMessage::Hello { .. } if self.greeted => {
                self.bad_frame(
                    ErrorCode::UnexpectedMessage,
                    "hello was already said".into(),
                    None,
                )
                .await
            }
            ClientMessage::Hello { token } => {
                if let Some(token) = token {
                    // Boxed, like `subscribe`: rare, deep futures (store queries) would
                    // otherwise size every idle connection's task.
                    Box::pin(self.authenticate(&token)).await?;
                }
                self.greeted = true;
                let welcome = ServerMessage::Welcome {
                    protocol_version: PROTOCOL_VERSION,
                    server_time: agenthq_runtime::task::now_us(),
                };
                self.send(&welcome).await
            }
            _ if !self.greeted => {
                self.bad_frame(ErrorCode::UnexpectedMessage, "say hello first".into(), None)
                    .await
            }
            ClientMessage::Subscribe { topic, resume } => {
                Box::pin(self.subscribe(topic, resume)).await
            }
            ClientMessage::Unsubscribe { topic } => {
                self.unsubscribe(topic);
                Ok(())
            }
            ClientMessage::Decide {
                approval,
                verdict,
                comment,
            } => Box::pin(self.decide(approval, verdict, comment)).await,
        }
    }

    /// Stops following `topic`; the last topic of a workspace gives its seat back.
    fn unsubscribe(&mut self, topic: Topic) {
        self.streams.remove(&topic);
        self.at.remove(&topic);
        if let Some(seats) = self.seats.as_mut()
            && let Some(workspace) = seats.needed_by.remove(&topic)
            && !seats.needed_by.values().any(|w| *w == workspace)
        {
            seats.held.remove(&workspace);
        }
    }

    /// A person's decision on an approval request, over the socket: the same checks as
    /// the HTTP route (the `member` role in the request's workspace), answered `decided`.
    async fn decide(
        &mut self,
        approval: ApprovalId,
        verdict: Verdict,
        comment: Option<String>,
    ) -> Result<(), Close> {
        let who = self.caller.as_ref().zip(self.token.as_deref());
        match decide(&self.state, who, self.ip, approval, verdict, comment).await {
            Ok(decision) => {
                self.send(&ServerMessage::Decided { approval, decision })
                    .await
            }
            Err((code, message)) => self.error(code, &message, None).await,
        }
    }

    /// Checks a `hello` credential and takes a slot under its connection limit; a refusal
    /// is an `error` and then a close.
    async fn authenticate(&mut self, token: &str) -> Result<(), Close> {
        let caller = match self.state.auth.authenticate(token).await {
            Ok(caller) => caller,
            Err(err) => {
                metrics::counter!("agenthq_ws_auth_failures_total").increment(1);
                self.error(ErrorCode::Unauthorized, &err.to_string(), None)
                    .await?;
                return Err(Close(close_code::UNAUTHORIZED, "credentials refused"));
            }
        };
        let Some(permit) = self.state.credentials.admit(caller.credential()) else {
            let message = "this credential holds all the connections it may; close one first";
            self.error(ErrorCode::RateLimited, message, None).await?;
            return Err(Close(
                close_code::CREDENTIAL_LIMIT,
                "too many connections for this credential",
            ));
        };
        self.caller = Some(caller);
        self.token = Some(token.to_owned());
        self._credential = Some(permit);
        Ok(())
    }

    async fn subscribe(&mut self, topic: Topic, resume: Option<Resume>) -> Result<(), Close> {
        if !self.at.contains_key(&topic) && self.at.len() >= MAX_SUBSCRIPTIONS {
            let message = format!("at most {MAX_SUBSCRIPTIONS} subscriptions per connection");
            return self
                .error(ErrorCode::TooManySubscriptions, &message, Some(topic))
                .await;
        }
        let seat = match authorize(&self.state, self.caller.as_ref(), &topic).await {
            Ok(seat) => seat,
            Err((code, message)) => return self.error(code, &message, Some(topic)).await,
        };
        let seats = match seat {
            Some(_) => Some(self.seats.get_or_insert_with(Box::default)),
            None => None,
        };
        if let (Some((workspace, tier)), Some(seats)) = (seat, seats)
            && !seats.held.contains_key(&workspace)
        {
            let max = self.state.runtime.config().tiers.get(tier).ws_connections as usize;
            let Some(permit) = self.state.watchers.admit(*workspace.as_uuid(), max) else {
                let message = format!(
                    "the workspace's {} tier allows {max} connections watching it at once; close one first",
                    tier.as_str()
                );
                return self
                    .error(ErrorCode::RateLimited, &message, Some(topic))
                    .await;
            };
            seats.held.insert(workspace, permit);
        }
        self.unsubscribe(topic);
        if let (Some((workspace, _)), Some(seats)) = (seat, self.seats.as_mut()) {
            seats.needed_by.insert(topic, workspace);
        }
        let subscription = match self
            .state
            .runtime
            .subscribe_with_budget(topic, resume, Some(self.budget.clone()))
            .await
        {
            Ok(subscription) => subscription,
            Err(err) => {
                let (code, message) = refusal(&err);
                return self.error(code, &message, Some(topic)).await;
            }
        };
        let mut at = resume.unwrap_or(Resume { epoch: 0, seq: 0 });
        match subscription.opening {
            Opening::Snapshot(snapshot) => {
                if let ServerMessage::Snapshot { epoch, seq, .. } = &snapshot {
                    at = Resume {
                        epoch: *epoch,
                        seq: *seq,
                    };
                }
                self.send(&snapshot).await?;
            }
            Opening::Replay(missed) => {
                for publication in missed {
                    at = Resume {
                        epoch: publication.epoch,
                        seq: publication.seq,
                    };
                    self.send_publication(&publication).await?;
                }
            }
        }
        self.streams.insert(topic, subscription.stream);
        self.at.insert(topic, at);
        Ok(())
    }

    async fn deliver(&mut self, topic: Topic, delivery: Delivery) -> Result<(), Close> {
        match delivery {
            Delivery::Publication(publication) => {
                let Some(at) = self.at.get_mut(&topic) else {
                    return Ok(());
                };
                if publication.epoch == at.epoch && publication.seq <= at.seq {
                    return Ok(()); // Already sent (in the replay that opened the subscription).
                }
                *at = Resume {
                    epoch: publication.epoch,
                    seq: publication.seq,
                };
                self.send_publication(&publication).await
            }
            Delivery::Lagged => {
                // The client fell behind: its pending diffs were dropped. Resubscribe from
                // where it stands: the missed diffs if history still has them, or a snapshot.
                let Some(at) = self.at.get(&topic).copied() else {
                    return Ok(());
                };
                tracing::debug!(%topic, "subscriber lagged; resyncing");
                metrics::counter!("agenthq_ws_resyncs_total").increment(1);
                Box::pin(self.subscribe(topic, Some(at))).await
            }
        }
    }

    async fn bad_frame(
        &mut self,
        code: ErrorCode,
        message: String,
        topic: Option<Topic>,
    ) -> Result<(), Close> {
        self.bad_frames += 1;
        metrics::counter!("agenthq_ws_bad_frames_total").increment(1);
        self.error(code, &message, topic).await?;
        if self.bad_frames >= MAX_BAD_FRAMES {
            return Err(Close(close_code::POLICY, "too many bad frames"));
        }
        Ok(())
    }

    async fn error(
        &mut self,
        code: ErrorCode,
        message: &str,
        topic: Option<Topic>,
    ) -> Result<(), Close> {
        self.send(&ServerMessage::Error {
            code,
            message: message.to_owned(),
            topic,
        })
        .await
    }

    async fn send(&mut self, message: &ServerMessage) -> Result<(), Close> {
        let bytes = self
            .codec
            .encode(message)
            .map_err(|_| Close(1011, "encoding failed"))?;
        self.feed(Bytes::from(bytes)).await
    }

    async fn send_publication(&mut self, publication: &Publication) -> Result<(), Close> {
        let bytes = publication
            .encoded(self.codec)
            .map_err(|_| Close(1011, "encoding failed"))?;
        self.feed(bytes).await
    }

    /// Queues a frame in the socket's write buffer (sent at the next flush).
    async fn feed(&mut self, bytes: Bytes) -> Result<(), Close> {
        let sent = sent_counters();
        sent.frames.increment(1);
        sent.bytes.increment(bytes.len() as u64);
        let frame = match self.codec {
            Codec::MessagePack | Codec::Compact => Message::Binary(bytes),
            Codec::Json => {
                Message::Text(bytes.try_into().map_err(|_| Close(1011, "invalid UTF-8"))?)
            }
        };
        let timeout = self.state.send_timeout;
        within(timeout, self.socket.feed(frame)).await
    }

    async fn flush(&mut self) -> Result<(), Close> {
        let timeout = self.state.send_timeout;
        within(timeout, self.socket.flush()).await
    }
}

/// Runs a socket write, closing with 4001 if it is still blocked after `timeout`. Most
/// writes complete at once; only one that does not arms a timer, so the hot path of a
/// fan-out (one feed and one flush per connection per tick) costs no timer entries.
async fn within(
    timeout: std::time::Duration,
    write: impl Future<Output = Result<(), axum::Error>>,
) -> Result<(), Close> {
    tokio::pin!(write);
    let done = match write.as_mut().now_or_never() {
        Some(done) => done,
        None => tokio::time::timeout(timeout, write)
            .await
            .map_err(|_| Close(close_code::SLOW_CONSUMER, "client too slow to read"))?,
    };
    done.map_err(|_| Close(1011, "write failed"))
}

/// The per-frame counters, registered once: `counter!` looks its key up in the recorder's
/// registry at every call, which adds up at 100 000 frames a second.
struct SentCounters {
    frames: metrics::Counter,
    bytes: metrics::Counter,
}

fn sent_counters() -> &'static SentCounters {
    static COUNTERS: std::sync::OnceLock<SentCounters> = std::sync::OnceLock::new();
    COUNTERS.get_or_init(|| SentCounters {
        frames: metrics::counter!("agenthq_ws_frames_sent_total"),
        bytes: metrics::counter!("agenthq_ws_bytes_sent_total"),
    })
}

/// Anyone may read a public workspace's topics; others need a role in the workspace
/// (any role: viewers watch too). An unknown topic and a forbidden one get the same
/// answer, so ids of other tenants cannot be probed.
/// A connection's seats in private workspaces (one per workspace, under its tier's
/// `ws_connections`), and which followed topic needs which.
#[derive(Debug, Default)]
struct Seats {
    held: HashMap<WorkspaceId, TallyPermit>,
    needed_by: HashMap<Topic, WorkspaceId>,
}

/// A token bucket of client messages: `per_second` a second, as many at once.
struct Allowance {
    per_second: u32,
    tokens: f64,
    at: tokio::time::Instant,
}

impl Allowance {
    /// `None`: no limit.
    fn new(per_second: Option<u32>) -> Self {
        Self {
            per_second: per_second.unwrap_or(0),
            tokens: f64::from(per_second.unwrap_or(0)),
            at: tokio::time::Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        if self.per_second == 0 {
            return true;
        }
        let now = tokio::time::Instant::now();
        let rate = f64::from(self.per_second);
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * rate).min(rate);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Whether the caller may read `topic`: `None` for a public workspace's (anyone may),
/// else the workspace and its tier (a seat there is needed).
async fn authorize(
    state: &AppState,
    caller: Option<&Caller>,
    topic: &Topic,
) -> Result<Option<(WorkspaceId, agenthq_protocol::Tier)>, (ErrorCode, String)> {
    let not_found = || {
        (
            ErrorCode::NotFound,
            format!("no topic {topic} you may read"),
        )
    };
    let workspace = state
        .runtime
        .resolve_workspace(topic)
        .await
        .map_err(|_| not_found())?;
    let tier = match state.runtime.workspace(workspace).await {
        Ok(record) if record.public => return Ok(None),
        Ok(record) => record.tier,
        Err(_) => return Err(not_found()),
    };
    let Some(caller) = caller else {
        return Err(not_found());
    };
    match caller.role_in(&**state.runtime.store(), workspace).await {
        Ok(Some(_)) => Ok(Some((workspace, tier))),
        Ok(None) => Err(not_found()),
        Err(err) => {
            tracing::error!(error = %err, "cannot check a subscription's access");
            Err((ErrorCode::Internal, "cannot check access now; retry".into()))
        }
    }
}

/// The error code and message for a refused subscription.
/// Finds the request among the caller's workspaces, checks the role, decides.
async fn decide(
    state: &AppState,
    caller: Option<(&Caller, &str)>,
    ip: ClientIp,
    approval: ApprovalId,
    verdict: Verdict,
    comment: Option<String>,
) -> Result<Decision, (ErrorCode, String)> {
    let (_, token) = caller.ok_or((
        ErrorCode::Unauthorized,
        "say hello with a token to decide".to_owned(),
    ))?;
    // Checked again, not taken from `hello`: a key revoked (or a token expired) since the
    // connection opened decides nothing.
    let caller = &state
        .auth
        .authenticate(token)
        .await
        .map_err(|e| (ErrorCode::Unauthorized, e.to_string()))?;
    let store = &**state.runtime.store();
    let internal = |e: agenthq_runtime::StoreError| {
        tracing::warn!(error = %e, "store error while deciding an approval");
        (ErrorCode::Internal, "the store failed; retry".to_owned())
    };
    let candidates: Vec<(WorkspaceId, Role)> = match caller {
        Caller::ApiKey {
            workspace, role, ..
        } => vec![(*workspace, *role)],
        Caller::User(user) => store
            .memberships(*user)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|m| (m.workspace, m.role))
            .collect(),
    };
    let mut found = None;
    for (workspace, role) in candidates {
        if store
            .approval(workspace, approval)
            .await
            .map_err(internal)?
            .is_some()
        {
            found = Some((workspace, role));
            break;
        }
    }
    let not_found = || {
        (
            ErrorCode::NotFound,
            format!("approval request {approval} not found"),
        )
    };
    let (workspace, role) = found.ok_or_else(not_found)?;
    if role < Role::Member {
        return Err((
            ErrorCode::Forbidden,
            "deciding needs the member role in the workspace".to_owned(),
        ));
    }
    let by = caller.display_name(store).await.map_err(internal)?;
    let body = serde_json::json!({ "verdict": verdict, "comment": comment });
    match state
        .runtime
        .decide(workspace, approval, verdict, by, comment)
        .await
    {
        Ok(record) => match record.status {
            agenthq_runtime::ApprovalStatus::Settled(decision) => {
                let detail = serde_json::json!({ "status": record.status.as_str(), "task": record.task, "over": "websocket" });
                let entry = crate::audit::Entry::new(workspace, "approval.decide")
                    .target(approval)
                    .detail(detail);
                state.audit.record(caller, ip, entry).await;
                Ok(decision)
            }
            agenthq_runtime::ApprovalStatus::Pending => Err((
                ErrorCode::Internal,
                "the decision was not recorded; retry".to_owned(),
            )),
        },
        Err(err @ RuntimeError::ApprovalSettled { .. }) => {
            Err((ErrorCode::Conflict, err.to_string()))
        }
        Err(err @ (RuntimeError::Invalid(_) | RuntimeError::UnknownApproval(_))) => {
            let code = if matches!(err, RuntimeError::Invalid(_)) {
                ErrorCode::Malformed
            } else {
                ErrorCode::NotFound
            };
            Err((code, err.to_string()))
        }
        Err(RuntimeError::NotOwner { node, .. }) => {
            // Another node runs the workspace: the same request its HTTP API takes, sent
            // there with the connection's credential; its answer is ours.
            let uri = format!("/api/v1/workspaces/{workspace}/approvals/{approval}/decision");
            let mut headers = axum::http::HeaderMap::new();
            let bearer = axum::http::HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| (ErrorCode::Unauthorized, "unusable token".to_owned()))?;
            headers.insert(axum::http::header::AUTHORIZATION, bearer);
            headers.insert(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            );
            if let Some(ip) = ip.0
                && let Ok(value) = axum::http::HeaderValue::from_str(&ip.to_string())
            {
                headers.insert(crate::forward::CLIENT_IP, value);
            }
            let body = serde_json::to_vec(&body).unwrap_or_default();
            let answer = crate::forward::to_owner(
                state,
                &node,
                axum::http::Method::POST,
                &uri,
                &headers,
                body,
            )
            .await;
            forwarded_decision(answer)
        }
        Err(err) => Err(refusal(&err)),
    }
}

/// The owner's HTTP answer to a forwarded decision, as the socket says it.
fn forwarded_decision(
    answer: Option<(axum::http::StatusCode, Bytes)>,
) -> Result<Decision, (ErrorCode, String)> {
    let Some((status, body)) = answer else {
        return Err((
            ErrorCode::Internal,
            "the node running this workspace did not answer; retry".to_owned(),
        ));
    };
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or("refused")
        .to_owned();
    match status.as_u16() {
        200 => body["status"].as_str().and_then(Decision::parse).ok_or((
            ErrorCode::Internal,
            "an unreadable answer; retry".to_owned(),
        )),
        401 => Err((ErrorCode::Unauthorized, message)),
        403 => Err((ErrorCode::Forbidden, message)),
        404 => Err((ErrorCode::NotFound, message)),
        409 => Err((ErrorCode::Conflict, message)),
        400 | 422 => Err((ErrorCode::Malformed, message)),
        _ => Err((ErrorCode::Internal, message)),
    }
}

fn refusal(err: &RuntimeError) -> (ErrorCode, String) {
    match err {
        RuntimeError::UnknownWorkspace(_) | RuntimeError::UnknownAgent(_) => {
            (ErrorCode::NotFound, err.to_string())
        }
        _ => (
            ErrorCode::Internal,
            "the workspace is not available; retry".into(),
        ),
    }
}

fn read_error(err: &axum::Error) -> Close {
    let text = err.to_string();
    if text.contains("too long") || text.contains("too big") || text.contains("Space limit") {
        Close(close_code::TOO_BIG, "frame too large")
    } else {
        Close(1002, "protocol error")
    }
}

#[cfg(test)]
pub(super) mod tests {
    //! The connection loop over channels instead of a socket, so a test can stop reading
    //! exactly and watch what the connection does.

    use std::pin::Pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    use agenthq_runtime::{ExecutorConfig, NewAgent, NewTask, NewWorkspace};
    use tokio::sync::mpsc;
    use tokio_util::sync::PollSender;

    use super::*;
    use crate::{Application, Settings};

    /// A socket made of two channels: frames in, frames out (one slot: a test that stops
    /// reading blocks the connection's writes at once, like a full TCP window).
    pub(super) struct Pipe {
        pub(super) incoming: mpsc::Receiver<Message>,
        pub(super) outgoing: PollSender<Message>,
    }

    impl Stream for Pipe {
        type Item = Result<Message, axum::Error>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.incoming.poll_recv(cx).map(|m| m.map(Ok))
        }
    }

    impl Sink<Message> for Pipe {
        type Error = axum::Error;

        fn poll_ready(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            self.outgoing.poll_reserve(cx).map_err(axum::Error::new)
        }

        fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
            self.outgoing.send_item(item).map_err(axum::Error::new)
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }
    }

    fn decode(frame: Message) -> ServerMessage {
        let Message::Text(text) = frame else {
            panic!("a JSON text frame, got {frame:?}")
        };
        Codec::Json
            .decode(text.as_bytes())
            .expect("a server message")
    }

    async fn next(rx: &mut mpsc::Receiver<Message>) -> ServerMessage {
        let frame = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("a frame within 10 s")
            .expect("the connection is open");
        decode(frame)
    }

    #[tokio::test]
    async fn a_full_send_queue_drops_pending_diffs_and_a_snapshot_follows_when_it_drains() {
        let data = tempfile::tempdir().unwrap();
        let settings = Settings {
            listen: ([127, 0, 0, 1], 0).into(),
            data_dir: data.path().to_owned(),
            database_url: Some("memory:".into()),
            tick_ms: 2,
            ws_history_len: 4,
            ws_send_queue_bytes: 1024,
            ws_send_timeout_secs: 60,
            ..Settings::default()
        };
        let app = Application::build(settings).await.unwrap();
        let state = app.state().clone();
        let runtime = state.runtime.clone();
        let ws = runtime
            .create_workspace(NewWorkspace {
                name: "Busy".into(),
                tier: agenthq_protocol::Tier::Pro,
                caps: None,
                public: true,
            })
            .await
            .unwrap()
            .id;
        let executor = ExecutorConfig {
            kind: "sim".into(),
            params: serde_json::json!({ "steps": 1000, "step_ms": 1 }),
        };
        runtime
            .create_agent(
                ws,
                NewAgent {
                    name: "Busy Bee".into(),
                    executor,
                    ..NewAgent::default()
                },
            )
            .await
            .unwrap();
        runtime
            .submit(
                ws,
                NewTask {
                    title: "churn".into(),
                    ..NewTask::default()
                },
            )
            .await
            .unwrap();

        let (client_tx, incoming) = mpsc::channel(8);
        let (outgoing, mut client_rx) = mpsc::channel(1);
        let pipe = Pipe {
            incoming,
            outgoing: PollSender::new(outgoing),
        };
        tokio::spawn(run(pipe, Codec::Json, state, ClientIp::default()));
        let topic = Topic::Workspace(ws);
        for message in [
            ClientMessage::Hello { token: None },
            ClientMessage::Subscribe {
                topic,
                resume: None,
            },
        ] {
            let json = String::from_utf8(Codec::Json.encode(&message).unwrap()).unwrap();
            client_tx.send(Message::Text(json.into())).await.unwrap();
        }
        assert!(matches!(
            next(&mut client_rx).await,
            ServerMessage::Welcome { .. }
        ));
        let ServerMessage::Snapshot { seq: first, .. } = next(&mut client_rx).await else {
            panic!("a snapshot first")
        };

        // Stop reading while the office publishes far past the history ring (bounded wait).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let ServerMessage::Snapshot { seq, .. } = runtime.snapshot(topic).await.unwrap() else {
                unreachable!()
            };
            if seq > first + 40 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the office is not busy"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }

        // Read again: diffs in order, then (their pending successors dropped) a snapshot,
        // then diffs that follow it. Never a gap.
        let mut at = first;
        let mut resynced = false;
        while !resynced || at < first + 50 {
            match next(&mut client_rx).await {
                ServerMessage::Diff { seq, .. } => {
                    assert_eq!(seq, at + 1, "no diff skipped silently");
                    at = seq;
                }
                ServerMessage::Snapshot { seq, .. } => {
                    assert!(seq > at + 4, "resynced by snapshot, beyond history");
                    resynced = true;
                    at = seq;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(resynced, "the overflow led to a snapshot");
    }
}
#[cfg(test)]
mod size {
    /// Each connection's task holds this future for its whole life, so its size is most of
    /// what an idle connection costs. Rare, deep paths (authentication, subscription, client
    /// frames) are boxed to keep it small; this guards that (about 1.5 KiB in a debug build).
    #[tokio::test]
    async fn a_connection_task_stays_small() {
        let data = tempfile::tempdir().unwrap();
        let settings = crate::Settings {
            listen: ([127, 0, 0, 1], 0).into(),
            data_dir: data.path().to_owned(),
            database_url: Some("memory:".into()),
            ..crate::Settings::default()
        };
        let app = crate::Application::build(settings).await.unwrap();
        let (_tx, incoming) = tokio::sync::mpsc::channel(1);
        let (outgoing, _rx) = tokio::sync::mpsc::channel(1);
        let pipe = super::tests::Pipe {
            incoming,
            outgoing: tokio_util::sync::PollSender::new(outgoing),
        };
        let task = super::run(
            pipe,
            agenthq_protocol::Codec::Json,
            app.state().clone(),
            crate::audit::ClientIp::default(),
        );
        let bytes = std::mem::size_of_val(&task);
        assert!(bytes <= 2048, "a connection's future grew to {bytes} bytes");
    }
}
