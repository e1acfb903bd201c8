//! Diffs: what changed in a topic's state between two ticks.
//!
//! The server computes a [`Diff`] with [`diff`] (or per entity with the patches'
//! `between`), the client applies it with [`apply`]. The law that ties them, checked by a
//! property test: `apply(old, diff(old, new)) == new`.
//!
//! A diff carries only what changed: an entity the client already has gets a patch with
//! the changed fields; a new entity gets a patch with all of them. Applying a diff whose
//! effects the state already has changes nothing, so a replayed diff is harmless.

use serde::{Deserialize, Deserializer, Serialize};

use crate::id::{AgentId, ApprovalId, TaskId, WorkspaceId};
use crate::model::{
    ActivityLine, AgentStatus, AgentView, ApprovalEvent, ApprovalView, MessageView, OfficeState,
    TaskEvent, TaskStatus, TaskView, Tier, WorkspaceView,
};

/// One change to a topic's state, or an event that rides along with the changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Upsert of the workspace header.
    Workspace(WorkspacePatch),
    /// The workspace is gone (deleted, or no longer visible to this subscription).
    WorkspaceRemoved,
    /// Upsert of an agent: the changed fields, or all of them for a new agent.
    Agent(AgentPatch),
    AgentRemoved {
        id: AgentId,
    },
    /// Upsert of a live task: the changed fields, or all of them for a new task.
    Task(TaskPatch),
    /// The task left the live state (it finished; a `task_event` says how).
    TaskRemoved {
        id: TaskId,
    },
    /// A new activity line, appended to the state's ring.
    Activity(ActivityLine),
    /// The activity ring replaced whole (rare: only when lines were not simply appended).
    ActivityReset {
        lines: Vec<ActivityLine>,
    },
    /// A task lifecycle event; it does not change the state.
    TaskEvent(TaskEvent),
    /// A new approval request (sent whole: a request does not change while it waits).
    Approval(ApprovalView),
    /// The request left the state (decided, expired or its task stopped; an
    /// `approval_event` says how).
    ApprovalRemoved {
        id: ApprovalId,
    },
    /// How an approval request ended; it does not change the state.
    ApprovalEvent(ApprovalEvent),
    /// A message passed between agents or people; it does not change the state.
    Message(MessageView),
}

/// The ops of one tick for one topic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Diff {
    pub ops: Vec<Op>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn push(&mut self, op: Op) {
        self.ops.push(op);
    }
}

/// Why a diff could not be applied: the client's state does not follow the server's, and
/// it must resubscribe (resume or snapshot).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("patch for unknown {entity} {id} lacks field `{field}`; resync needed")]
    Incomplete {
        entity: &'static str,
        id: String,
        field: &'static str,
    },
}

/// Present-in-input means `Some`, even when the value is `null`: for a patch field whose
/// view field is itself optional, `null` means "set to none" and absence means "unchanged".
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

macro_rules! patch {
    (
        $(#[$doc:meta])* $patch:ident for $view:ident ($entity:literal) {
            key $key:ident: $key_ty:ty;
            $($field:ident: $ty:ty),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $patch {
            pub $key: $key_ty,
            $(
                #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
                pub $field: Option<$ty>,
            )+
        }

        impl $patch {
            /// A patch carrying every field: how a new entity is sent.
            pub fn full(view: &$view) -> Self {
                Self { $key: view.$key, $($field: Some(view.$field.clone()),)+ }
            }

            /// The fields that differ from `old` to `new`, or `None` if nothing changed.
            pub fn between(old: &$view, new: &$view) -> Option<Self> {
                let patch = Self {
                    $key: new.$key,
                    $($field: (old.$field != new.$field).then(|| new.$field.clone()),)+
                };
                (!patch.is_empty()).then_some(patch)
            }

            pub fn is_empty(&self) -> bool {
                true $(&& self.$field.is_none())+
            }

            /// Writes the patch's fields into an existing view.
            pub fn apply_to(self, view: &mut $view) {
                $(if let Some(value) = self.$field { view.$field = value; })+
            }

            /// Builds a new view; every field must be present.
            pub fn into_view(self) -> Result<$view, ApplyError> {
                Ok($view {
                    $key: self.$key,
                    $($field: self.$field.ok_or_else(|| ApplyError::Incomplete {
                        entity: $entity,
                        id: self.$key.to_string(),
                        field: stringify!($field),
                    })?,)+
                })
            }
        }
    };
}

patch!(
    /// Changed fields of the workspace header.
    WorkspacePatch for WorkspaceView ("workspace") {
        key id: WorkspaceId;
        name: String,
        tier: Tier,
        max_running: u32,
        max_queued: u32,
    }
);

patch!(
    /// Changed fields of an agent.
    AgentPatch for AgentView ("agent") {
        key id: AgentId;
        n: u32,
        name: String,
        personality: String,
        status: AgentStatus,
        desk: u32,
        max_concurrent: u32,
        running: u32,
        queued: u32,
        current_task: Option<TaskId>,
        restarts: u32,
    }
);

patch!(
    /// Changed fields of a live task.
    TaskPatch for TaskView ("task") {
        key id: TaskId;
        n: u32,
        title: String,
        target: Option<AgentId>,
        assigned: Option<AgentId>,
        priority: i32,
        status: TaskStatus,
        progress: u16,
        attempts: u32,
        max_attempts: u32,
    }
);

/// The ops that turn `old` into `new`.
pub fn diff(old: &OfficeState, new: &OfficeState) -> Diff {
    let mut out = Diff::default();
    match (&old.workspace, &new.workspace) {
        (_, None) if old.workspace.is_some() => out.push(Op::WorkspaceRemoved),
        (None, Some(ws)) => out.push(Op::Workspace(WorkspacePatch::full(ws))),
        (Some(a), Some(b)) => {
            if let Some(p) = WorkspacePatch::between(a, b) {
                out.push(Op::Workspace(p));
            }
        }
        _ => {}
    }
    for id in old.agents.keys().filter(|id| !new.agents.contains_key(id)) {
        out.push(Op::AgentRemoved { id: *id });
    }
    for (id, agent) in &new.agents {
        match old.agents.get(id) {
            None => out.push(Op::Agent(AgentPatch::full(agent))),
            Some(before) => out
                .ops
                .extend(AgentPatch::between(before, agent).map(Op::Agent)),
        }
    }
    for id in old.tasks.keys().filter(|id| !new.tasks.contains_key(id)) {
        out.push(Op::TaskRemoved { id: *id });
    }
    for (id, task) in &new.tasks {
        match old.tasks.get(id) {
            None => out.push(Op::Task(TaskPatch::full(task))),
            Some(before) => out
                .ops
                .extend(TaskPatch::between(before, task).map(Op::Task)),
        }
    }
    for id in old.approvals.keys() {
        if !new.approvals.contains_key(id) {
            out.push(Op::ApprovalRemoved { id: *id });
        }
    }
    for (id, approval) in &new.approvals {
        if old.approvals.get(id) != Some(approval) {
            out.push(Op::Approval(approval.clone()));
        }
    }
    diff_activity(old, new, &mut out);
    out
}

/// Appended lines when `new`'s ring is `old`'s with lines pushed; a reset otherwise.
fn diff_activity(old: &OfficeState, new: &OfficeState, out: &mut Diff) {
    if old.activity == new.activity {
        return;
    }
    let last_old = old.activity.back().map(|l| l.id);
    let appended: Vec<&ActivityLine> = new
        .activity
        .iter()
        .filter(|l| last_old.is_none_or(|last| l.id > last))
        .collect();
    let mut simulated = OfficeState {
        activity: old.activity.clone(),
        ..OfficeState::default()
    };
    for line in &appended {
        simulated.push_activity((*line).clone());
    }
    if simulated.activity == new.activity {
        out.ops
            .extend(appended.into_iter().map(|l| Op::Activity(l.clone())));
    } else {
        out.push(Op::ActivityReset {
            lines: new.activity.iter().cloned().collect(),
        });
    }
}

/// Applies `diff` to `state`. On error the state may be partly updated and the client must
/// resync; a diff from the same server never fails on the state it followed.
pub fn apply(state: &mut OfficeState, diff: &Diff) -> Result<(), ApplyError> {
    for op in &diff.ops {
        apply_op(state, op.clone())?;
    }
    Ok(())
}

/// Applies one op, taking it by value so a client that owns its diff copies nothing.
pub fn apply_op(state: &mut OfficeState, op: Op) -> Result<(), ApplyError> {
    match op {
        Op::Workspace(patch) => match &mut state.workspace {
            Some(ws) if ws.id == patch.id => patch.apply_to(ws),
            slot => *slot = Some(patch.into_view()?),
        },
        Op::WorkspaceRemoved => state.workspace = None,
        Op::Agent(patch) => match state.agents.get_mut(&patch.id) {
            Some(agent) => patch.apply_to(agent),
            None => {
                let agent = patch.into_view()?;
                state.agents.insert(agent.id, agent);
            }
        },
        Op::AgentRemoved { id } => {
            state.agents.remove(&id);
        }
        Op::Task(patch) => match state.tasks.get_mut(&patch.id) {
            Some(task) => patch.apply_to(task),
            None => {
                let task = patch.into_view()?;
                state.tasks.insert(task.id, task);
            }
        },
        Op::TaskRemoved { id } => {
            state.tasks.remove(&id);
        }
        Op::Activity(line) => state.push_activity(line),
        Op::ActivityReset { lines } => state.activity = lines.into(),
        Op::Approval(approval) => {
            state.approvals.insert(approval.id, approval);
        }
        Op::ApprovalRemoved { id } => {
            state.approvals.remove(&id);
        }
        Op::TaskEvent(_) | Op::ApprovalEvent(_) | Op::Message(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(n: u8) -> AgentView {
        AgentView {
            id: AgentId::from_bytes([n; 16]),
            n: 0,
            name: format!("agent {n}"),
            personality: "calm".into(),
            status: AgentStatus::Idle,
            desk: n.into(),
            max_concurrent: 1,
            running: 0,
            queued: 0,
            current_task: None,
            restarts: 0,
        }
    }

    #[test]
    fn a_changed_field_is_all_the_patch_carries() {
        let old = agent(1);
        let mut new = old.clone();
        new.status = AgentStatus::Working;
        let patch = AgentPatch::between(&old, &new).expect("changed");
        assert_eq!(patch.status, Some(AgentStatus::Working));
        assert!(patch.name.is_none() && patch.current_task.is_none());
        let json = serde_json::to_string(&Op::Agent(patch)).unwrap();
        assert_eq!(
            json,
            format!(r#"{{"op":"agent","id":"{}","status":"working"}}"#, old.id)
        );
    }

    #[test]
    fn null_sets_an_optional_field_to_none_and_absence_leaves_it() {
        let mut a = agent(2);
        a.current_task = Some(TaskId::from_bytes([9; 16]));
        let op: Op = serde_json::from_str(&format!(
            r#"{{"op":"agent","id":"{}","current_task":null}}"#,
            a.id
        ))
        .unwrap();
        let Op::Agent(patch) = op else {
            panic!("not an agent op")
        };
        assert_eq!(patch.current_task, Some(None));
        patch.apply_to(&mut a);
        assert_eq!(a.current_task, None);
    }

    #[test]
    fn a_partial_patch_for_an_unknown_agent_asks_for_a_resync() {
        let mut state = OfficeState::default();
        let patch = AgentPatch::between(&agent(1), &{
            let mut b = agent(1);
            b.running = 1;
            b
        })
        .unwrap();
        let err = apply(
            &mut state,
            &Diff {
                ops: vec![Op::Agent(patch)],
            },
        )
        .unwrap_err();
        assert!(matches!(err, ApplyError::Incomplete { field: "n", .. }));
    }

    #[test]
    fn equal_states_have_an_empty_diff() {
        let mut s = OfficeState::default();
        s.agents.insert(agent(1).id, agent(1));
        assert!(diff(&s, &s.clone()).is_empty());
    }
}
