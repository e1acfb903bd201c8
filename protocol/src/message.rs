//! Messages of the WebSocket protocol, grouped by direction.
//!
//! Every message is a map with a `type` field naming it (`{"type":"ping"}`), in both codecs.
//! A client says `hello` first, then subscribes to topics; the server answers with a
//! `snapshot` per subscription, then a `diff` per tick in which the topic changed.

use serde::{Deserialize, Serialize};

use crate::diff::Diff;
use crate::id::ApprovalId;
use crate::model::{Decision, OfficeState};
use crate::topic::Topic;

/// Where a client's copy of a topic stands: the last diff (or snapshot) it applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Resume {
    pub epoch: u64,
    pub seq: u64,
}

/// From client to server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// First message on a connection: a JWT or API key, or none for public workspaces.
    Hello {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// Start streaming a topic. With `resume`, the server replays the diffs after it when
    /// its history still holds them, and sends a snapshot otherwise.
    Subscribe {
        topic: Topic,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<Resume>,
    },
    Unsubscribe {
        topic: Topic,
    },
    Ping,
    /// Approves or rejects an agent's approval request (needs the `member` role or more in
    /// its workspace). Answered by `decided`, or an `error`.
    Decide {
        approval: ApprovalId,
        verdict: Verdict,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
}

/// A person's answer to an approval request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

impl Verdict {
    pub fn decision(self) -> Decision {
        match self {
            Verdict::Approve => Decision::Approved,
            Verdict::Reject => Decision::Rejected,
        }
    }
}

/// From server to client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// Answer to `hello`.
    Welcome {
        protocol_version: u32,
        /// Unix time in microseconds, to estimate clock offset.
        server_time: u64,
    },
    /// The whole state of a topic at (`epoch`, `seq`).
    Snapshot {
        topic: Topic,
        epoch: u64,
        seq: u64,
        state: OfficeState,
    },
    /// The changes of one tick. Follows the client's state only if `epoch` matches and
    /// `seq` is one more than the last seq applied.
    Diff {
        topic: Topic,
        epoch: u64,
        seq: u64,
        /// Unix time in microseconds when the tick was published.
        server_time: u64,
        ops: Diff,
    },
    Error {
        code: ErrorCode,
        message: String,
        /// The topic the error is about, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<Topic>,
    },
    Pong,
    /// Answer to `decide`: the request is decided and its agent goes on.
    Decided {
        approval: ApprovalId,
        decision: Decision,
    },
}

/// Machine-readable error codes; `message` says the same for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not a message of this protocol.
    Malformed,
    /// A message not allowed now (for example `subscribe` before `hello`).
    UnexpectedMessage,
    Unauthorized,
    Forbidden,
    NotFound,
    /// The frame was larger than the server accepts.
    FrameTooLarge,
    TooManySubscriptions,
    RateLimited,
    QueueFull,
    /// The client fell behind; it must subscribe again (with `resume`).
    ResyncRequired,
    /// The request no longer applies (an approval already decided, say).
    Conflict,
    Internal,
}
