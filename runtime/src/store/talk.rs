//! What agents and people say to each other: messages, and approval requests with their
//! decisions.
//!
//! A message is stored when it is sent and marked delivered when its reader (an agent)
//! takes it into a turn; messages for the people are never "delivered", only listed. An
//! approval request is stored `pending` and settled once: approved, rejected, expired, or
//! cancelled when its task stops first. Settling is conditional on `pending`, so two
//! people deciding at once cannot both win.

use agenthq_protocol::{AgentId, ApprovalId, Decision, MessageId, TaskId, WorkspaceId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    pub id: MessageId,
    pub workspace: WorkspaceId,
    /// The agent that wrote it; `None` for a person.
    pub from: Option<AgentId>,
    /// The agent it is for; `None` for the workspace's people.
    pub to: Option<AgentId>,
    /// Who wrote it, for display: the agent's name, a person's email or a key's name.
    pub author: String,
    pub text: String,
    /// The task its writer was working on.
    pub task: Option<TaskId>,
    pub created_at: i64,
    /// When its reader took it into a turn; `None` while unread (or for the people).
    pub delivered_at: Option<i64>,
}

/// Which messages to list: newest first, those from or to `agent` if set.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub agent: Option<AgentId>,
    /// Only messages to the people (`to` is `None`).
    pub to_people: bool,
    /// Cursor: only messages older than this one.
    pub before: Option<MessageId>,
    pub limit: u32,
}

/// Where an approval request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Settled(Decision),
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Settled(d) => d.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(ApprovalStatus::Pending),
            other => Decision::parse(other).map(ApprovalStatus::Settled),
        }
    }
}

/// An approval request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub id: ApprovalId,
    pub workspace: WorkspaceId,
    pub task: TaskId,
    pub agent: AgentId,
    pub action: String,
    pub detail: String,
    pub status: ApprovalStatus,
    /// Who decided (a person's email or a key's name); `None` while pending or when
    /// nobody did (expired, cancelled).
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    pub requested_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
}

/// How an approval request is settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub decision: Decision,
    pub by: Option<String>,
    pub comment: Option<String>,
    pub at: i64,
}

/// Which approval requests to list: newest first.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFilter {
    pub status: Option<ApprovalStatus>,
    pub before: Option<ApprovalId>,
    pub limit: u32,
}

/// Messages and approvals; every method is scoped to one workspace.
#[async_trait]
pub trait TalkStore: Send + Sync {
    async fn put_message(&self, message: &MessageRecord) -> Result<(), StoreError>;
    async fn messages(
        &self,
        workspace: WorkspaceId,
        filter: &MessageFilter,
    ) -> Result<Vec<MessageRecord>, StoreError>;
    /// The oldest `limit` undelivered messages for `agent`, oldest first, marked delivered
    /// at `at`: each message is taken once, whoever asks.
    async fn take_inbox(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        limit: u32,
        at: i64,
    ) -> Result<Vec<MessageRecord>, StoreError>;

    async fn put_approval(&self, approval: &ApprovalRecord) -> Result<(), StoreError>;
    async fn approval(
        &self,
        workspace: WorkspaceId,
        id: ApprovalId,
    ) -> Result<Option<ApprovalRecord>, StoreError>;
    async fn approvals(
        &self,
        workspace: WorkspaceId,
        filter: &ApprovalFilter,
    ) -> Result<Vec<ApprovalRecord>, StoreError>;
    /// Settles a pending request and answers it settled; `None` if it is not pending (or
    /// not there): someone settled it first.
    async fn settle_approval(
        &self,
        workspace: WorkspaceId,
        id: ApprovalId,
        settlement: &Settlement,
    ) -> Result<Option<ApprovalRecord>, StoreError>;
    /// Settles every pending request of the workspace as `cancelled` (its attempts were
    /// cut short: a crash, a takeover); answers how many.
    async fn cancel_pending_approvals(
        &self,
        workspace: WorkspaceId,
        comment: &str,
        at: i64,
    ) -> Result<u64, StoreError>;
}
