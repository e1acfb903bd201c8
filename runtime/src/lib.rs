//! The AgentHQ runtime: agents and workspaces as supervised actors running durable tasks.
//!
//! - [`Runtime`] ([`runtime`]): the handle: workspaces, agents, task commands,
//!   subscriptions.
//! - [`supervisor`], [`workspace`], [`agent`]: the actor tree RootSupervisor →
//!   WorkspaceActor → AgentActor (ractor). The workspace actor owns admission, caps,
//!   scheduling, retries and the live office state.
//! - [`executor`]: the [`Executor`] trait and its context; the seeded `sim` executor and
//!   the `llm` agent loop (Anthropic and OpenAI-compatible endpoints, tools).
//! - [`store`]: the [`Store`] trait with SQLite, PostgreSQL and in-memory implementations,
//!   and the group-commit writer.
//! - [`bus`]: the [`Bus`] trait for diff publications with history and bounded
//!   subscribers; the in-process [`MemoryBus`].
//! - [`cluster`]: scale-out over Redis: workspace leases and the bridging [`RedisBus`].
//! - [`tier`]: what a workspace of each tier may use.
//! - [`budget`]: each workspace's monthly model spend against its tier's limit.
//! - [`config`], [`task`], [`error`]: settings, task records, errors.
//!
//! The guarantees (ordering, caps, retries, at-least-once execution, idempotent
//! submission, crashes) are written down in `docs/runtime-semantics.md`.

mod agent;
pub mod budget;
pub mod bus;
pub mod cluster;
pub mod config;
pub mod error;
pub mod executor;
pub mod quota;
pub mod runtime;
pub mod store;
mod supervisor;
pub mod task;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tier;
mod workspace;

pub use bus::{Bus, Delivery, MemoryBus, Publication, SendBudget, Subscription};
pub use cluster::{NodeId, RedisBus};
pub use config::{RetryPolicy, RuntimeConfig, WorkspaceCaps};
pub use error::RuntimeError;
pub use executor::{
    ExecContext, ExecError, Executor, ExecutorRegistry, LlmExecutor, LlmSettings, SimExecutor,
    SimParams,
};
pub use runtime::{NewAgent, NewWorkspace, Runtime};
pub use store::{
    ApprovalFilter, ApprovalRecord, ApprovalStatus, ExecutorConfig, MemoryStore, MessageFilter,
    MessageRecord, PostgresStore, SqliteStore, Store, StoreError, TaskFilter,
};
pub use task::{NewTask, Submitted, TaskRecord};
pub use tier::{TierLimits, Tiers};
pub use workspace::{
    MAX_ACTION_CHARS, MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS, Opening, Outgoing, TopicSubscription,
    WorkspaceStats,
};
