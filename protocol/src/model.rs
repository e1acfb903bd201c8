//! The state a client holds for a topic, and the values inside it.
//!
//! [`OfficeState`] is the one state shape of every topic: `workspace/{id}` carries all of
//! it, `workspace/{id}/tasks` only the workspace and its live tasks, `agent/{id}/activity`
//! only that agent and its activity lines (see [`OfficeState::project`]). Finished tasks
//! leave the state (a [`TaskEvent`] announces how they ended), so a state is bounded by the
//! workspace's caps.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::id::{AgentId, ApprovalId, MessageId, TaskId, WorkspaceId};
use crate::topic::Topic;

/// Most activity lines a state keeps; older lines fall off the front.
pub const ACTIVITY_CAP: usize = 32;

/// Pricing tier of a workspace; it sets the workspace's caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    Free,
    Starter,
    Pro,
    Enterprise,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Free, Tier::Starter, Tier::Pro, Tier::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Starter => "starter",
            Tier::Pro => "pro",
            Tier::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// The workspace itself: the header of every topic's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceView {
    pub id: WorkspaceId,
    pub name: String,
    pub tier: Tier,
    /// Most tasks running at once in the workspace.
    pub max_running: u32,
    /// Most tasks waiting in the workspace's queue.
    pub max_queued: u32,
}

/// What an agent is doing, as the office shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// No task; the agent wanders to the coffee corner.
    #[default]
    Idle,
    /// Running a task that has not reported progress yet.
    Thinking,
    /// Running a task and making progress.
    Working,
    /// Waiting for a human to approve a step.
    AwaitingApproval,
    /// Has work but cannot take it (for example the workspace is at `max_running`).
    Blocked,
    /// Restarted too often in a short window; takes no work until reset.
    Faulted,
}

/// An agent as the office shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    pub id: AgentId,
    /// The agent's number in its workspace for this epoch: small, handed out once and
    /// never reused within the epoch. The compact subprotocol (`agenthq.v1.compact`) names
    /// the agent by it instead of its 16-byte id once the client has seen it.
    #[serde(default)]
    pub n: u32,
    pub name: String,
    pub personality: String,
    pub status: AgentStatus,
    /// Index of the agent's desk; the viewer lays desks out from it.
    pub desk: u32,
    pub max_concurrent: u32,
    /// Tasks this agent runs now.
    pub running: u32,
    /// Tasks queued for this agent by name (not counting "any agent" tasks).
    pub queued: u32,
    /// The task whose progress the office draws over the desk.
    pub current_task: Option<TaskId>,
    /// Restarts of this agent's actor since it was loaded.
    pub restarts: u32,
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Queued,
    Running,
    /// Running, and stopped until a person approves or rejects what the agent asks
    /// (see [`ApprovalView`]).
    AwaitingApproval,
    Succeeded,
    Failed,
    Cancelled,
    /// Failed its last attempt; in the dead set until retried.
    Dead,
}

impl TaskStatus {
    /// A task in a terminal status never runs again unless a person retries it.
    pub fn is_terminal(self) -> bool {
        !matches!(
            self,
            TaskStatus::Queued | TaskStatus::Running | TaskStatus::AwaitingApproval
        )
    }

    /// An attempt of the task is under way (running, or waiting for an approval).
    pub fn is_running(self) -> bool {
        matches!(self, TaskStatus::Running | TaskStatus::AwaitingApproval)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Running => "running",
            TaskStatus::AwaitingApproval => "awaiting_approval",
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => TaskStatus::Queued,
            "running" => TaskStatus::Running,
            "awaiting_approval" => TaskStatus::AwaitingApproval,
            "succeeded" => TaskStatus::Succeeded,
            "failed" => TaskStatus::Failed,
            "cancelled" => TaskStatus::Cancelled,
            "dead" => TaskStatus::Dead,
            _ => return None,
        })
    }
}

/// A live (queued or running) task as the office shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: TaskId,
    /// The task's number in its workspace for this epoch (see [`AgentView::n`]).
    #[serde(default)]
    pub n: u32,
    /// A short line for the office: what the task is about.
    pub title: String,
    /// The agent it was submitted to; `None` means any agent.
    pub target: Option<AgentId>,
    /// The agent running it now.
    pub assigned: Option<AgentId>,
    pub priority: i32,
    pub status: TaskStatus,
    /// Progress of the current attempt in per mille (0..=1000).
    pub progress: u16,
    /// Attempts started so far, the current one included.
    pub attempts: u32,
    pub max_attempts: u32,
}

/// The kind of an activity line; the viewer picks the bubble from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Thought,
    ToolCall,
    Output,
    Status,
}

/// One line of what an agent is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityLine {
    /// Rises by one per line within a workspace; a client drops lines it already has.
    pub id: u64,
    pub agent: AgentId,
    pub task: Option<TaskId>,
    pub kind: ActivityKind,
    pub text: String,
    /// Unix time in milliseconds.
    pub at: i64,
}

/// How a task left the live state, or was retried; sent on `workspace/{id}/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEvent {
    pub id: TaskId,
    pub status: TaskStatus,
    pub attempts: u32,
    pub agent: Option<AgentId>,
    /// The error of a failed attempt, or why a task was cancelled.
    pub error: Option<String>,
}

/// What an agent asks a person to approve, while nobody has decided; sent on
/// `workspace/{id}` and `workspace/{id}/tasks`. Its task is `awaiting_approval` meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub id: ApprovalId,
    pub task: TaskId,
    pub agent: AgentId,
    /// What the agent wants to do, in a line ("send the launch email to 1,200 customers").
    pub action: String,
    /// Anything the person needs to decide (the email's text, the command, ...).
    pub detail: String,
    /// Unix time in milliseconds.
    pub requested_at: i64,
    /// When the request expires undecided (Unix milliseconds); the agent is told so.
    pub expires_at: i64,
}

/// How an approval request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    Rejected,
    /// Nobody decided in time.
    Expired,
    /// The task stopped first (cancelled, timed out, or its node stopped).
    Cancelled,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
            Decision::Expired => "expired",
            Decision::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "approved" => Decision::Approved,
            "rejected" => Decision::Rejected,
            "expired" => Decision::Expired,
            "cancelled" => Decision::Cancelled,
            _ => return None,
        })
    }
}

/// An approval request was decided (or expired, or its task stopped); the request has
/// left the state. Sent on `workspace/{id}` and `workspace/{id}/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalEvent {
    pub id: ApprovalId,
    pub task: TaskId,
    pub agent: AgentId,
    pub decision: Decision,
    /// Who decided: a person's email or an API key's name; `None` when nobody did.
    pub by: Option<String>,
    pub comment: Option<String>,
}

/// A message between agents, or between an agent and the workspace's people; sent on
/// `workspace/{id}` and on the activity topics of the agents it is from and to. It does
/// not change the state: the office draws it as it passes, the API lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: MessageId,
    /// The agent that wrote it; `None` for a person.
    pub from: Option<AgentId>,
    /// The agent it is for; `None` for the workspace's people.
    pub to: Option<AgentId>,
    /// Who wrote it, for display: the agent's name, or the person's email or key name.
    pub author: String,
    pub text: String,
    /// The task the writer was working on, if any.
    pub task: Option<TaskId>,
    /// Unix time in milliseconds.
    pub at: i64,
}

/// The state of one topic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfficeState {
    pub workspace: Option<WorkspaceView>,
    pub agents: BTreeMap<AgentId, AgentView>,
    pub tasks: BTreeMap<TaskId, TaskView>,
    /// The latest activity lines, oldest first, at most [`ACTIVITY_CAP`].
    pub activity: VecDeque<ActivityLine>,
    /// Approval requests nobody has decided yet (at most one per live task). Left out of
    /// the encoding when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub approvals: BTreeMap<ApprovalId, ApprovalView>,
}

impl OfficeState {
    /// The part of a workspace's full state that `topic` carries.
    pub fn project(&self, topic: &Topic) -> OfficeState {
        match topic {
            Topic::Workspace(_) => self.clone(),
            Topic::Tasks(_) => OfficeState {
                workspace: self.workspace.clone(),
                tasks: self.tasks.clone(),
                approvals: self.approvals.clone(),
                ..OfficeState::default()
            },
            Topic::AgentActivity(agent) => OfficeState {
                workspace: self.workspace.clone(),
                agents: self
                    .agents
                    .get(agent)
                    .map(|a| (a.id, a.clone()))
                    .into_iter()
                    .collect(),
                ..OfficeState::default()
            },
        }
    }

    /// Appends an activity line, dropping the oldest past [`ACTIVITY_CAP`] and ignoring a
    /// line already seen (so a replayed diff is harmless).
    pub fn push_activity(&mut self, line: ActivityLine) {
        if self.activity.back().is_some_and(|last| last.id >= line.id) {
            return;
        }
        if self.activity.len() == ACTIVITY_CAP {
            self.activity.pop_front();
        }
        self.activity.push_back(line);
    }
}
