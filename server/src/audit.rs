//! The audit log's writer: handlers [`AuditLog::record`] what a caller did, after it is
//! done; entries are written in group commits (every entry waiting when a transaction
//! starts goes into it), and `record` returns once its entry is stored, so an answer the
//! client got is in the log. The queue is bounded: past [`QUEUE`] waiting entries, callers
//! wait for room.
//!
//! A failed write is logged (error) and counted (`agenthq_audit_write_failures_total`);
//! the action it describes has happened already, so the caller's answer stands.

use std::net::IpAddr;

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::Store;
use agenthq_runtime::store::{ActorKind, AuditEntry};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tokio::sync::{mpsc, oneshot};

use crate::auth::Caller;

/// Entries waiting to be written, at most.
pub const QUEUE: usize = 1024;
/// Entries in one transaction, at most.
const BATCH: usize = 256;

type Pending = (AuditEntry, oneshot::Sender<()>);

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Pending>,
}

/// The client's address, as the rate-limit layer saw it (or as the node that forwarded
/// the request did).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or_default())
    }
}

/// What was done in a workspace, to what, with which particulars:
/// `Entry::new(ws, "task.cancel").target(task)`.
#[derive(Debug)]
pub struct Entry {
    workspace: WorkspaceId,
    action: &'static str,
    target: Option<String>,
    detail: serde_json::Value,
}

impl Entry {
    pub fn new(workspace: WorkspaceId, action: &'static str) -> Self {
        Self {
            workspace,
            action,
            target: None,
            detail: serde_json::json!({}),
        }
    }

    /// What it was done to (an id).
    pub fn target(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

impl AuditLog {
    /// Starts the writer on `store`; it ends when the last handle is dropped, after
    /// writing what waits.
    pub fn start(store: std::sync::Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(QUEUE);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                let (entries, waiters): (Vec<AuditEntry>, Vec<oneshot::Sender<()>>) =
                    batch.into_iter().unzip();
                if let Err(err) = store.put_audit(&entries).await {
                    metrics::counter!("agenthq_audit_write_failures_total")
                        .increment(entries.len() as u64);
                    tracing::error!(error = %err, entries = entries.len(), "audit entries not written");
                }
                for waiter in waiters {
                    let _ = waiter.send(());
                }
            }
        });
        Self { tx }
    }

    /// Adds what `caller` did from `ip`; returns once it is written (or its write failed,
    /// which is logged).
    pub async fn record(&self, caller: &Caller, ip: ClientIp, action: Entry) {
        let (actor_kind, actor) = match *caller {
            Caller::User(id) => (ActorKind::User, *id.as_uuid()),
            Caller::ApiKey { id, .. } => (ActorKind::ApiKey, *id.as_uuid()),
        };
        let entry = AuditEntry {
            id: agenthq_protocol::id::new_v7(),
            workspace: action.workspace,
            at: agenthq_runtime::task::now_ms(),
            actor_kind,
            actor,
            action: action.action.to_owned(),
            target: action.target,
            detail: action.detail,
            ip: ip.0.map(|ip| ip.to_string()),
        };
        let (done, written) = oneshot::channel();
        if self.tx.send((entry, done)).await.is_ok() {
            let _ = written.await;
        } else {
            tracing::error!(
                action = action.action,
                "audit writer stopped; entry not written"
            );
        }
    }
}
