//! Durable state: workspaces, agents, tasks and usage, (in [`accounts`]) users,
//! memberships and API keys, and (in [`talk`]) messages and approval requests.
//!
//! [`Store`] has three implementations that pass the same contract tests:
//! [`SqliteStore`] (the embedded default, WAL), [`PostgresStore`] (shared by several nodes)
//! and [`MemoryStore`] (no durability; for benchmarks and tests of the actors alone).
//! The SQL is the same on both databases (sqlx's `QueryBuilder` writes each one's
//! placeholders), so the two sqlx stores are one macro body instantiated twice; each has
//! its own migrations.
//!
//! Task writes go through the [`writer::StoreWriter`], which groups the writes of many
//! actors into one transaction (group commit).

pub mod accounts;
pub mod audit;
pub mod maintenance;
mod memory;
mod postgres;
mod sql;
mod sql_accounts;
mod sql_audit;
mod sql_talk;
mod sqlite;
pub mod talk;
pub mod writer;

use std::fmt;
use std::sync::Arc;

use agenthq_protocol::{AgentId, TaskId, TaskStatus, Tier, WorkspaceId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use accounts::{
    AccountStore, ApiKeyRecord, Member, Membership, RefreshTokenRecord, Role, UserRecord,
};
pub use audit::{ActorKind, AuditEntry, AuditStore};
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
pub use talk::{
    ApprovalFilter, ApprovalRecord, ApprovalStatus, MessageFilter, MessageRecord, Settlement,
    TalkStore,
};

use crate::task::TaskRecord;

/// A store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("not found")]
    NotFound,
    /// A unique value (an email, say) is taken.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The write came from a workspace incarnation that a newer one has replaced.
    #[error("write fenced: workspace epoch moved on")]
    Fenced,
    /// A batch was refused: these workspaces' stored epochs are above the ones it was
    /// written under. Nothing of the batch was written.
    #[error("write fenced: a newer owner holds {0:?}")]
    FencedOff(Vec<WorkspaceId>),
    /// A transaction failed after retries; its writes were not made.
    #[error("store write failed: {0}")]
    WriteFailed(String),
    #[error("store writer stopped")]
    WriterStopped,
}

/// A workspace as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceRecord {
    pub id: WorkspaceId,
    pub name: String,
    pub tier: Tier,
    pub max_running: u32,
    pub max_queued: u32,
    /// Rises by one each time an actor (re)loads the workspace; becomes the topic epoch.
    pub epoch: u64,
    /// Watchable without credentials (the demo office).
    pub public: bool,
    pub created_at: i64,
}

/// Which executor runs an agent's tasks, and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutorConfig {
    /// A name registered in the runtime's executor registry (`sim`, ...).
    pub kind: String,
    #[serde(default)]
    pub params: serde_json::Value,
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            kind: "sim".into(),
            params: serde_json::Value::Null,
        }
    }
}

/// An agent as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    pub id: AgentId,
    pub workspace: WorkspaceId,
    pub name: String,
    pub personality: String,
    pub executor: ExecutorConfig,
    pub max_concurrent: u32,
    pub desk: u32,
    pub created_at: i64,
}

/// Usage to add to a workspace's counters for one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageDelta {
    /// Milliseconds agents spent running tasks.
    pub agent_ms: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub dead: u64,
    /// Model tokens sent to (prompts) and received from (replies) `llm` endpoints.
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// What those tokens cost by the node's price table, in micro-dollars.
    pub spend_micros: u64,
    /// Tasks accepted (the tier's `tasks_per_day` counts these).
    #[serde(default)]
    pub submitted: u64,
    /// API requests on the workspace's routes (metered by the server).
    #[serde(default)]
    pub api_requests: u64,
    /// Milliseconds of WebSocket connections watching the workspace (metered by the
    /// server).
    #[serde(default)]
    pub ws_ms: u64,
}

impl UsageDelta {
    pub fn is_zero(&self) -> bool {
        *self == UsageDelta::default()
    }

    pub fn add(&mut self, other: &UsageDelta) {
        self.agent_ms += other.agent_ms;
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.cancelled += other.cancelled;
        self.dead += other.dead;
        self.tokens_in += other.tokens_in;
        self.tokens_out += other.tokens_out;
        self.spend_micros += other.spend_micros;
        self.submitted += other.submitted;
        self.api_requests += other.api_requests;
        self.ws_ms += other.ws_ms;
    }

    /// Counts one task that ended in `status`.
    pub fn count(&mut self, status: TaskStatus) {
        match status {
            TaskStatus::Succeeded => self.succeeded += 1,
            TaskStatus::Failed => self.failed += 1,
            TaskStatus::Cancelled => self.cancelled += 1,
            TaskStatus::Dead => self.dead += 1,
            TaskStatus::Queued | TaskStatus::Running | TaskStatus::AwaitingApproval => {}
        }
    }
}

/// A workspace's usage on one day (days since the Unix epoch, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRow {
    pub day: i64,
    pub usage: UsageDelta,
}

/// One agent's usage on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentUsageRow {
    pub agent: AgentId,
    pub day: i64,
    pub usage: UsageDelta,
}

/// The task writes of one transaction.
#[derive(Debug, Default)]
pub struct WriteBatch {
    /// New tasks; a task whose idempotency key is taken is not inserted.
    pub inserts: Vec<TaskRecord>,
    /// Whole-row updates of existing tasks, at most one per task. Shared, so the memory
    /// store keeps them without copying.
    pub updates: Vec<Arc<TaskRecord>>,
    /// Usage to add, at most one per (workspace, day).
    pub usage: Vec<(WorkspaceId, i64, UsageDelta)>,
    /// Usage per agent to add, at most one per (workspace, agent, day).
    pub agent_usage: Vec<(WorkspaceId, AgentId, i64, UsageDelta)>,
    /// Audit log entries: the server's, in the same transactions as the tasks, so one
    /// writer holds the database (two writers would queue on SQLite's lock).
    pub audit: Vec<AuditEntry>,
    /// The epoch each workspace's tasks above were written under. The store refuses the
    /// whole batch with [`StoreError::FencedOff`] if a workspace's stored epoch is higher
    /// (a newer incarnation, maybe on another node, has taken it), and the check and the
    /// writes are one transaction, so no write of a replaced owner lands after the new one
    /// has loaded. A workspace not listed is not checked.
    pub epochs: Vec<(WorkspaceId, u64)>,
}

impl WriteBatch {
    pub fn is_empty(&self) -> bool {
        self.inserts.is_empty()
            && self.updates.is_empty()
            && self.usage.is_empty()
            && self.agent_usage.is_empty()
            && self.audit.is_empty()
    }
}

/// What became of one insert.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    Inserted,
    /// An earlier task holds the idempotency key; here it is.
    Duplicate(Box<TaskRecord>),
}

/// Which tasks to list; newest first, after `before` when paginating.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub agent: Option<AgentId>,
    /// Cursor: only tasks with a smaller (older) id.
    pub before: Option<TaskId>,
    pub limit: u32,
}

/// Durable state behind the runtime. Every method is scoped to one workspace where it
/// touches tenant data.
#[async_trait]
pub trait Store:
    AccountStore + TalkStore + AuditStore + Send + Sync + fmt::Debug + 'static
{
    /// Checks that the store answers (for readiness probes).
    async fn ping(&self) -> Result<(), StoreError>;

    async fn create_workspace(&self, workspace: &WorkspaceRecord) -> Result<(), StoreError>;
    async fn workspaces(&self) -> Result<Vec<WorkspaceRecord>, StoreError>;
    async fn workspace(&self, id: WorkspaceId) -> Result<Option<WorkspaceRecord>, StoreError>;
    /// Raises the workspace's epoch by one, or to `floor` if that is higher (a cluster's
    /// lease fence), and returns the new value: each incarnation gets a higher one.
    async fn bump_epoch(&self, id: WorkspaceId, floor: u64) -> Result<u64, StoreError>;
    /// Deletes a workspace and everything in it, in one transaction: its tasks, agents,
    /// messages, approval requests, usage, memberships, API keys and audit log. `false`
    /// when there was no such workspace.
    async fn delete_workspace(&self, id: WorkspaceId) -> Result<bool, StoreError>;
    /// Sets a workspace's tier and the caps that come with it; `NotFound` if there is no
    /// such workspace.
    async fn set_tier(
        &self,
        id: WorkspaceId,
        tier: Tier,
        caps: crate::WorkspaceCaps,
    ) -> Result<(), StoreError>;

    /// Inserts or replaces an agent.
    async fn put_agent(&self, agent: &AgentRecord) -> Result<(), StoreError>;
    async fn delete_agent(&self, workspace: WorkspaceId, id: AgentId) -> Result<bool, StoreError>;
    async fn agents(&self, workspace: WorkspaceId) -> Result<Vec<AgentRecord>, StoreError>;
    /// One agent by id, in whichever workspace it is.
    async fn agent(&self, id: AgentId) -> Result<Option<AgentRecord>, StoreError>;

    /// Writes a batch in one transaction, after checking its [`WriteBatch::epochs`].
    /// Returns one outcome per insert, in order.
    async fn write(&self, batch: &WriteBatch) -> Result<Vec<InsertOutcome>, StoreError>;

    /// Recovery after a crash or takeover: tasks left `running` (or `awaiting_approval`) go
    /// back to `queued` (or to
    /// `dead` when that was their last attempt). Returns the workspace's live tasks, oldest
    /// first.
    async fn recover_tasks(&self, workspace: WorkspaceId) -> Result<Vec<TaskRecord>, StoreError>;
    async fn task(
        &self,
        workspace: WorkspaceId,
        id: TaskId,
    ) -> Result<Option<TaskRecord>, StoreError>;
    /// The task submitted with idempotency key `key`, if any.
    async fn task_by_key(
        &self,
        workspace: WorkspaceId,
        key: &str,
    ) -> Result<Option<TaskRecord>, StoreError>;
    async fn tasks(
        &self,
        workspace: WorkspaceId,
        filter: &TaskFilter,
    ) -> Result<Vec<TaskRecord>, StoreError>;
    /// Per-day usage, oldest first.
    async fn usage(&self, workspace: WorkspaceId) -> Result<Vec<UsageRow>, StoreError>;
    /// Per-agent, per-day usage, by agent then day.
    async fn agent_usage(&self, workspace: WorkspaceId) -> Result<Vec<AgentUsageRow>, StoreError>;
}

/// Opens the store a URL names: `sqlite://path` (created if missing), `postgres://...`, or
/// `memory:`.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(std::sync::Arc::new(PostgresStore::connect(url).await?))
    } else if url == "memory:" {
        Ok(std::sync::Arc::new(MemoryStore::default()))
    } else {
        Ok(std::sync::Arc::new(SqliteStore::open(url).await?))
    }
}

/// Error text stored for a task whose attempt was cut short by a crash.
pub const LOST_IN_CRASH: &str = "attempt interrupted by a crash or takeover; no attempts left";
