//! Tasks as submitted and as stored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agenthq_protocol::{AgentId, TaskEvent, TaskId, TaskStatus, TaskView, WorkspaceId};
use serde::{Deserialize, Serialize};

/// Longest idempotency key accepted, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 255;

/// A task as a caller submits it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    /// The agent to run it; `None` lets the workspace pick the least-loaded agent.
    pub agent: Option<AgentId>,
    pub title: String,
    /// Free-form input for the executor.
    pub input: serde_json::Value,
    /// Higher runs first; equal priorities run in submission order.
    pub priority: i32,
    /// Attempts in all; the runtime's retry policy when `None`.
    pub max_attempts: Option<u32>,
    /// Timeout of one attempt; the runtime's default when `None`.
    pub timeout: Option<Duration>,
    /// Delay before the first retry (doubling after); the policy's when `None`.
    pub backoff: Option<Duration>,
    /// A second submission with the same key returns the first task.
    pub idempotency_key: Option<String>,
}

/// A task as the store keeps it: everything needed to run it again after a crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub id: TaskId,
    pub workspace: WorkspaceId,
    pub agent: Option<AgentId>,
    /// The agent running (or last to run) it.
    pub assigned: Option<AgentId>,
    pub title: String,
    pub input: serde_json::Value,
    pub priority: i32,
    pub status: TaskStatus,
    /// Attempts started, the current one included.
    pub attempts: u32,
    pub max_attempts: u32,
    pub backoff_ms: u64,
    pub timeout_ms: u64,
    pub idempotency_key: Option<String>,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
    /// A queued task waiting out a retry backoff runs no earlier than this (unix ms).
    pub run_after: Option<i64>,
}

impl TaskRecord {
    pub fn view(&self, progress: u16) -> TaskView {
        TaskView {
            id: self.id,
            n: 0,
            title: self.title.clone(),
            target: self.agent,
            assigned: self.assigned,
            priority: self.priority,
            status: self.status,
            progress,
            attempts: self.attempts,
            max_attempts: self.max_attempts,
        }
    }

    pub fn event(&self) -> TaskEvent {
        TaskEvent {
            id: self.id,
            status: self.status,
            attempts: self.attempts,
            agent: self.assigned,
            error: self.error.clone(),
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// What a submission returned: the task, and whether this call created it (`false` when
/// an earlier submission with the same idempotency key did).
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub task: TaskRecord,
    pub created: bool,
}

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Today (UTC) in days since the Unix epoch: how usage is counted.
pub fn today() -> i64 {
    now_ms().div_euclid(DAY_MS)
}

/// The calendar date (year, month 1-12, day 1-31) of a day number since 1970-01-01
/// (Howard Hinnant's civil-from-days).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// Unix time in microseconds (the protocol's `server_time`).
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}
