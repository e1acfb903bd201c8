//! The workspace actor's state: loading, the live office state, subscriptions. The logic
//! of tasks and agents lives in the submodules.

mod admission;
mod agents;
mod lifecycle;
mod talk;

pub use talk::{
    ApprovalRequest, ApprovalTicket, MAX_ACTION_CHARS, MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS,
    Outgoing,
};

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use agenthq_protocol::{
    ActivityKind, ActivityLine, AgentId, AgentStatus, AgentView, Resume, ServerMessage, TaskId,
    TaskStatus, Tier, Topic, WorkspaceId, WorkspaceView,
};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::office::Office;
use super::scheduler::{self, Ready};
use super::{Opening, TopicSubscription, WorkspaceArgs, WorkspaceMsg, WorkspaceStats};
use crate::agent::{AgentActor, AgentArgs, AgentMsg, Attempt, AttemptOutcome};
use crate::budget::{Budget, Level, dollars, month_start};
use crate::config::WorkspaceCaps;
use crate::error::RuntimeError;
use crate::executor::{Identity, Reported, Signals, Workplace};
use crate::runtime::Shared;
use crate::store::writer::WriteOp;
use crate::store::{AgentRecord, InsertOutcome, StoreError, UsageDelta};
use crate::task::{MAX_IDEMPOTENCY_KEY_BYTES, NewTask, Submitted, TaskRecord, now_ms, today};

type SubmitReply = RpcReplyPort<Vec<Result<Submitted, RuntimeError>>>;

pub struct WorkspaceState {
    id: WorkspaceId,
    epoch: u64,
    myself: ActorRef<WorkspaceMsg>,
    shared: Arc<Shared>,
    tier: Tier,
    caps: WorkspaceCaps,
    shutdown: CancellationToken,
    _stop_attempts: DropGuard,
    agents: BTreeMap<AgentId, AgentSlot>,
    agent_by_actor: HashMap<ractor::ActorId, AgentId>,
    /// Agents given attempts in this message: handed over (their actor started if need
    /// be) after it, one `Run` message per agent.
    to_start: BTreeSet<AgentId>,
    /// Whether a sweep for idle actors to stop is scheduled.
    sweep_armed: bool,
    tasks: HashMap<TaskId, LiveTask>,
    ready: Ready,
    delayed: BTreeSet<(Instant, TaskId)>,
    /// Tasks counted against `max_queued`: ready, delayed, or being persisted.
    waiting: u32,
    running: u32,
    pending: HashMap<u64, PendingSubmit>,
    next_batch: u64,
    office: Office,
    usage: UsageDelta,
    /// Tasks today and agent-minutes this month against the tier's quotas.
    quotas: crate::quota::Quotas,
    /// This tick's usage per agent (the workspace's `usage` is the sum).
    agent_usage: HashMap<AgentId, UsageDelta>,
    /// This month's model spend against the tier's limit, shared with running attempts.
    budget: Arc<Budget>,
    /// The month the budget counts (its first day, in days since the epoch).
    budget_month: i64,
    /// The highest budget level announced this month (each is announced once).
    budget_announced: Level,
    outbox: Vec<WriteOp>,
    /// Approval requests waiting for a person, with the attempts waiting on them.
    approvals: HashMap<agenthq_protocol::ApprovalId, talk::PendingApproval>,
    tick_armed: bool,
    rng: SmallRng,
    gauges: Gauges,
}

/// This workspace's share of the process-wide queue gauges; withdrawn when the state is
/// dropped (stop or crash), so the totals stay true.
#[derive(Default)]
struct Gauges {
    waiting: u32,
    running: u32,
}

impl Gauges {
    fn report(&mut self, waiting: u32, running: u32) {
        if (waiting, running) == (self.waiting, self.running) {
            return;
        }
        let delta = |now: u32, before: u32| f64::from(now) - f64::from(before);
        metrics::gauge!("agenthq_tasks_waiting").increment(delta(waiting, self.waiting));
        metrics::gauge!("agenthq_tasks_running").increment(delta(running, self.running));
        (self.waiting, self.running) = (waiting, running);
    }
}

impl Drop for Gauges {
    fn drop(&mut self) {
        self.report(0, 0);
    }
}

struct AgentSlot {
    record: AgentRecord,
    /// Who the agent's attempts run as (shared with its actor).
    identity: Identity,
    /// The agent's actor while it has (or recently had) work; idle agents have none.
    actor: Option<ActorRef<AgentMsg>>,
    /// Attempts assigned in the current message, not yet handed to the actor.
    starting: Vec<Attempt>,
    /// Since when the agent's actor has had nothing to do.
    idle_since: Option<Instant>,
    running: Vec<TaskId>,
    recent_restarts: VecDeque<Instant>,
    restarts: u32,
    faulted: bool,
    last_kind: Option<ActivityKind>,
}

impl AgentSlot {
    fn can_take(&self) -> bool {
        !self.faulted && (self.running.len() as u32) < self.record.max_concurrent
    }
}

struct LiveTask {
    record: TaskRecord,
    progress: u16,
    signals: Option<Arc<Signals>>,
    started: Option<Instant>,
    cancel_requested: bool,
    delayed_until: Option<Instant>,
}

struct PendingSubmit {
    reply: SubmitReply,
    results: Vec<Option<Result<Submitted, RuntimeError>>>,
}

impl WorkspaceState {
    /// Loads the workspace from the store as a new incarnation: a new epoch, a fence so the
    /// previous incarnation's late writes cannot land, then agents and live tasks.
    pub(crate) async fn load(
        myself: ActorRef<WorkspaceMsg>,
        args: WorkspaceArgs,
    ) -> Result<Self, RuntimeError> {
        let WorkspaceArgs {
            id,
            floor,
            shared,
            shutdown,
        } = args;
        let store = &shared.store;
        // What the previous incarnation queued lands first, under its own epoch; anything
        // it queues after the bump is refused by the store, and after the fence, here.
        shared.writer.flush().await?;
        let epoch = store.bump_epoch(id, floor).await.map_err(|e| match e {
            StoreError::NotFound => RuntimeError::UnknownWorkspace(id),
            e => e.into(),
        })?;
        shared.writer.fence(id, epoch).await?;
        let record = store
            .workspace(id)
            .await?
            .ok_or(RuntimeError::UnknownWorkspace(id))?;
        let caps = WorkspaceCaps {
            max_running: record.max_running,
            max_queued: record.max_queued,
        };
        let month = month_start(today());
        let usage_rows = store.usage(id).await?;
        let spent = usage_rows
            .iter()
            .filter(|row| row.day >= month)
            .map(|row| row.usage.spend_micros)
            .sum();
        let quotas = crate::quota::Quotas::new(&usage_rows, today());
        let budget = Budget::new(shared.config.tiers.get(record.tier).llm_budget(), spent);
        let budget_announced = budget.level();
        let office = Office::new(WorkspaceView {
            id,
            name: record.name.clone(),
            tier: record.tier,
            max_running: caps.max_running,
            max_queued: caps.max_queued,
        });
        let mut state = Self {
            id,
            epoch,
            myself,
            tier: record.tier,
            caps,
            _stop_attempts: shutdown.clone().drop_guard(),
            shutdown,
            agents: BTreeMap::new(),
            agent_by_actor: HashMap::new(),
            to_start: BTreeSet::new(),
            sweep_armed: false,
            tasks: HashMap::new(),
            ready: Ready::default(),
            delayed: BTreeSet::new(),
            waiting: 0,
            running: 0,
            pending: HashMap::new(),
            next_batch: 0,
            office,
            usage: UsageDelta::default(),
            quotas,
            agent_usage: HashMap::new(),
            budget: Arc::new(budget),
            budget_month: month,
            budget_announced,
            outbox: Vec::new(),
            approvals: HashMap::new(),
            tick_armed: false,
            gauges: Gauges::default(),
            rng: SmallRng::seed_from_u64(
                epoch
                    ^ u64::from_le_bytes(
                        id.as_uuid().as_bytes()[8..].try_into().unwrap_or_default(),
                    ),
            ),
            shared: shared.clone(),
        };
        for agent in store.agents(id).await? {
            state.insert_slot(agent);
        }
        let now = now_ms();
        // The attempts that waited on these are gone; their tasks ask again when rerun.
        let cancelled = store
            .cancel_pending_approvals(id, "the workspace restarted before anyone decided", now)
            .await?;
        if cancelled > 0 {
            tracing::info!(workspace_id = %id, cancelled, "pending approvals of the previous incarnation cancelled");
        }
        for task in store.recover_tasks(id).await? {
            state.waiting += 1;
            let delay = task
                .run_after
                .map(|at| Duration::from_millis(at.saturating_sub(now).max(0) as u64));
            state.enqueue(task, delay);
        }
        state.office.announce();
        tracing::info!(workspace_id = %id, epoch, agents = state.agents.len(), tasks = state.tasks.len(), "workspace loaded");
        Ok(state)
    }

    pub(super) fn insert_slot(&mut self, record: AgentRecord) {
        let id = record.id;
        self.agents.insert(
            id,
            AgentSlot {
                identity: Identity {
                    id,
                    name: record.name.as_str().into(),
                    personality: record.personality.as_str().into(),
                    config: Arc::new(record.executor.clone()),
                },
                record,
                actor: None,
                starting: Vec::new(),
                idle_since: None,
                running: Vec::new(),
                recent_restarts: VecDeque::new(),
                restarts: 0,
                faulted: false,
                last_kind: None,
            },
        );
        // Rebuilt whole, so new settings (name, desk, ...) show; refresh_agent alone only
        // updates the counters in place.
        self.office.remove_agent(id);
        self.refresh_agent(id);
    }

    /// Starts the agent's actor and hands it the attempts assigned meanwhile. An agent
    /// whose executor kind is unknown is faulted; its attempts go back to the queue.
    pub(super) async fn spawn_agent(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        id: AgentId,
    ) -> Result<(), ActorProcessingErr> {
        let Some(slot) = self.agents.get_mut(&id) else {
            return Ok(());
        };
        if slot.actor.is_some() {
            return Ok(());
        }
        let Some(executor) = self.shared.executors.get(&slot.identity.config.kind) else {
            slot.faulted = true;
            slot.starting.clear();
            let running = std::mem::take(&mut slot.running);
            let text = format!(
                "unknown executor kind {:?}; agent faulted",
                slot.identity.config.kind
            );
            self.line(id, None, ActivityKind::Status, text);
            for task in running {
                self.interrupt(task, "agent has no executor");
            }
            self.ready.release_agent(&id);
            self.refresh_agent(id);
            return Ok(());
        };
        let args = AgentArgs {
            identity: slot.identity.clone(),
            workplace: Workplace {
                budget: self.budget.clone(),
                actor: Some(myself.clone()),
                store: Some(self.shared.store.clone()),
            },
            executor,
            workspace: myself.clone(),
            shutdown: self.shutdown.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, AgentActor, args, myself.get_cell()).await?;
        self.agent_by_actor.insert(actor.get_id(), id);
        slot.actor = Some(actor);
        Ok(())
    }

    /// Hands the attempts assigned in this message to the agent, in one message, starting
    /// its actor first if it has none. (Dispatch and hand-over happen in the same message,
    /// so no cancel can fall between them.)
    async fn hand_over(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        id: AgentId,
    ) -> Result<(), ActorProcessingErr> {
        if self.agents.get(&id).is_some_and(|s| s.actor.is_none()) {
            self.spawn_agent(myself, id).await?;
        }
        let Some(slot) = self.agents.get_mut(&id) else {
            return Ok(());
        };
        let attempts = std::mem::take(&mut slot.starting);
        if let (Some(actor), false) = (&slot.actor, attempts.is_empty()) {
            let _ = actor.cast(AgentMsg::Run(attempts));
        }
        Ok(())
    }

    /// Stops the actors of agents idle for `agent_idle_timeout`, and schedules the next
    /// sweep while other actors are idle. An idle agent costs its slot and its view only.
    pub(crate) fn sweep_idle(&mut self) {
        self.sweep_armed = false;
        let Some(timeout) = self.shared.config.agent_idle_timeout else {
            return;
        };
        let now = Instant::now();
        let mut next: Option<Duration> = None;
        for slot in self.agents.values_mut() {
            let (Some(actor), Some(since)) = (&slot.actor, slot.idle_since) else {
                continue;
            };
            let idle = now.duration_since(since);
            if idle >= timeout {
                self.agent_by_actor.remove(&actor.get_id());
                actor.stop(Some("idle".into()));
                slot.actor = None;
                slot.idle_since = None;
            } else {
                next = Some(next.map_or(timeout - idle, |n| n.min(timeout - idle)));
            }
        }
        if let Some(delay) = next {
            self.sweep_armed = true;
            self.myself.send_after(delay, || WorkspaceMsg::SweepIdle);
        }
    }

    /// Runs after every message: starts what can start, sends the store writes, and arms
    /// the tick if something waits to be published.
    pub(crate) async fn after_message(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
    ) -> Result<(), ActorProcessingErr> {
        self.dispatch();
        self.gauges.report(self.waiting, self.running);
        for agent in std::mem::take(&mut self.to_start) {
            self.hand_over(myself, agent).await?;
        }
        for op in self.outbox.drain(..) {
            self.shared.writer.send(op).await?;
        }
        if self.office.is_dirty() && !self.tick_armed {
            self.tick_armed = true;
            myself.send_after(self.shared.config.tick, || WorkspaceMsg::Tick);
        }
        Ok(())
    }

    pub(crate) fn read_signals(&mut self, id: TaskId) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let (Some(signals), Some(agent)) = (task.signals.clone(), task.record.assigned) else {
            return;
        };
        let Reported {
            progress,
            lines,
            dropped,
            tokens_in,
            tokens_out,
            spend,
        } = signals.take();
        for usage in [&mut self.usage, self.agent_usage.entry(agent).or_default()] {
            usage.tokens_in += tokens_in;
            usage.tokens_out += tokens_out;
            usage.spend_micros += spend;
        }
        if let Some(p) = progress {
            task.progress = p;
            if let Some(view) = self.office.task_mut(id) {
                view.progress = p;
            }
        }
        for (kind, text) in lines {
            if let Some(slot) = self.agents.get_mut(&agent) {
                slot.last_kind = Some(kind);
            }
            self.line(agent, Some(id), kind, text);
        }
        if dropped > 0 {
            let text = format!(
                "({dropped} activity lines dropped: reported faster than the office reads)"
            );
            self.line(agent, Some(id), ActivityKind::Status, text);
        }
        if spend > 0 {
            self.announce_budget(agent);
        }
        self.refresh_agent(agent);
    }

    /// The budget's level now: a new month starts afresh.
    pub(super) fn budget_level(&mut self) -> Level {
        let month = month_start(today());
        if month != self.budget_month {
            self.budget_month = month;
            self.budget.reset();
            self.budget_announced = Level::Under;
        }
        self.budget.level()
    }

    /// Tells the office (an activity line of the agent whose spend crossed it), the log and
    /// the metrics when the budget passes 80 % and 100 %, once each per month.
    fn announce_budget(&mut self, agent: AgentId) {
        let level = self.budget_level();
        if level <= self.budget_announced {
            return;
        }
        self.budget_announced = level;
        let (spent, limit) = (dollars(self.budget.spent()), dollars(self.budget.limit()));
        let text = match level {
            Level::Under => return,
            Level::Warning => {
                format!("Model budget: 80 % of this month's {limit} spent ({spent})")
            }
            Level::Exhausted => format!(
                "Model budget spent ({spent} of {limit}): tasks for model agents are refused until next month"
            ),
        };
        tracing::warn!(workspace_id = %self.id, %spent, %limit, "{text}");
        let level_name = if level == Level::Warning {
            "warning"
        } else {
            "exhausted"
        };
        metrics::counter!("agenthq_budget_alerts_total", "level" => level_name).increment(1);
        self.line(agent, None, ActivityKind::Status, text);
    }

    /// Tells the office, the log and the metrics when a quota passes 80 % and 100 %, once
    /// each per period (`agent`: whose work crossed it; else the first agent's desk shows
    /// it).
    pub(super) fn announce_quotas(&mut self, agent: Option<AgentId>) {
        let limits = *self.shared.config.tiers.get(self.tier);
        let tasks = self.quotas.tasks_level(limits.tasks_per_day);
        let minutes = self.quotas.minutes_level(limits.agent_minutes_per_month);
        let mut say = Vec::new();
        if tasks > self.quotas.announced_tasks {
            self.quotas.announced_tasks = tasks;
            say.push(("tasks_per_day", tasks, match tasks {
                Level::Exhausted => format!(
                    "Task quota: all {} of today's tasks used; submissions are refused until midnight UTC",
                    limits.tasks_per_day
                ),
                _ => format!("Task quota: 80 % of today's {} tasks used", limits.tasks_per_day),
            }));
        }
        if minutes > self.quotas.announced_minutes {
            self.quotas.announced_minutes = minutes;
            say.push(("agent_minutes_per_month", minutes, match minutes {
                Level::Exhausted => format!(
                    "Agent-minute quota: all {} of this month's minutes used; submissions are refused until next month",
                    limits.agent_minutes_per_month
                ),
                _ => format!(
                    "Agent-minute quota: 80 % of this month's {} minutes used",
                    limits.agent_minutes_per_month
                ),
            }));
        }
        for (quota, level, text) in say {
            let level_name = if level == Level::Warning {
                "warning"
            } else {
                "exhausted"
            };
            tracing::warn!(workspace_id = %self.id, quota, "{text}");
            metrics::counter!("agenthq_quota_alerts_total", "quota" => quota, "level" => level_name)
                .increment(1);
            if let Some(agent) = agent.or_else(|| self.agents.keys().next().copied()) {
                self.line(agent, None, ActivityKind::Status, text);
            }
        }
    }

    pub(super) fn line(
        &mut self,
        agent: AgentId,
        task: Option<TaskId>,
        kind: ActivityKind,
        text: String,
    ) {
        self.office.activity(ActivityLine {
            id: 0,
            agent,
            task,
            kind,
            text,
            at: now_ms(),
        });
    }

    /// Recomputes an agent's view from its slot and the queues.
    pub(super) fn refresh_agent(&mut self, id: AgentId) {
        self.track_idle(id);
        let Some(slot) = self.agents.get(&id) else {
            return;
        };
        let queued = self.ready.len_for(&id) as u32;
        let status = if slot.faulted {
            AgentStatus::Faulted
        } else if self.awaits_approval(id) {
            AgentStatus::AwaitingApproval
        } else if !slot.running.is_empty() {
            match slot.last_kind {
                None | Some(ActivityKind::Thought) => AgentStatus::Thinking,
                Some(_) => AgentStatus::Working,
            }
        } else if queued > 0 {
            AgentStatus::Blocked
        } else {
            AgentStatus::Idle
        };
        let (running, current_task, restarts) = (
            slot.running.len() as u32,
            slot.running.first().copied(),
            slot.restarts,
        );
        match self.office.agent_mut(id) {
            Some(view) => {
                view.status = status;
                view.running = running;
                view.queued = queued;
                view.current_task = current_task;
                view.restarts = restarts;
            }
            None => {
                let view = AgentView {
                    id,
                    n: 0,
                    name: slot.record.name.clone(),
                    personality: slot.record.personality.clone(),
                    status,
                    desk: slot.record.desk,
                    max_concurrent: slot.record.max_concurrent,
                    running,
                    queued,
                    current_task,
                    restarts,
                };
                self.office.set_agent(view);
            }
        }
    }

    /// Notes when an agent's actor runs out of work, and arms the idle sweep.
    fn track_idle(&mut self, id: AgentId) {
        let Some(slot) = self.agents.get_mut(&id) else {
            return;
        };
        let idle = slot.actor.is_some() && slot.running.is_empty();
        match (idle, slot.idle_since) {
            (true, None) => slot.idle_since = Some(Instant::now()),
            (false, Some(_)) => slot.idle_since = None,
            _ => {}
        }
        if idle
            && !self.sweep_armed
            && let Some(timeout) = self.shared.config.agent_idle_timeout
        {
            self.sweep_armed = true;
            self.myself.send_after(timeout, || WorkspaceMsg::SweepIdle);
        }
    }

    pub(crate) fn tick(&mut self) {
        self.tick_armed = false;
        let started = std::time::Instant::now();
        self.office.publish(&*self.shared.bus, self.epoch);
        metrics::histogram!("agenthq_tick_seconds").record(started.elapsed().as_secs_f64());
        if !self.usage.is_zero() {
            let delta = std::mem::take(&mut self.usage);
            self.outbox.push(WriteOp::Usage {
                workspace: self.id,
                day: today(),
                delta,
            });
        }
        for (agent, delta) in self.agent_usage.drain() {
            if !delta.is_zero() {
                self.outbox.push(WriteOp::AgentUsage {
                    workspace: self.id,
                    agent,
                    day: today(),
                    delta,
                });
            }
        }
    }

    fn check_topic(&self, topic: &Topic) -> Result<(), RuntimeError> {
        match topic {
            Topic::Workspace(ws) | Topic::Tasks(ws) if *ws == self.id => Ok(()),
            Topic::Workspace(ws) | Topic::Tasks(ws) => Err(RuntimeError::UnknownWorkspace(*ws)),
            Topic::AgentActivity(a) if self.agents.contains_key(a) => Ok(()),
            Topic::AgentActivity(a) => Err(RuntimeError::UnknownAgent(*a)),
        }
    }

    /// Subscribes between two publications: pending changes are published first, so the
    /// snapshot (or replay) and the stream meet exactly.
    pub(crate) fn subscribe(
        &mut self,
        topic: Topic,
        resume: Option<Resume>,
        budget: Option<crate::bus::SendBudget>,
    ) -> Result<TopicSubscription, RuntimeError> {
        self.check_topic(&topic)?;
        self.office.publish(&*self.shared.bus, self.epoch);
        let current = Resume {
            epoch: self.epoch,
            seq: self.office.seq(&topic),
        };
        let (start, stream) = self.shared.bus.subscribe(topic, resume, current, budget);
        let opening = match start {
            crate::bus::Start::Replay(publications) => Opening::Replay(publications),
            crate::bus::Start::Snapshot => {
                Opening::Snapshot(self.office.snapshot(topic, self.epoch))
            }
        };
        Ok(TopicSubscription { opening, stream })
    }

    pub(crate) fn snapshot(&mut self, topic: Topic) -> Result<ServerMessage, RuntimeError> {
        self.check_topic(&topic)?;
        self.office.publish(&*self.shared.bus, self.epoch);
        Ok(self.office.snapshot(topic, self.epoch))
    }

    /// A new tier: its caps and model budget apply from now on. Tasks already admitted
    /// stay (a lower `max_queued` refuses new ones until the queue is under it; a lower
    /// `max_running` lets running ones finish); a higher `max_running` starts more now.
    pub(crate) fn set_tier(&mut self, tier: Tier, caps: WorkspaceCaps) {
        self.tier = tier;
        self.caps = caps;
        self.budget
            .set_limit(self.shared.config.tiers.get(tier).llm_budget());
        self.budget_announced = self.budget.level().min(self.budget_announced);
        if let Some(view) = self.office.live.workspace.as_mut() {
            view.tier = tier;
            view.max_running = caps.max_running;
            view.max_queued = caps.max_queued;
        }
        // Dispatch (a higher `max_running`) and the tick follow every message.
        self.office.workspace_changed();
    }

    pub(crate) fn stats(&self) -> WorkspaceStats {
        WorkspaceStats {
            epoch: self.epoch,
            running: self.running,
            waiting: self.waiting,
            agents: self.agents.len() as u32,
            faulted: self.agents.values().filter(|s| s.faulted).count() as u32,
            live_actors: self.agents.values().filter(|s| s.actor.is_some()).count() as u32,
        }
    }

    /// Graceful stop: publish and write what is pending, stop attempts. Running tasks stay
    /// `running` in the store and are re-queued by the next load (attempt + 1).
    pub(crate) async fn stop(&mut self) {
        self.tick();
        for op in self.outbox.drain(..) {
            let _ = self.shared.writer.send(op).await;
        }
        self.shutdown.cancel();
    }
}
