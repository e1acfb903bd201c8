//! Requests between nodes over Redis: a node forwards a command to a workspace's owner and
//! waits for its answer, with a timeout.
//!
//! Each node listens on `agenthq:node:{id}:rpc` (requests) and `agenthq:node:{id}:reply`
//! (answers to its own calls) on the bridge's pub/sub connection. A request is published
//! to the target's channel; `PUBLISH` answers how many connections received it, so a call
//! to a node that is not listening (dead, or reconnecting) fails at once with
//! [`RpcError::Unreachable`] instead of waiting out its timeout.
//!
//! Everything is bounded: calls in flight per node ([`MAX_PENDING`], then
//! [`RpcError::Busy`]), requests being served per node ([`MAX_SERVING`], then the caller
//! gets `Busy`), and each call's wait.
//!
//! Frames are `kind (1 byte) | id (8 bytes, big-endian) | from length (1 byte) | from |
//! body`; what the body holds is the caller's and the handler's business.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::{Semaphore, oneshot};

use super::{NodeId, RedisLink};

/// Calls a node may have in flight; more are refused with [`RpcError::Busy`].
pub const MAX_PENDING: usize = 1024;
/// Requests a node serves at once; more are answered `Busy`.
pub const MAX_SERVING: usize = 256;

/// Why a call got no answer.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("node {0} is not listening")]
    Unreachable(NodeId),
    #[error("node {0} did not answer in time")]
    Timeout(NodeId),
    #[error("too many requests in flight")]
    Busy,
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// What a node does with a request another node forwarded to it.
#[async_trait]
pub trait RequestHandler: Send + Sync + 'static {
    async fn handle(&self, body: Bytes) -> Bytes;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    Request = 0,
    Answer = 1,
    Busy = 2,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct Frame {
    kind: Kind,
    id: u64,
    from: String,
    body: Bytes,
}

impl Frame {
    fn encode(&self) -> Bytes {
        let from = self.from.as_bytes();
        let mut out = BytesMut::with_capacity(10 + from.len() + self.body.len());
        out.put_u8(self.kind as u8);
        out.put_u64(self.id);
        out.put_u8(u8::try_from(from.len()).unwrap_or(u8::MAX));
        out.put_slice(&from[..from.len().min(255)]);
        out.put_slice(&self.body);
        out.freeze()
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (&kind, rest) = bytes.split_first()?;
        let kind = match kind {
            0 => Kind::Request,
            1 => Kind::Answer,
            2 => Kind::Busy,
            _ => return None,
        };
        let id = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
        let from_len = usize::from(*rest.get(8)?);
        let from = std::str::from_utf8(rest.get(9..9 + from_len)?).ok()?;
        Some(Self {
            kind,
            id,
            from: from.to_owned(),
            body: Bytes::copy_from_slice(&rest[9 + from_len..]),
        })
    }
}

pub(super) fn request_channel(node: &NodeId) -> String {
    format!("agenthq:node:{node}:rpc")
}

pub(super) fn reply_channel(node: &NodeId) -> String {
    format!("agenthq:node:{node}:reply")
}

/// One node's calls and the requests it serves.
pub(super) struct Rpc {
    node: NodeId,
    link: RedisLink,
    next_id: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Frame>>>,
    handler: Mutex<Option<Arc<dyn RequestHandler>>>,
    serving: Arc<Semaphore>,
}

impl std::fmt::Debug for Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rpc")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

impl Rpc {
    pub(super) fn new(node: NodeId, link: RedisLink) -> Self {
        Self {
            node,
            link,
            next_id: AtomicU64::new(1),
            pending: Mutex::default(),
            handler: Mutex::new(None),
            serving: Arc::new(Semaphore::new(MAX_SERVING)),
        }
    }

    pub(super) fn node(&self) -> &NodeId {
        &self.node
    }

    /// Sets (or, with `None`, removes) what answers requests; without one they are `Busy`.
    pub(super) fn serve(&self, handler: Option<Arc<dyn RequestHandler>>) {
        *self.handler.lock().unwrap_or_else(|e| e.into_inner()) = handler;
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<Frame>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) async fn call(
        &self,
        target: &NodeId,
        body: Bytes,
        timeout: Duration,
    ) -> Result<Bytes, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = self.pending();
            if pending.len() >= MAX_PENDING {
                return Err(RpcError::Busy);
            }
            pending.insert(id, tx);
        }
        // Whatever happens next, the entry does not outlive the call.
        let _forget = Forget { rpc: self, id };
        let frame = Frame {
            kind: Kind::Request,
            id,
            from: self.node.to_string(),
            body,
        }
        .encode();
        let channel = request_channel(target);
        let listeners: i64 = self
            .link
            .query(|| {
                async |c| {
                    redis::cmd("PUBLISH")
                        .arg(&channel)
                        .arg(frame.as_ref())
                        .query_async(c)
                        .await
                }
            })
            .await?;
        metrics::counter!("agenthq_forwarded_total", "outcome" => "sent").increment(1);
        if listeners == 0 {
            return Err(RpcError::Unreachable(target.clone()));
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) if answer.kind == Kind::Answer => Ok(answer.body),
            Ok(Ok(_)) => Err(RpcError::Busy),
            Ok(Err(_)) | Err(_) => {
                metrics::counter!("agenthq_forwarded_total", "outcome" => "timeout").increment(1);
                Err(RpcError::Timeout(target.clone()))
            }
        }
    }

    /// A frame from the node's reply channel: the answer to one of its calls.
    pub(super) fn on_reply(&self, bytes: &[u8]) {
        let Some(frame) = Frame::decode(bytes) else {
            return;
        };
        if let Some(waiting) = self.pending().remove(&frame.id) {
            let _ = waiting.send(frame);
        }
    }

    /// A frame from the node's request channel: served on a task of its own (bounded),
    /// answered on the caller's reply channel.
    pub(super) fn on_request(&self, bytes: &[u8]) {
        let Some(frame) = Frame::decode(bytes) else {
            return;
        };
        if frame.kind != Kind::Request {
            return;
        }
        let handler = self
            .handler
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let permit = self.serving.clone().try_acquire_owned().ok();
        let link = self.link.clone();
        let from = self.node.to_string();
        tokio::spawn(async move {
            let (kind, body) = match (handler, permit) {
                (Some(handler), Some(_permit)) => {
                    metrics::counter!("agenthq_forwarded_served_total").increment(1);
                    (Kind::Answer, handler.handle(frame.body).await)
                }
                _ => (Kind::Busy, Bytes::new()),
            };
            let reply = Frame {
                kind,
                id: frame.id,
                from,
                body,
            }
            .encode();
            let channel = reply_channel(&NodeId::from(frame.from.as_str()));
            let sent: redis::RedisResult<i64> = link
                .query(|| {
                    async |c| {
                        redis::cmd("PUBLISH")
                            .arg(&channel)
                            .arg(reply.as_ref())
                            .query_async(c)
                            .await
                    }
                })
                .await;
            if let Err(err) = sent {
                tracing::warn!(error = %err, "cannot send a forwarded request's answer");
            }
        });
    }
}

struct Forget<'a> {
    rpc: &'a Rpc,
    id: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.rpc.pending().remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_refused() {
        let frame = Frame {
            kind: Kind::Answer,
            id: u64::MAX - 3,
            from: "node-a".into(),
            body: Bytes::from_static(b"{\"ok\":true}"),
        };
        assert_eq!(Frame::decode(&frame.encode()), Some(frame));
        assert_eq!(Frame::decode(&[]), None);
        assert_eq!(Frame::decode(&[9, 0, 0, 0, 0, 0, 0, 0, 1, 0]), None);
        assert_eq!(Frame::decode(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 200, b'x']), None);
    }
}
