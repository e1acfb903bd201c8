//! The office as subscribers see it: the live state, what changed since the last tick, and
//! the topics' sequence numbers.
//!
//! The workspace mutates `live` freely and marks what it touched; once per tick
//! [`Office::publish`] turns the marks into one diff per topic, by comparing each touched
//! entity with its last published value, so a field changed and changed back in one tick
//! costs nothing on the wire.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use agenthq_protocol::compact::Numbers;
use agenthq_protocol::diff::{AgentPatch, TaskPatch, WorkspacePatch};
use agenthq_protocol::model::ACTIVITY_CAP;
use agenthq_protocol::{
    ActivityLine, AgentId, AgentView, ApprovalEvent, ApprovalId, ApprovalView, Diff, MessageView,
    OfficeState, Op, ServerMessage, TaskEvent, TaskId, TaskView, Topic, WorkspaceView,
};

use crate::bus::{Bus, Publication};
use crate::task::now_us;

#[derive(Debug)]
pub(super) struct Office {
    pub(super) live: OfficeState,
    published: OfficeState,
    dirty_agents: HashSet<AgentId>,
    dirty_tasks: HashSet<TaskId>,
    workspace_dirty: bool,
    new_lines: Vec<ActivityLine>,
    events: Vec<TaskEvent>,
    dirty_approvals: HashSet<ApprovalId>,
    approval_events: Vec<ApprovalEvent>,
    messages: Vec<MessageView>,
    next_line: u64,
    /// The next numbers handed to a new agent and a new task (see `AgentView::n`).
    next_agent: u32,
    next_task: u32,
    office_seq: u64,
    tasks_seq: u64,
    agent_topics: HashMap<AgentId, AgentTopic>,
}

/// `agent/{id}/activity`: its seq and the agent's own latest lines.
#[derive(Debug, Default)]
struct AgentTopic {
    seq: u64,
    lines: VecDeque<ActivityLine>,
}

impl Office {
    pub(super) fn new(workspace: WorkspaceView) -> Self {
        let live = OfficeState {
            workspace: Some(workspace),
            ..OfficeState::default()
        };
        Self {
            published: live.clone(),
            live,
            dirty_agents: HashSet::new(),
            dirty_tasks: HashSet::new(),
            workspace_dirty: false,
            new_lines: Vec::new(),
            events: Vec::new(),
            dirty_approvals: HashSet::new(),
            approval_events: Vec::new(),
            messages: Vec::new(),
            next_line: 1,
            next_agent: 1,
            next_task: 1,
            office_seq: 0,
            tasks_seq: 0,
            agent_topics: HashMap::new(),
        }
    }

    /// Whether anything waits to be published.
    pub(super) fn is_dirty(&self) -> bool {
        self.workspace_dirty
            || !self.dirty_agents.is_empty()
            || !self.dirty_tasks.is_empty()
            || !self.new_lines.is_empty()
            || !self.events.is_empty()
            || !self.dirty_approvals.is_empty()
            || !self.approval_events.is_empty()
            || !self.messages.is_empty()
    }

    /// Announces a new epoch: the first publication of an incarnation carries the
    /// workspace header, so subscribers of the old epoch learn they must resync.
    pub(super) fn announce(&mut self) {
        self.workspace_dirty = true;
        self.published.workspace = None;
    }

    /// The workspace header changed (its tier and caps).
    pub(super) fn workspace_changed(&mut self) {
        self.workspace_dirty = true;
    }

    pub(super) fn set_agent(&mut self, mut view: AgentView) {
        view.n = match self.agent_number(view.id) {
            Some(n) => n,
            None => take(&mut self.next_agent),
        };
        if self.live.agents.get(&view.id) != Some(&view) {
            self.dirty_agents.insert(view.id);
            self.live.agents.insert(view.id, view);
        }
    }

    /// An agent's view to change in place (marked for the next diff); no allocation, so
    /// the hot path of counters and status changes stays cheap.
    pub(super) fn agent_mut(&mut self, id: AgentId) -> Option<&mut AgentView> {
        let view = self.live.agents.get_mut(&id)?;
        self.dirty_agents.insert(id);
        Some(view)
    }

    /// A live task's view to change in place (marked for the next diff).
    pub(super) fn task_mut(&mut self, id: TaskId) -> Option<&mut TaskView> {
        let view = self.live.tasks.get_mut(&id)?;
        self.dirty_tasks.insert(id);
        Some(view)
    }

    /// The agent's number, kept while subscribers may hold it (live or last published):
    /// an entity removed and set again within a tick keeps its number.
    fn agent_number(&self, id: AgentId) -> Option<u32> {
        self.live
            .agents
            .get(&id)
            .or_else(|| self.published.agents.get(&id))
            .map(|a| a.n)
    }

    fn task_number(&self, id: TaskId) -> Option<u32> {
        self.live
            .tasks
            .get(&id)
            .or_else(|| self.published.tasks.get(&id))
            .map(|t| t.n)
    }

    pub(super) fn remove_agent(&mut self, id: AgentId) {
        if self.live.agents.remove(&id).is_some() {
            self.dirty_agents.insert(id);
        }
    }

    pub(super) fn set_task(&mut self, mut view: TaskView) {
        view.n = match self.task_number(view.id) {
            Some(n) => n,
            None => take(&mut self.next_task),
        };
        if self.live.tasks.get(&view.id) != Some(&view) {
            self.dirty_tasks.insert(view.id);
            self.live.tasks.insert(view.id, view);
        }
    }

    pub(super) fn remove_task(&mut self, id: TaskId) {
        if self.live.tasks.remove(&id).is_some() {
            self.dirty_tasks.insert(id);
        }
    }

    pub(super) fn event(&mut self, event: TaskEvent) {
        self.events.push(event);
    }

    pub(super) fn set_approval(&mut self, view: ApprovalView) {
        self.dirty_approvals.insert(view.id);
        self.live.approvals.insert(view.id, view);
    }

    /// The request leaves the state, and `event` says how it ended.
    pub(super) fn settle_approval(&mut self, event: ApprovalEvent) {
        if self.live.approvals.remove(&event.id).is_some() {
            self.dirty_approvals.insert(event.id);
        }
        self.approval_events.push(event);
    }

    pub(super) fn message(&mut self, message: MessageView) {
        self.messages.push(message);
    }

    pub(super) fn activity(&mut self, mut line: ActivityLine) {
        line.id = self.next_line;
        self.next_line += 1;
        self.live.push_activity(line.clone());
        self.new_lines.push(line);
    }

    /// Publishes one diff per topic that changed since the last call.
    pub(super) fn publish(&mut self, bus: &dyn Bus, epoch: u64) {
        if !self.is_dirty() {
            return;
        }
        let mut office = Diff::default();
        let mut tasks = Diff::default();
        let mut agents: HashMap<AgentId, Diff> = HashMap::new();
        // Entities removed in this tick: subscribers still know their numbers until the
        // end of this diff (a task's removal is often followed by a line about it).
        let mut gone = Gone::default();

        if std::mem::take(&mut self.workspace_dirty) {
            let op = match (&self.published.workspace, &self.live.workspace) {
                (Some(old), Some(new)) => WorkspacePatch::between(old, new).map(Op::Workspace),
                (None, Some(new)) => Some(Op::Workspace(WorkspacePatch::full(new))),
                (_, None) => Some(Op::WorkspaceRemoved),
            };
            if let Some(op) = op {
                office.push(op.clone());
                tasks.push(op.clone());
                for id in self.live.agents.keys() {
                    agents.entry(*id).or_default().push(op.clone());
                }
            }
            self.published.workspace = self.live.workspace.clone();
        }
        for id in std::mem::take(&mut self.dirty_agents) {
            let op = match (self.published.agents.get(&id), self.live.agents.get(&id)) {
                (None, Some(new)) => Some(Op::Agent(AgentPatch::full(new))),
                (Some(old), Some(new)) => AgentPatch::between(old, new).map(Op::Agent),
                (Some(_), None) => Some(Op::AgentRemoved { id }),
                (None, None) => None,
            };
            match self.live.agents.get(&id) {
                Some(view) => {
                    self.published.agents.insert(id, view.clone());
                }
                None => gone
                    .agents
                    .extend(self.published.agents.remove(&id).map(|a| (id, a.n))),
            }
            if let Some(op) = op {
                office.push(op.clone());
                agents.entry(id).or_default().push(op);
            }
        }
        for id in std::mem::take(&mut self.dirty_tasks) {
            let op = match (self.published.tasks.get(&id), self.live.tasks.get(&id)) {
                (None, Some(new)) => Some(Op::Task(TaskPatch::full(new))),
                (Some(old), Some(new)) => TaskPatch::between(old, new).map(Op::Task),
                (Some(_), None) => Some(Op::TaskRemoved { id }),
                (None, None) => None,
            };
            match self.live.tasks.get(&id) {
                Some(view) => {
                    self.published.tasks.insert(id, view.clone());
                }
                None => gone.tasks.extend(self.published.tasks.remove(&id)),
            }
            if let Some(op) = op {
                office.push(op.clone());
                tasks.push(op);
            }
        }
        for id in std::mem::take(&mut self.dirty_approvals) {
            let op = match (
                self.published.approvals.get(&id),
                self.live.approvals.get(&id),
            ) {
                (old, Some(new)) if old != Some(new) => Some(Op::Approval(new.clone())),
                (Some(_), None) => Some(Op::ApprovalRemoved { id }),
                _ => None,
            };
            match self.live.approvals.get(&id) {
                Some(view) => self.published.approvals.insert(id, view.clone()),
                None => self.published.approvals.remove(&id),
            };
            if let Some(op) = op {
                office.push(op.clone());
                tasks.push(op);
            }
        }
        for event in std::mem::take(&mut self.approval_events) {
            office.push(Op::ApprovalEvent(event.clone()));
            tasks.push(Op::ApprovalEvent(event));
        }
        for message in std::mem::take(&mut self.messages) {
            for agent in message.from.into_iter().chain(message.to) {
                if self.live.agents.contains_key(&agent) {
                    agents
                        .entry(agent)
                        .or_default()
                        .push(Op::Message(message.clone()));
                }
            }
            office.push(Op::Message(message));
        }
        for line in std::mem::take(&mut self.new_lines) {
            let topic = self.agent_topics.entry(line.agent).or_default();
            if topic.lines.len() == ACTIVITY_CAP {
                topic.lines.pop_front();
            }
            topic.lines.push_back(line.clone());
            office.push(Op::Activity(line.clone()));
            agents
                .entry(line.agent)
                .or_default()
                .push(Op::Activity(line));
        }
        tasks.ops.extend(
            std::mem::take(&mut self.events)
                .into_iter()
                .map(Op::TaskEvent),
        );

        let workspace = self.live.workspace.as_ref().map(|w| w.id);
        let now = now_us();
        let Some(ws) = workspace else { return };
        // The compact frames of the workspace's two busy topics are encoded here, where
        // the numbers are known; only when someone may read them.
        let numbered = |topic: Topic, publication: Publication, agents: bool| {
            if !bus.has_peers() && !bus.has_topic(&topic) {
                return publication;
            }
            publication.numbered(&Known {
                state: &self.published,
                gone: &gone,
                agents,
                lines: agents.then_some((&self.published.activity, &self.live.activity)),
                titles: OnceCell::new(),
            })
        };
        if !office.is_empty() {
            self.office_seq += 1;
            let topic = Topic::Workspace(ws);
            let publication = Publication::diff(topic, epoch, self.office_seq, now, office);
            bus.publish(Arc::new(numbered(topic, publication, true)));
        }
        if !tasks.is_empty() {
            self.tasks_seq += 1;
            let topic = Topic::Tasks(ws);
            let publication = Publication::diff(topic, epoch, self.tasks_seq, now, tasks);
            bus.publish(Arc::new(numbered(topic, publication, false)));
        }
        // The lines subscribers hold from now on (those before this tick's are what the
        // next tick's texts may name, beside the lines of the tick itself).
        if self.published.activity.back() != self.live.activity.back() {
            self.published.activity.clone_from(&self.live.activity);
        }
        for (id, ops) in agents {
            let topic = self.agent_topics.entry(id).or_default();
            topic.seq += 1;
            bus.publish(Arc::new(Publication::diff(
                Topic::AgentActivity(id),
                epoch,
                topic.seq,
                now,
                ops,
            )));
        }
    }

    /// The topic's latest seq (of its last publication; 0 before any).
    pub(super) fn seq(&self, topic: &Topic) -> u64 {
        match topic {
            Topic::Workspace(_) => self.office_seq,
            Topic::Tasks(_) => self.tasks_seq,
            Topic::AgentActivity(id) => self.agent_topics.get(id).map_or(0, |t| t.seq),
        }
    }

    /// The topic's state as published at its latest seq. Call right after
    /// [`Office::publish`], so that live and published agree.
    pub(super) fn snapshot(&self, topic: Topic, epoch: u64) -> ServerMessage {
        let mut state = self.live.project(&topic);
        if let Topic::AgentActivity(id) = topic {
            state.activity = self
                .agent_topics
                .get(&id)
                .map(|t| t.lines.clone())
                .unwrap_or_default();
        }
        ServerMessage::Snapshot {
            topic,
            epoch,
            seq: self.seq(&topic),
            state,
        }
    }
}

/// Hands out the next number.
fn take(next: &mut u32) -> u32 {
    let n = *next;
    *next = next.wrapping_add(1);
    n
}

/// Agents and tasks removed in this tick, with their numbers.
#[derive(Default)]
struct Gone {
    agents: Vec<(AgentId, u32)>,
    /// The tasks' last published views (the client holds their titles until the diff
    /// has applied: a task's last line often comes in the tick that removes it).
    tasks: Vec<TaskView>,
}

/// What a subscriber holds while it reads this tick's diff: the numbers of the published
/// state and of the entities this diff removes, the tasks' titles, and on `workspace/{id}`
/// the activity lines (`workspace/{id}/tasks` holds no agents and no lines).
struct Known<'a> {
    state: &'a OfficeState,
    gone: &'a Gone,
    agents: bool,
    /// The lines subscribers held before this tick, and the office's lines once this
    /// tick's are in (the encoder refers only to lines older than the one it writes).
    lines: Option<(&'a VecDeque<ActivityLine>, &'a VecDeque<ActivityLine>)>,
    /// Title → the lowest-numbered task with it; made when a diff first asks.
    titles: OnceCell<HashMap<&'a str, (u32, TaskId)>>,
}

impl Known<'_> {
    fn task_view(&self, id: TaskId) -> Option<&TaskView> {
        let gone = || self.gone.tasks.iter().find(|t| t.id == id);
        self.state.tasks.get(&id).or_else(gone)
    }
}

impl Numbers for Known<'_> {
    fn agent(&self, id: AgentId) -> Option<u32> {
        if !self.agents {
            return None;
        }
        self.state.agents.get(&id).map(|a| a.n).or_else(|| {
            self.gone
                .agents
                .iter()
                .find(|(gone, _)| *gone == id)
                .map(|(_, n)| *n)
        })
    }

    fn task(&self, id: TaskId) -> Option<u32> {
        self.task_view(id).map(|t| t.n)
    }

    fn title(&self, id: TaskId) -> Option<&str> {
        self.task_view(id).map(|t| t.title.as_str())
    }

    fn titled(&self, title: &str) -> Option<TaskId> {
        let titles = self.titles.get_or_init(|| {
            let mut titles: HashMap<&str, (u32, TaskId)> = HashMap::new();
            for t in self.state.tasks.values() {
                let lowest = titles.entry(&t.title).or_insert((t.n, t.id));
                if t.n < lowest.0 {
                    *lowest = (t.n, t.id);
                }
            }
            titles
        });
        titles.get(title).map(|(_, id)| *id)
    }

    fn lines(&self) -> Vec<(u64, &str)> {
        let Some((held, live)) = self.lines else {
            return Vec::new();
        };
        let newest = held.back().map_or(0, |l| l.id);
        let new = live.iter().filter(|l| l.id > newest);
        held.iter()
            .chain(new)
            .map(|l| (l.id, l.text.as_str()))
            .collect()
    }
}
