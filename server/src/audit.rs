//! The audit log: handlers [`AuditLog::record`] what a caller did, after it is done.
//! Entries go through the runtime's store writer, in the same group commits as the
//! tasks (one writer for the database: on SQLite a second one would queue on its write
//! lock), and `record` returns once its entry is stored, so an answer the client got is
//! in the log. Bounded by the writer's queue: when it is full, callers wait for room.
//!
//! A failed write is logged (error) and counted (`agenthq_audit_write_failures_total`);
//! the action it describes has happened already, so the caller's answer stands.

use std::net::IpAddr;

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::Runtime;
use agenthq_runtime::store::{ActorKind, AuditEntry};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::Caller;

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct AuditLog {
    runtime: Runtime,
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
    pub fn new(runtime: Runtime) -> Self {
        Self { runtime }
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
        if let Err(err) = self.runtime.record_audit(vec![entry]).await {
            metrics::counter!("agenthq_audit_write_failures_total").increment(1);
            tracing::error!(error = %err, action = action.action, "audit entry not written");
        }
    }
}
