//! The compact encoding of `diff` frames (subprotocol `agenthq.v1.compact`).
//!
//! Every other message of that subprotocol is the MessagePack of `agenthq.v1.msgpack`
//! (a map with field names); a `diff` is a positional array instead, where agents and
//! tasks the client already holds are named by their small number (`n`, see
//! [`crate::AgentView::n`]) rather than their 16-byte id, field names are bits of a mask,
//! and enums are small integers. A status change of an agent takes 5 bytes where the
//! named MessagePack op takes about 45. The layout, byte by byte, is in
//! `docs/protocol.md` ("The compact subprotocol").
//!
//! ```text
//! diff  = [topic kind, topic id (bin 16), epoch, seq, server_time, [op, ...]]
//! op    = [1, ref, mask, agent fields...]      agent upsert
//!       | [2, ref, mask, task fields...]       task upsert
//!       | [3, ref] | [4, ref]                  agent removed, task removed
//!       | [5, line id, agent ref, task ref | nil, kind, text, server ms - at]
//!       | [6, task ref, status, attempts, agent ref | nil, error | nil]   task event
//!       | [7, message id (bin 16), from ref | nil, to ref | nil, author, text,
//!          task ref | nil, server ms - at]   message
//!       | {the op as agenthq.v1.msgpack}       any other op
//! ref   = n (uint) | id (bin 16)
//! text  = str | [piece, ...]                   the pieces joined
//! piece = str                                  these very words
//!       | n (uint)                             the title of task n
//!       | [back, start, len]                   bytes start..start+len of the text of
//!                                              activity line (this line's id - back)
//! ```
//!
//! A text (an activity line's, a task's title, a message's) may be written as pieces of
//! texts the client already holds: the title of a task in its state, a part of an
//! activity line in its state (only within an activity line, whose id the reference
//! counts back from). The sources are those the client holds after the ops before it in
//! the same diff: the state before the diff, the titles and lines of earlier ops. An
//! office's lines mostly say what an agent does to its task, in a few phrases: the
//! phrase is a piece of an earlier line, the task's title its number.
//!
//! The server numbers a reference only when the client's state holds the entity: on
//! `workspace/{id}` agents and tasks, on `workspace/{id}/tasks` tasks, on
//! `agent/{id}/activity` nothing. A new entity's upsert names it by id and carries its
//! `n`; from then on the client ([`Decoder`]) resolves the number. A number is never
//! reused within an epoch, so a replayed diff cannot name the wrong entity.
//!
//! `encode` (the server's side) and `decode` (the client's, [`Decoder`]) share the codes
//! defined here.

mod decode;
mod encode;

use crate::id::{AgentId, TaskId};
use crate::model::{ActivityKind, AgentStatus, TaskStatus};

pub use decode::{DecodeError, Decoder};
pub use encode::{encode, encode_into};

const AGENT: u8 = 1;
const TASK: u8 = 2;
const AGENT_REMOVED: u8 = 3;
const TASK_REMOVED: u8 = 4;
const ACTIVITY: u8 = 5;
const TASK_EVENT: u8 = 6;
const MESSAGE: u8 = 7;

/// The longest text a client composes from pieces; a frame asking for more is malformed
/// (a few bytes of references cannot make a client allocate without bound).
pub const MAX_TEXT: usize = 16 * 1024;

/// What the encoder may refer to for a topic: the numbers of the entities the client
/// holds once the diff applies (and of those it removes), and the texts it holds.
///
/// Texts are optional (the defaults refer to none, and every text is written out); an
/// implementation answers only for what the client holds once the diff has applied. The
/// encoder keeps to the order within the diff: it refers to a title or a line that the
/// diff itself sets only after the op that sets it.
pub trait Numbers {
    fn agent(&self, id: AgentId) -> Option<u32>;
    fn task(&self, id: TaskId) -> Option<u32>;
    /// The title of a task the client holds.
    fn title(&self, _id: TaskId) -> Option<&str> {
        None
    }
    /// A task the client holds with this title: the one with the lowest number.
    fn titled(&self, _title: &str) -> Option<TaskId> {
        None
    }
    /// The activity lines the client holds, as (line id, text), in any order.
    fn lines(&self) -> Vec<(u64, &str)> {
        Vec::new()
    }
}

/// Names every entity by its id: always correct, only larger. What a node uses when it
/// does not hold the topic's state (a diff received from another node).
#[derive(Debug, Clone, Copy, Default)]
pub struct ByIds;

impl Numbers for ByIds {
    fn agent(&self, _: AgentId) -> Option<u32> {
        None
    }
    fn task(&self, _: TaskId) -> Option<u32> {
        None
    }
}

/// The agent fields in mask order, the ones that change most first (so that a change's
/// mask is one byte).
pub const AGENT_FIELDS: [&str; 10] = [
    "status",
    "running",
    "queued",
    "current_task",
    "restarts",
    "n",
    "name",
    "personality",
    "desk",
    "max_concurrent",
];

/// The task fields in mask order.
pub const TASK_FIELDS: [&str; 9] = [
    "status",
    "progress",
    "assigned",
    "attempts",
    "n",
    "title",
    "target",
    "priority",
    "max_attempts",
];

const AGENT_STATUSES: [AgentStatus; 6] = [
    AgentStatus::Idle,
    AgentStatus::Thinking,
    AgentStatus::Working,
    AgentStatus::AwaitingApproval,
    AgentStatus::Blocked,
    AgentStatus::Faulted,
];
const TASK_STATUSES: [TaskStatus; 7] = [
    TaskStatus::Queued,
    TaskStatus::Running,
    TaskStatus::AwaitingApproval,
    TaskStatus::Succeeded,
    TaskStatus::Failed,
    TaskStatus::Cancelled,
    TaskStatus::Dead,
];
const ACTIVITY_KINDS: [ActivityKind; 4] = [
    ActivityKind::Thought,
    ActivityKind::ToolCall,
    ActivityKind::Output,
    ActivityKind::Status,
];

fn code_of<T: PartialEq>(all: &[T], v: T) -> u8 {
    all.iter().position(|x| *x == v).unwrap_or(0) as u8
}
fn agent_code(v: AgentStatus) -> u8 {
    code_of(&AGENT_STATUSES, v)
}
fn task_code(v: TaskStatus) -> u8 {
    code_of(&TASK_STATUSES, v)
}
fn activity_code(v: ActivityKind) -> u8 {
    code_of(&ACTIVITY_KINDS, v)
}
