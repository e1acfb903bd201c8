//! The AgentHQ wire contract, shared by the runtime, the server, the viewer and the load
//! tester.
//!
//! - [`id`]: typed, time-ordered identifiers (UUIDv7) for workspaces, agents and tasks.
//! - [`model`]: the office state a client holds: workspace, agents, live tasks, activity,
//!   pending approvals; and the messages and events that pass through it.
//! - [`diff`]: the ops that turn one state into the next ([`diff::diff`] on the server,
//!   [`diff::apply`] on the client) and the per-entity patches they carry.
//! - [`topic`]: what a client subscribes to (`workspace/{id}`, `workspace/{id}/tasks`,
//!   `agent/{id}/activity`).
//! - [`message`]: the messages of the WebSocket protocol, client and server side.
//! - [`codec`]: the one place that turns messages into bytes, as MessagePack or JSON.
//! - [`compact`]: the compact `diff` frames of `agenthq.v1.compact` (entities by number).
//! - [`feed`]: a client's side of following one topic: snapshot, diffs in order, resume on
//!   a gap (used by `agenthq tail` and the viewer alike).
//!
//! This crate does no I/O and depends on nothing that cannot build for `wasm32`.

pub mod codec;
pub mod compact;
pub mod diff;
pub mod feed;
pub mod id;
pub mod message;
pub mod model;
pub mod topic;

pub use codec::{Codec, CodecError};
pub use diff::{Diff, Op};
pub use id::{AgentId, ApiKeyId, ApprovalId, IdParseError, MessageId, TaskId, UserId, WorkspaceId};
pub use message::{ClientMessage, ErrorCode, Resume, ServerMessage, Verdict};
pub use model::{
    ActivityKind, ActivityLine, AgentStatus, AgentView, ApprovalEvent, ApprovalView, Decision,
    MessageView, OfficeState, TaskEvent, TaskStatus, TaskView, Tier, WorkspaceView,
};
pub use topic::Topic;

/// Version of the wire protocol; sent in `welcome`. Bumped on any incompatible change to
/// the messages or their encoding (the golden-bytes tests guard against accidental ones).
pub const PROTOCOL_VERSION: u32 = 1;
