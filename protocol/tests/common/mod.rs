//! What the protocol's tests share: strategies for states as a server makes them, and the
//! golden diff.

use std::collections::VecDeque;

use agenthq_protocol::diff::{AgentPatch, Diff};
use agenthq_protocol::model::ACTIVITY_CAP;
use agenthq_protocol::*;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

pub fn agent_id() -> impl Strategy<Value = AgentId> {
    // A small id space so that old and new states share entities.
    (0u8..12).prop_map(|n| AgentId::from_bytes([n; 16]))
}

pub fn task_id() -> impl Strategy<Value = TaskId> {
    (0u8..24).prop_map(|n| TaskId::from_bytes([n; 16]))
}

pub fn agent_status() -> impl Strategy<Value = AgentStatus> {
    prop_oneof![
        Just(AgentStatus::Idle),
        Just(AgentStatus::Thinking),
        Just(AgentStatus::Working),
        Just(AgentStatus::AwaitingApproval),
        Just(AgentStatus::Blocked),
        Just(AgentStatus::Faulted),
    ]
}

pub fn task_status() -> impl Strategy<Value = TaskStatus> {
    prop_oneof![
        Just(TaskStatus::Queued),
        Just(TaskStatus::Running),
        Just(TaskStatus::AwaitingApproval),
        Just(TaskStatus::Succeeded),
        Just(TaskStatus::Failed),
        Just(TaskStatus::Cancelled),
        Just(TaskStatus::Dead),
    ]
}

pub fn workspace() -> impl Strategy<Value = Option<WorkspaceView>> {
    proptest::option::weighted(
        0.9,
        ("[a-z ]{0,8}", 0u32..3, 1u32..100).prop_map(|(name, tier, cap)| WorkspaceView {
            id: WorkspaceId::from_bytes([1; 16]),
            name,
            tier: [Tier::Free, Tier::Pro, Tier::Enterprise][tier as usize],
            max_running: cap,
            max_queued: cap * 10,
        }),
    )
}

pub fn agent() -> impl Strategy<Value = AgentView> {
    (
        agent_id(),
        "\\PC{0,6}",
        agent_status(),
        0u32..4,
        0u32..3,
        proptest::option::of(task_id()),
        0u32..3,
    )
        .prop_map(
            |(id, name, status, desk, running, current_task, restarts)| AgentView {
                id,
                // One number per id, as a server hands them out (never two for one id).
                n: u32::from(id.as_bytes()[0]) + 1,
                name,
                personality: "curious".into(),
                status,
                desk,
                max_concurrent: 2,
                running,
                queued: desk,
                current_task,
                restarts,
            },
        )
}

/// Titles and phrases that recur, as an office's do, some of them beyond ASCII (a piece of
/// a text must begin and end between characters).
pub const TITLES: [&str; 4] = [
    "Write the launch post",
    "Fix the flaky test",
    "Plan Q3 für Ärzte",
    "読む本を選ぶ",
];
pub const PHRASES: [&str; 4] = [
    "Reading the brief for",
    "Weighing two approaches to",
    "Prüfe gründlich",
    "考える",
];

pub fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,5}",
        (0..TITLES.len()).prop_map(|t| TITLES[t].to_owned()),
    ]
}

pub fn line_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,10}",
        (0..PHRASES.len(), 0..TITLES.len(), "[a-zé]{0,2}")
            .prop_map(|(p, t, tail)| format!("{} {}{tail}", PHRASES[p], TITLES[t])),
    ]
}

pub fn task() -> impl Strategy<Value = TaskView> {
    (
        task_id(),
        title(),
        proptest::option::of(agent_id()),
        proptest::option::of(agent_id()),
        -2i32..3,
        task_status(),
        0u16..=1000,
        1u32..4,
    )
        .prop_map(
            |(id, title, target, assigned, priority, status, progress, attempts)| TaskView {
                id,
                n: u32::from(id.as_bytes()[0]) + 200,
                title,
                target,
                assigned,
                priority,
                status,
                progress,
                attempts,
                max_attempts: 3,
            },
        )
}

/// An activity ring as a server makes it: increasing ids from `start`, capped.
pub fn activity(start: u64) -> impl Strategy<Value = VecDeque<ActivityLine>> {
    vec((agent_id(), line_text(), 1u64..3), 0..ACTIVITY_CAP + 8).prop_map(move |lines| {
        let mut state = OfficeState::default();
        let mut id = start;
        for (agent, text, step) in lines {
            id += step;
            state.push_activity(ActivityLine {
                id,
                agent,
                task: (step == 2).then(|| TaskId::from_bytes([(id % 24) as u8; 16])),
                kind: ActivityKind::Output,
                text,
                at: 1_700_000_000_000 + id as i64,
            });
        }
        state.activity
    })
}

pub fn approval() -> impl Strategy<Value = ApprovalView> {
    (
        (0u8..6),
        task_id(),
        agent_id(),
        "\\PC{0,12}",
        "[a-z ]{0,20}",
    )
        .prop_map(|(n, task, agent, action, detail)| ApprovalView {
            id: ApprovalId::from_bytes([n; 16]),
            task,
            agent,
            action,
            detail,
            requested_at: 1_700_000_000_000 + i64::from(n),
            expires_at: 1_700_003_600_000,
        })
}

pub fn state() -> impl Strategy<Value = OfficeState> {
    (
        workspace(),
        btree_map(agent_id(), agent(), 0..8),
        btree_map(task_id(), task(), 0..12),
        activity(0),
        vec(approval(), 0..3),
    )
        .prop_map(
            |(workspace, agents, tasks, activity, approvals)| OfficeState {
                workspace,
                // Keys must match the ids inside, as the server keeps them.
                agents: agents.into_values().map(|a| (a.id, a)).collect(),
                tasks: tasks.into_values().map(|t| (t.id, t)).collect(),
                activity,
                approvals: approvals.into_iter().map(|a| (a.id, a)).collect(),
            },
        )
}

/// A later state: either unrelated, or the old one with activity appended.
pub fn successor(old: OfficeState) -> impl Strategy<Value = (OfficeState, OfficeState)> {
    let last = old.activity.back().map_or(0, |l| l.id);
    let extended = {
        let old = old.clone();
        (state(), activity(last)).prop_map(move |(mut new, more)| {
            new.activity = old.activity.clone();
            for line in more {
                new.push_activity(line);
            }
            (old.clone(), new)
        })
    };
    let unrelated = {
        let old = old.clone();
        state().prop_map(move |new| (old.clone(), new))
    };
    prop_oneof![extended, unrelated]
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn golden_diff() -> ServerMessage {
    let agent = AgentId::from_bytes([0xa1; 16]);
    let task = TaskId::from_bytes([0x7a; 16]);
    ServerMessage::Diff {
        topic: Topic::Workspace(WorkspaceId::from_bytes([0x11; 16])),
        epoch: 3,
        seq: 42,
        server_time: 1_700_000_000_000_000,
        ops: Diff {
            ops: vec![
                Op::Agent(AgentPatch {
                    id: agent,
                    n: None,
                    name: None,
                    personality: None,
                    status: Some(AgentStatus::Working),
                    desk: None,
                    max_concurrent: None,
                    running: Some(1),
                    queued: None,
                    current_task: Some(Some(task)),
                    restarts: None,
                }),
                Op::TaskRemoved { id: task },
            ],
        },
    }
}
