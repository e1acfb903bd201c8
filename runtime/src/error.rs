//! Errors at the runtime's boundary.

use agenthq_protocol::{AgentId, ApprovalId, TaskId, TaskStatus, WorkspaceId};

use crate::store::StoreError;

/// Why the runtime refused or failed a command. Each variant maps to one HTTP status in the
/// server (see `docs/runtime-semantics.md`).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// A cap would be exceeded; the submission was refused, not buffered (HTTP 429).
    #[error(
        "queue full: workspace {workspace} holds {queued} waiting tasks (max_queued {max_queued})"
    )]
    QueueFull {
        workspace: WorkspaceId,
        queued: u32,
        max_queued: u32,
    },
    /// The workspace spent its model budget for the month; tasks for agents that call a
    /// model are refused until the next (HTTP 402).
    #[error(
        "budget exceeded: workspace {workspace} spent {spent} of its {limit} model budget this month",
        spent = crate::budget::dollars(*spent),
        limit = crate::budget::dollars(*limit)
    )]
    BudgetExceeded {
        workspace: WorkspaceId,
        spent: crate::budget::Micros,
        limit: crate::budget::Micros,
    },
    /// The workspace's tier does not allow this (more agents, a higher priority); a
    /// higher tier does (HTTP 403).
    #[error("the workspace's {tier} tier allows {allows}", tier = tier.as_str())]
    TierLimit {
        tier: agenthq_protocol::Tier,
        /// What it allows: "at most 10 agents".
        allows: String,
    },
    /// A quota of the workspace's tier is used up for its period (HTTP 429
    /// `quota_exceeded`, with `Retry-After` until the period ends).
    #[error(
        "quota exceeded: {used} of the tier's {limit} {quota}; it starts afresh in {retry_after_secs} s"
    )]
    QuotaExceeded {
        /// `tasks per day` or `agent-minutes per month`.
        quota: &'static str,
        used: u64,
        limit: u64,
        retry_after_secs: u64,
    },
    #[error("workspace {0} not found")]
    UnknownWorkspace(WorkspaceId),
    #[error("agent {0} not found in this workspace")]
    UnknownAgent(AgentId),
    #[error("task {0} not found in this workspace")]
    UnknownTask(TaskId),
    /// The command does not fit the task's status (cancel a finished task, retry a live one).
    #[error("task {task} is {status}: {action} is not possible", status = status.as_str())]
    InvalidState {
        task: TaskId,
        status: TaskStatus,
        action: &'static str,
    },
    #[error("approval request {0} not found in this workspace")]
    UnknownApproval(ApprovalId),
    /// The approval request was settled already (decided, expired, or its task stopped).
    #[error("approval request {approval} is {status} already")]
    ApprovalSettled {
        approval: ApprovalId,
        status: &'static str,
    },
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("store error: {0}")]
    Store(#[from] StoreError),
    /// The workspace actor stopped or restarted while the command was in flight; the
    /// command may or may not have taken effect (retry with the same idempotency key).
    #[error("workspace {0} is restarting; retry the command")]
    Unavailable(WorkspaceId),
    /// In a cluster: another node owns the workspace; the command goes to it.
    #[error("workspace {workspace} is owned by node {node}")]
    NotOwner {
        workspace: WorkspaceId,
        node: crate::cluster::NodeId,
    },
}
