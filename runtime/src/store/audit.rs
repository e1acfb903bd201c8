//! The audit log: who (a user or an API key) did what in a workspace, when, and from
//! which address. Entries are only added, read newest first, and removed with their
//! workspace.

use agenthq_protocol::WorkspaceId;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::StoreError;

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiKey,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(ActorKind::User),
            "api_key" => Some(ActorKind::ApiKey),
            _ => None,
        }
    }
}

/// One entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Time-ordered (UUIDv7): later entries have larger ids.
    pub id: Uuid,
    pub workspace: WorkspaceId,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor_kind: ActorKind,
    /// The user's or the key's id.
    pub actor: Uuid,
    /// What was done: `member.add`, `api_key.revoke`, `task.submit`, `tier.set`, ...
    pub action: String,
    /// What it was done to (an id, an email), if anything.
    pub target: Option<String>,
    /// The particulars (a role, a task's title, a tier).
    pub detail: serde_json::Value,
    /// The client's address.
    pub ip: Option<String>,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Adds entries, all in one transaction.
    async fn put_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;
    /// A workspace's entries, newest first, older than `before` if given.
    async fn audit(
        &self,
        workspace: WorkspaceId,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}
