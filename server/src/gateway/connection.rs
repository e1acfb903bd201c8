//! One WebSocket connection: its phase (before and after `hello`), its subscriptions, and
//! the loop that reads client frames and writes deliveries.
//!
//! Generic over the socket (a `Stream` of frames and a `Sink` for them), so it runs the
//! same over a real WebSocket and over test channels.

use std::collections::HashMap;

use agenthq_protocol::{
    ClientMessage, Codec, ErrorCode, PROTOCOL_VERSION, Resume, ServerMessage, Topic,
};
use agenthq_runtime::{Delivery, Opening, Publication, RuntimeError, Subscription};
use axum::extract::ws::{CloseFrame, Message};
use bytes::Bytes;
use futures::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use tokio_stream::StreamMap;

use super::{CredentialPermit, MAX_BAD_FRAMES, MAX_SUBSCRIPTIONS, close_code};
use crate::auth::Caller;
use crate::startup::AppState;

/// Why the loop ended, as a close frame to send (if the socket still takes one).
struct Close(u16, &'static str);

struct Connection<S> {
    socket: S,
    codec: Codec,
    state: AppState,
    greeted: bool,
    /// Who said `hello` with a credential; `None` for an anonymous watcher.
    caller: Option<Caller>,
    /// Held while the connection lives: its slot under the credential's limit.
    _credential: Option<CredentialPermit>,
    /// The bus's subscriptions, polled together by this task: no task per subscription,
    /// and each one's own bounded buffer is the bound on what waits for this client.
    streams: StreamMap<Topic, Subscription>,
    /// Where the client stands on each followed topic.
    at: HashMap<Topic, Resume>,
    bad_frames: u32,
}

pub(super) async fn run<S>(socket: S, codec: Codec, state: AppState)
where
    S: Stream<Item = Result<Message, axum::Error>>
        + Sink<Message, Error = axum::Error>
        + Unpin
        + Send,
{
    metrics::gauge!("agenthq_ws_connections").increment(1.0);
    let mut conn = Connection {
        socket,
        codec,
        state,
        greeted: false,
        caller: None,
        _credential: None,
        streams: StreamMap::new(),
        at: HashMap::new(),
        bad_frames: 0,
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
        let shutdown = self.state.shutdown.clone();
        // Idle means nothing heard from the client; what we send does not count.
        let idle_timeout = self.state.idle_timeout;
        let idle = tokio::time::sleep(idle_timeout);
        tokio::pin!(idle);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return Some(Close(close_code::GOING_AWAY, "server shutting down")),
                () = &mut idle => return Some(Close(close_code::IDLE, "idle timeout")),
                frame = self.socket.next() => {
                    let frame = match frame {
                        None => return None,
                        Some(Err(err)) => return Some(read_error(&err)),
                        Some(Ok(frame)) => frame,
                    };
                    idle.as_mut().reset(tokio::time::Instant::now() + idle_timeout);
                    if let Err(close) = self.on_frame(frame).await {
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
                    self.authenticate(&token).await?;
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
            ClientMessage::Subscribe { topic, resume } => self.subscribe(topic, resume).await,
            ClientMessage::Unsubscribe { topic } => {
                self.streams.remove(&topic);
                self.at.remove(&topic);
                Ok(())
            }
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
        if let Err((code, message)) = authorize(&self.state, self.caller.as_ref(), &topic).await {
            return self.error(code, &message, Some(topic)).await;
        }
        self.streams.remove(&topic);
        self.at.remove(&topic);
        let subscription = match self.state.runtime.subscribe(topic, resume).await {
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
                self.subscribe(topic, Some(at)).await
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
        metrics::counter!("agenthq_ws_frames_sent_total").increment(1);
        metrics::counter!("agenthq_ws_bytes_sent_total").increment(bytes.len() as u64);
        let frame = match self.codec {
            Codec::MessagePack => Message::Binary(bytes),
            Codec::Json => {
                Message::Text(bytes.try_into().map_err(|_| Close(1011, "invalid UTF-8"))?)
            }
        };
        match tokio::time::timeout(self.state.send_timeout, self.socket.feed(frame)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Close(1011, "write failed")),
            Err(_) => Err(Close(close_code::SLOW_CONSUMER, "client too slow to read")),
        }
    }

    async fn flush(&mut self) -> Result<(), Close> {
        match tokio::time::timeout(self.state.send_timeout, self.socket.flush()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Close(1011, "write failed")),
            Err(_) => Err(Close(close_code::SLOW_CONSUMER, "client too slow to read")),
        }
    }
}

/// Anyone may read a public workspace's topics; others need a role in the workspace
/// (any role: viewers watch too). An unknown topic and a forbidden one get the same
/// answer, so ids of other tenants cannot be probed.
async fn authorize(
    state: &AppState,
    caller: Option<&Caller>,
    topic: &Topic,
) -> Result<(), (ErrorCode, String)> {
    let not_found = || {
        (
            ErrorCode::NotFound,
            format!("no topic {topic} you may read"),
        )
    };
    let workspace = state.runtime.workspace_of(topic).map_err(|_| not_found())?;
    match state.runtime.workspace(workspace).await {
        Ok(record) if record.public => return Ok(()),
        Ok(_) => {}
        Err(_) => return Err(not_found()),
    }
    let Some(caller) = caller else {
        return Err(not_found());
    };
    match caller.role_in(&**state.runtime.store(), workspace).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(not_found()),
        Err(err) => {
            tracing::error!(error = %err, "cannot check a subscription's access");
            Err((ErrorCode::Internal, "cannot check access now; retry".into()))
        }
    }
}

/// The error code and message for a refused subscription.
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
