//! The workspace actor's state and the logic of each message.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use agenthq_protocol::{
    ActivityKind, ActivityLine, AgentId, AgentStatus, AgentView, Resume, ServerMessage, TaskId,
    TaskStatus, Topic, WorkspaceId, WorkspaceView,
};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::office::Office;
use super::scheduler::{self, Ready};
use super::{Opening, TopicSubscription, WorkspaceArgs, WorkspaceMsg, WorkspaceStats};
use crate::agent::{AgentActor, AgentArgs, AgentMsg, AttemptOutcome};
use crate::config::WorkspaceCaps;
use crate::error::RuntimeError;
use crate::executor::Signals;
use crate::runtime::Shared;
use crate::store::writer::WriteOp;
use crate::store::{AgentRecord, ExecutorConfig, InsertOutcome, StoreError, UsageDelta};
use crate::task::{MAX_IDEMPOTENCY_KEY_BYTES, NewTask, Submitted, TaskRecord, now_ms};

const DAY_MS: i64 = 86_400_000;

type SubmitReply = RpcReplyPort<Vec<Result<Submitted, RuntimeError>>>;

pub struct WorkspaceState {
    id: WorkspaceId,
    epoch: u64,
    myself: ActorRef<WorkspaceMsg>,
    shared: Arc<Shared>,
    caps: WorkspaceCaps,
    shutdown: CancellationToken,
    _stop_attempts: DropGuard,
    agents: BTreeMap<AgentId, AgentSlot>,
    agent_by_actor: HashMap<ractor::ActorId, AgentId>,
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
    outbox: Vec<WriteOp>,
    tick_armed: bool,
    rng: SmallRng,
}

struct AgentSlot {
    record: AgentRecord,
    name: Arc<str>,
    config: Arc<ExecutorConfig>,
    actor: Option<ActorRef<AgentMsg>>,
    running: Vec<TaskId>,
    recent_restarts: VecDeque<Instant>,
    restarts: u32,
    faulted: bool,
    last_kind: Option<ActivityKind>,
}

impl AgentSlot {
    fn can_take(&self) -> bool {
        !self.faulted
            && self.actor.is_some()
            && (self.running.len() as u32) < self.record.max_concurrent
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
            shared,
            shutdown,
        } = args;
        let store = &shared.store;
        let epoch = store.bump_epoch(id).await.map_err(|e| match e {
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
            caps,
            _stop_attempts: shutdown.clone().drop_guard(),
            shutdown,
            agents: BTreeMap::new(),
            agent_by_actor: HashMap::new(),
            tasks: HashMap::new(),
            ready: Ready::default(),
            delayed: BTreeSet::new(),
            waiting: 0,
            running: 0,
            pending: HashMap::new(),
            next_batch: 0,
            office,
            usage: UsageDelta::default(),
            outbox: Vec::new(),
            tick_armed: false,
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

    fn insert_slot(&mut self, record: AgentRecord) {
        let id = record.id;
        self.agents.insert(
            id,
            AgentSlot {
                name: record.name.as_str().into(),
                config: Arc::new(record.executor.clone()),
                record,
                actor: None,
                running: Vec::new(),
                recent_restarts: VecDeque::new(),
                restarts: 0,
                faulted: false,
                last_kind: None,
            },
        );
        self.refresh_agent(id);
    }

    pub(crate) async fn start_agents(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
    ) -> Result<(), ActorProcessingErr> {
        let ids: Vec<AgentId> = self.agents.keys().copied().collect();
        for id in ids {
            self.spawn_agent(myself, id).await?;
        }
        Ok(())
    }

    async fn spawn_agent(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        id: AgentId,
    ) -> Result<(), ActorProcessingErr> {
        let Some(slot) = self.agents.get_mut(&id) else {
            return Ok(());
        };
        let Some(executor) = self.shared.executors.get(&slot.config.kind) else {
            slot.faulted = true;
            let text = format!(
                "unknown executor kind {:?}; agent faulted",
                slot.config.kind
            );
            self.line(id, None, ActivityKind::Status, text);
            self.refresh_agent(id);
            return Ok(());
        };
        let args = AgentArgs {
            id,
            name: slot.name.clone(),
            config: slot.config.clone(),
            executor,
            workspace: myself.clone(),
            shutdown: self.shutdown.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, AgentActor, args, myself.get_cell()).await?;
        self.agent_by_actor.insert(actor.get_id(), id);
        slot.actor = Some(actor);
        self.refresh_agent(id);
        Ok(())
    }

    /// Runs after every message: starts what can start, sends the store writes, and arms
    /// the tick if something waits to be published.
    pub(crate) async fn after_message(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
    ) -> Result<(), ActorProcessingErr> {
        self.dispatch();
        for op in self.outbox.drain(..) {
            self.shared.writer.send(op).await?;
        }
        if self.office.is_dirty() && !self.tick_armed {
            self.tick_armed = true;
            myself.send_after(self.shared.config.tick, || WorkspaceMsg::Tick);
        }
        Ok(())
    }

    // ---- submission ----

    pub(crate) fn submit(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        tasks: Vec<NewTask>,
        reply: SubmitReply,
    ) {
        let now = now_ms();
        let mut results = Vec::with_capacity(tasks.len());
        let mut records = Vec::new();
        for task in tasks {
            match self.admit(task, now) {
                Ok(record) => {
                    results.push(None);
                    records.push(record);
                }
                Err(err) => results.push(Some(Err(err))),
            }
        }
        if records.is_empty() {
            let _ = reply.send(results.into_iter().flatten().collect());
            return;
        }
        let batch = self.next_batch;
        self.next_batch += 1;
        self.pending.insert(batch, PendingSubmit { reply, results });
        let me = myself.clone();
        self.outbox.push(WriteOp::Insert {
            epoch: self.epoch,
            tasks: records,
            done: Box::new(move |tasks, outcome| {
                let _ = me.cast(WorkspaceMsg::Persisted {
                    batch,
                    tasks,
                    outcome,
                });
            }),
        });
    }

    /// Checks a submission against the caps and reserves its place; nothing is buffered
    /// past `max_queued`.
    fn admit(&mut self, task: NewTask, now: i64) -> Result<TaskRecord, RuntimeError> {
        if let Some(agent) = task.agent.filter(|a| !self.agents.contains_key(a)) {
            return Err(RuntimeError::UnknownAgent(agent));
        }
        if let Some(key) = &task.idempotency_key
            && (key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_BYTES)
        {
            {
                return Err(RuntimeError::Invalid(format!(
                    "idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes"
                )));
            }
        }
        if self.waiting >= self.caps.max_queued {
            return Err(RuntimeError::QueueFull {
                workspace: self.id,
                queued: self.waiting,
                max_queued: self.caps.max_queued,
            });
        }
        self.waiting += 1;
        let policy = &self.shared.config.retry;
        Ok(TaskRecord {
            id: TaskId::new(),
            workspace: self.id,
            agent: task.agent,
            assigned: None,
            title: task.title,
            input: task.input,
            priority: task.priority,
            status: TaskStatus::Queued,
            attempts: 0,
            max_attempts: task.max_attempts.unwrap_or(policy.max_attempts).max(1),
            backoff_ms: task.backoff.unwrap_or(policy.backoff_base).as_millis() as u64,
            timeout_ms: task
                .timeout
                .unwrap_or(self.shared.config.default_timeout)
                .as_millis() as u64,
            idempotency_key: task.idempotency_key,
            result: None,
            error: None,
            created_at: now,
            updated_at: now,
            run_after: None,
        })
    }

    pub(crate) fn persisted(
        &mut self,
        batch: u64,
        tasks: Vec<TaskRecord>,
        outcome: Result<Vec<InsertOutcome>, StoreError>,
    ) {
        let Some(PendingSubmit { reply, mut results }) = self.pending.remove(&batch) else {
            return;
        };
        let mut answers: Vec<Result<Submitted, RuntimeError>> = Vec::with_capacity(tasks.len());
        match outcome {
            Ok(outcomes) => {
                for (task, outcome) in tasks.into_iter().zip(outcomes) {
                    answers.push(Ok(match outcome {
                        InsertOutcome::Inserted => {
                            let submitted = Submitted {
                                task: task.clone(),
                                created: true,
                            };
                            self.enqueue(task, None);
                            submitted
                        }
                        InsertOutcome::Duplicate(existing) => {
                            self.waiting -= 1;
                            Submitted {
                                task: *existing,
                                created: false,
                            }
                        }
                    }));
                }
            }
            Err(err) => {
                let message = err.to_string();
                for _ in &tasks {
                    self.waiting -= 1;
                    answers.push(Err(StoreError::WriteFailed(message.clone()).into()));
                }
            }
        }
        let mut answers = answers.into_iter();
        for slot in results.iter_mut().filter(|r| r.is_none()) {
            *slot = answers.next();
        }
        let _ = reply.send(results.into_iter().flatten().collect());
    }

    /// Makes a stored, counted (`waiting`) task live: ready now, or after `delay`.
    fn enqueue(&mut self, record: TaskRecord, delay: Option<Duration>) {
        let id = record.id;
        let target = self.target_of(&record);
        let delayed_until = delay.filter(|d| !d.is_zero()).map(|d| Instant::now() + d);
        match delayed_until {
            Some(at) => {
                self.delayed.insert((at, id));
                self.myself
                    .send_after(at - Instant::now(), || WorkspaceMsg::Wake);
            }
            None => self.ready.push(target, scheduler::key(record.priority, id)),
        }
        self.office.set_task(record.view(0));
        self.tasks.insert(
            id,
            LiveTask {
                record,
                progress: 0,
                signals: None,
                started: None,
                cancel_requested: false,
                delayed_until,
            },
        );
        if let Some(agent) = target {
            self.refresh_agent(agent);
        }
    }

    /// The queue a task waits in: its agent's, unless that agent is gone or faulted.
    fn target_of(&self, record: &TaskRecord) -> Option<AgentId> {
        record
            .agent
            .filter(|a| self.agents.get(a).is_some_and(|s| !s.faulted))
    }

    // ---- dispatch ----

    /// Starts ready tasks while caps allow: the best task (priority, then age) among the
    /// shared queue and the queues of agents with a free slot; shared tasks go to the
    /// least-loaded free agent.
    fn dispatch(&mut self) {
        while self.running < self.caps.max_running {
            let any_free = self.agents.values().any(AgentSlot::can_take);
            if !any_free {
                break;
            }
            let mut best = self.ready.first_any().map(|k| (*k, None));
            if self.ready.has_targeted() {
                for (id, slot) in &self.agents {
                    if !slot.can_take() {
                        continue;
                    }
                    if let Some(k) = self.ready.first_for(id)
                        && best.is_none_or(|(b, _)| *k < b)
                    {
                        best = Some((*k, Some(*id)));
                    }
                }
            }
            let Some((key, source)) = best else { break };
            let agent = match source {
                Some(agent) => agent,
                None => match self.least_loaded() {
                    Some(agent) => agent,
                    None => break,
                },
            };
            self.ready.remove(source, &key);
            self.start(key.1, agent);
        }
    }

    fn least_loaded(&self) -> Option<AgentId> {
        self.agents
            .iter()
            .filter(|(_, s)| s.can_take())
            .min_by_key(|(id, s)| (s.running.len(), self.ready.len_for(id), s.record.desk))
            .map(|(id, _)| *id)
    }

    fn start(&mut self, id: TaskId, agent: AgentId) {
        let (Some(task), Some(slot)) = (self.tasks.get_mut(&id), self.agents.get_mut(&agent))
        else {
            return;
        };
        let Some(actor) = slot.actor.clone() else {
            return;
        };
        let record = &mut task.record;
        record.status = TaskStatus::Running;
        record.attempts += 1;
        record.assigned = Some(agent);
        record.run_after = None;
        record.updated_at = now_ms();
        let signals = Arc::new(Signals::new(self.shared.config.activity_buffer));
        task.signals = Some(signals.clone());
        task.started = Some(Instant::now());
        task.progress = 0;
        slot.running.push(id);
        slot.last_kind = None;
        self.waiting -= 1;
        self.running += 1;
        let record = record.clone();
        self.office.set_task(record.view(0));
        self.persist(record.clone(), None);
        let _ = actor.cast(AgentMsg::Run {
            task: Arc::new(record),
            signals,
        });
        self.refresh_agent(agent);
    }

    // ---- how attempts end ----

    pub(crate) fn finished(
        &mut self,
        agent: AgentId,
        id: TaskId,
        attempt: u32,
        outcome: AttemptOutcome,
    ) {
        let current = self.tasks.get(&id).is_some_and(|t| {
            t.record.status == TaskStatus::Running
                && t.record.attempts == attempt
                && t.record.assigned == Some(agent)
        });
        if !current {
            return; // A late report from an attempt already accounted for.
        }
        self.read_signals(id);
        let cancel_requested = self.release(id);
        match outcome {
            AttemptOutcome::Succeeded(value) => {
                self.finalize(id, TaskStatus::Succeeded, Some(value), None);
            }
            _ if cancel_requested => {
                self.finalize(
                    id,
                    TaskStatus::Cancelled,
                    None,
                    Some("cancelled by request".into()),
                );
            }
            AttemptOutcome::Failed(err) => self.fail(id, err.retryable, err.message),
            AttemptOutcome::TimedOut => {
                let timeout = self.tasks.get(&id).map_or(0, |t| t.record.timeout_ms);
                self.fail(id, true, format!("timed out after {timeout} ms"));
            }
            AttemptOutcome::Cancelled => self.fail(id, true, "attempt interrupted".into()),
        }
    }

    /// Frees the running slot of a task; returns whether cancellation was requested.
    fn release(&mut self, id: TaskId) -> bool {
        let Some(task) = self.tasks.get_mut(&id) else {
            return false;
        };
        if task.record.status != TaskStatus::Running {
            return false;
        }
        self.running -= 1;
        if let Some(started) = task.started.take() {
            self.usage.agent_ms += started.elapsed().as_millis() as u64;
        }
        task.signals = None;
        let (agent, cancel_requested) = (task.record.assigned, task.cancel_requested);
        if let Some(agent) = agent {
            if let Some(slot) = self.agents.get_mut(&agent) {
                slot.running.retain(|t| *t != id);
            }
            self.refresh_agent(agent);
        }
        cancel_requested
    }

    /// A failed attempt: back to the queue after a backoff, or dead when none is left (a
    /// permanent error ends the task as `failed` at once).
    fn fail(&mut self, id: TaskId, retryable: bool, message: String) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let record = &mut task.record;
        if !retryable || record.attempts >= record.max_attempts {
            let status = if retryable {
                TaskStatus::Dead
            } else {
                TaskStatus::Failed
            };
            self.finalize(id, status, None, Some(message));
            return;
        }
        let policy = self.shared.config.retry;
        let delay = policy.backoff(
            Duration::from_millis(record.backoff_ms),
            record.attempts + 1,
            self.rng.random(),
        );
        record.status = TaskStatus::Queued;
        record.error = Some(message);
        record.updated_at = now_ms();
        record.run_after = Some(record.updated_at + delay.as_millis() as i64);
        let record = record.clone();
        tracing::debug!(workspace_id = %self.id, task_id = %id, attempts = record.attempts, ?delay, "attempt failed; retrying");
        self.office.event(record.event());
        self.persist(record.clone(), None);
        self.tasks.remove(&id);
        self.waiting += 1;
        self.enqueue(record, Some(delay));
    }

    /// Ends a live task (not running any more) in a terminal status.
    fn finalize(
        &mut self,
        id: TaskId,
        status: TaskStatus,
        result: Option<serde_json::Value>,
        error: Option<String>,
    ) -> Option<TaskRecord> {
        let mut task = self.tasks.remove(&id)?;
        let record = &mut task.record;
        record.status = status;
        record.result = result;
        if error.is_some() {
            record.error = error;
        }
        record.run_after = None;
        record.updated_at = now_ms();
        self.usage.count(status);
        self.office.remove_task(id);
        self.office.event(record.event());
        self.persist(record.clone(), None);
        Some(task.record)
    }

    /// Queues the task's latest state for the store; `done` hears when it is durable.
    fn persist(
        &mut self,
        task: TaskRecord,
        done: Option<tokio::sync::oneshot::Sender<Result<(), StoreError>>>,
    ) {
        self.outbox.push(WriteOp::Update {
            epoch: self.epoch,
            task: Box::new(task),
            done,
        });
    }

    pub(crate) fn wake(&mut self) {
        let now = Instant::now();
        while let Some(&(at, id)) = self.delayed.first() {
            if at > now {
                break;
            }
            self.delayed.pop_first();
            let Some(task) = self.tasks.get_mut(&id) else {
                continue;
            };
            task.delayed_until = None;
            let (priority, record_agent) = (task.record.priority, task.record.clone());
            let target = self.target_of(&record_agent);
            self.ready.push(target, scheduler::key(priority, id));
            if let Some(agent) = target {
                self.refresh_agent(agent);
            }
        }
    }

    // ---- commands ----

    /// Cancels a live task: a waiting one ends now, a running one is asked to stop and
    /// ends when its attempt does. `None` if the task is not live here.
    pub(crate) fn cancel(&mut self, id: TaskId) -> Option<TaskRecord> {
        let task = self.tasks.get_mut(&id)?;
        if task.record.status == TaskStatus::Running {
            task.cancel_requested = true;
            let record = task.record.clone();
            if let Some(actor) = record
                .assigned
                .and_then(|a| self.agents.get(&a))
                .and_then(|s| s.actor.as_ref())
            {
                let _ = actor.cast(AgentMsg::Cancel(id));
            }
            return Some(record);
        }
        match task.delayed_until.take() {
            Some(at) => {
                self.delayed.remove(&(at, id));
            }
            None => {
                let target = task.record.agent;
                let key = scheduler::key(task.record.priority, id);
                self.ready.remove(target, &key);
            }
        }
        self.waiting -= 1;
        let agent = task.record.agent;
        let record = self.finalize(
            id,
            TaskStatus::Cancelled,
            None,
            Some("cancelled by request".into()),
        );
        if let Some(agent) = agent {
            self.refresh_agent(agent);
        }
        record
    }

    pub(crate) fn requeue(
        &mut self,
        mut record: TaskRecord,
        reply: RpcReplyPort<Result<TaskRecord, RuntimeError>>,
    ) {
        let refuse = |reply: RpcReplyPort<Result<TaskRecord, RuntimeError>>, err| {
            let _ = reply.send(Err(err));
        };
        if self.tasks.contains_key(&record.id)
            || !matches!(record.status, TaskStatus::Dead | TaskStatus::Failed)
        {
            let status = self
                .tasks
                .get(&record.id)
                .map_or(record.status, |t| t.record.status);
            return refuse(
                reply,
                RuntimeError::InvalidState {
                    task: record.id,
                    status,
                    action: "retry",
                },
            );
        }
        if self.waiting >= self.caps.max_queued {
            return refuse(
                reply,
                RuntimeError::QueueFull {
                    workspace: self.id,
                    queued: self.waiting,
                    max_queued: self.caps.max_queued,
                },
            );
        }
        record.status = TaskStatus::Queued;
        record.attempts = 0;
        record.error = None;
        record.result = None;
        record.run_after = None;
        record.updated_at = now_ms();
        let (done, durable) = tokio::sync::oneshot::channel();
        self.persist(record.clone(), Some(done));
        self.waiting += 1;
        self.enqueue(record.clone(), None);
        tokio::spawn(async move {
            let answer = match durable.await {
                Ok(Ok(())) => Ok(record),
                Ok(Err(err)) => Err(err.into()),
                Err(_) => Err(StoreError::WriterStopped.into()),
            };
            let _ = reply.send(answer);
        });
    }

    pub(crate) async fn add_agent(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        record: AgentRecord,
    ) -> Result<AgentView, RuntimeError> {
        let id = record.id;
        if let Some(actor) = self.agents.get(&id).and_then(|s| s.actor.clone()) {
            // An update: the new settings apply from the agent's next start.
            self.agent_by_actor.remove(&actor.get_id());
            actor.stop(None);
        }
        let running = self
            .agents
            .remove(&id)
            .map(|s| s.running)
            .unwrap_or_default();
        self.insert_slot(record);
        for task in running {
            self.interrupt(task, "agent reconfigured");
        }
        self.spawn_agent(myself, id)
            .await
            .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        self.office
            .live
            .agents
            .get(&id)
            .cloned()
            .ok_or(RuntimeError::UnknownAgent(id))
    }

    pub(crate) fn remove_agent(&mut self, id: AgentId) -> Result<(), RuntimeError> {
        let slot = self
            .agents
            .remove(&id)
            .ok_or(RuntimeError::UnknownAgent(id))?;
        if let Some(actor) = &slot.actor {
            self.agent_by_actor.remove(&actor.get_id());
            actor.stop(None);
        }
        for task in slot.running {
            self.release_orphan(task);
            self.finalize(
                task,
                TaskStatus::Cancelled,
                None,
                Some("agent removed".into()),
            );
        }
        self.ready.release_agent(&id);
        self.office.remove_agent(id);
        Ok(())
    }

    pub(crate) async fn reset_agent(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        id: AgentId,
    ) -> Result<(), RuntimeError> {
        let slot = self
            .agents
            .get_mut(&id)
            .ok_or(RuntimeError::UnknownAgent(id))?;
        slot.faulted = false;
        slot.recent_restarts.clear();
        if slot.actor.is_none() {
            self.spawn_agent(myself, id)
                .await
                .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        }
        self.refresh_agent(id);
        Ok(())
    }

    /// Frees the running slot of a task whose agent is gone (its report will never come).
    fn release_orphan(&mut self, id: TaskId) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        if task.record.status == TaskStatus::Running {
            self.running -= 1;
            if let Some(started) = task.started.take() {
                self.usage.agent_ms += started.elapsed().as_millis() as u64;
            }
            task.signals = None;
        }
    }

    /// An attempt cut short by its agent going away: it counts as a failed attempt.
    fn interrupt(&mut self, id: TaskId, why: &str) {
        self.release_orphan(id);
        self.fail(id, true, why.to_owned());
    }

    // ---- supervision ----

    pub(crate) async fn agent_failed(
        &mut self,
        myself: &ActorRef<WorkspaceMsg>,
        actor: ractor::ActorId,
        error: &str,
    ) {
        let Some(id) = self.agent_by_actor.remove(&actor) else {
            return;
        };
        let Some(slot) = self.agents.get_mut(&id) else {
            return;
        };
        slot.actor = None;
        slot.restarts += 1;
        let now = Instant::now();
        let window = self.shared.config.restart_window;
        slot.recent_restarts.push_back(now);
        while slot
            .recent_restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) > window)
        {
            slot.recent_restarts.pop_front();
        }
        let storm = slot.recent_restarts.len() as u32 > self.shared.config.max_restarts;
        let running = std::mem::take(&mut slot.running);
        tracing::warn!(workspace_id = %self.id, agent_id = %id, error, storm, "agent actor crashed");
        for task in running {
            self.interrupt(task, &format!("agent crashed: {error}"));
        }
        if storm {
            let slot = self.agents.get_mut(&id).expect("slot checked above");
            slot.faulted = true;
            let moved = self.ready.release_agent(&id);
            let text = format!(
                "faulted after {} restarts in {:?}; {moved} queued tasks handed to other agents",
                slot.recent_restarts.len(),
                window
            );
            self.line(id, None, ActivityKind::Status, text);
        } else if let Err(err) = self.spawn_agent(myself, id).await {
            tracing::error!(workspace_id = %self.id, agent_id = %id, error = %err, "agent restart failed");
        }
        self.refresh_agent(id);
    }

    pub(crate) fn agent_stopped(&mut self, actor: ractor::ActorId) {
        self.agent_by_actor.remove(&actor);
    }

    // ---- live state ----

    pub(crate) fn read_signals(&mut self, id: TaskId) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let (Some(signals), Some(agent)) = (task.signals.clone(), task.record.assigned) else {
            return;
        };
        let (progress, lines, dropped) = signals.take();
        if let Some(p) = progress {
            task.progress = p;
            let view = task.record.view(p);
            self.office.set_task(view);
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
        self.refresh_agent(agent);
    }

    fn line(&mut self, agent: AgentId, task: Option<TaskId>, kind: ActivityKind, text: String) {
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
    fn refresh_agent(&mut self, id: AgentId) {
        let Some(slot) = self.agents.get(&id) else {
            return;
        };
        let queued = self.ready.len_for(&id) as u32;
        let status = if slot.faulted {
            AgentStatus::Faulted
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
        self.office.set_agent(AgentView {
            id,
            name: slot.record.name.clone(),
            personality: slot.record.personality.clone(),
            status,
            desk: slot.record.desk,
            max_concurrent: slot.record.max_concurrent,
            running: slot.running.len() as u32,
            queued,
            current_task: slot.running.first().copied(),
            restarts: slot.restarts,
        });
    }

    pub(crate) fn tick(&mut self) {
        self.tick_armed = false;
        self.office.publish(&*self.shared.bus, self.epoch);
        if !self.usage.is_zero() {
            let delta = std::mem::take(&mut self.usage);
            self.outbox.push(WriteOp::Usage {
                workspace: self.id,
                day: now_ms() / DAY_MS,
                delta,
            });
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
    ) -> Result<TopicSubscription, RuntimeError> {
        self.check_topic(&topic)?;
        self.office.publish(&*self.shared.bus, self.epoch);
        let current = Resume {
            epoch: self.epoch,
            seq: self.office.seq(&topic),
        };
        let (start, stream) = self.shared.bus.subscribe(topic, resume, current);
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

    pub(crate) fn stats(&self) -> WorkspaceStats {
        WorkspaceStats {
            epoch: self.epoch,
            running: self.running,
            waiting: self.waiting,
            agents: self.agents.len() as u32,
            faulted: self.agents.values().filter(|s| s.faulted).count() as u32,
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
