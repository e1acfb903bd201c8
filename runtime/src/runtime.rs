//! [`Runtime`]: the handle the server (and tests, and benchmarks) hold.

use std::sync::Arc;

use agenthq_protocol::{
    AgentId, ApprovalId, Resume, ServerMessage, TaskId, TaskStatus, Tier, Topic, Verdict,
    WorkspaceId,
};
use dashmap::DashMap;
use ractor::{Actor, ActorRef, RpcReplyPort};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bus::{Bus, SendBudget};
use crate::cluster::{Cluster, Lease};
use crate::config::{RuntimeConfig, WorkspaceCaps};
use crate::error::RuntimeError;
use crate::executor::ExecutorRegistry;
use crate::store::writer::StoreWriter;
use crate::store::{
    AgentRecord, ApprovalFilter, ApprovalRecord, ExecutorConfig, MessageFilter, MessageRecord,
    Store, TaskFilter, UsageRow, WorkspaceRecord,
};
use crate::supervisor::{Directory, RootArgs, RootMsg, RootSupervisor, WorkspaceEntry};
use crate::task::{NewTask, Submitted, TaskRecord, now_ms};
use crate::workspace::{Outgoing, TopicSubscription, WorkspaceMsg, WorkspaceStats};

mod node;

/// What every actor of a runtime shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: RuntimeConfig,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) writer: StoreWriter,
    pub(crate) bus: Arc<dyn Bus>,
    pub(crate) executors: ExecutorRegistry,
    /// Set on a node of a cluster: workspaces are loaded only under a lease.
    pub(crate) cluster: Option<Cluster>,
}

/// A new workspace.
#[derive(Debug, Clone)]
pub struct NewWorkspace {
    pub name: String,
    pub tier: Tier,
    /// The tier's caps when `None`.
    pub caps: Option<WorkspaceCaps>,
    /// Watchable without credentials (the demo office).
    pub public: bool,
}

/// A new agent (or new settings for an existing one, with [`Runtime::update_agent`]).
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub name: String,
    pub personality: String,
    pub executor: ExecutorConfig,
    pub max_concurrent: u32,
}

impl Default for NewAgent {
    fn default() -> Self {
        Self {
            name: "agent".into(),
            personality: String::new(),
            executor: ExecutorConfig::default(),
            max_concurrent: 1,
        }
    }
}

/// The running runtime: a root supervisor, its workspace actors, the store writer.
#[derive(Debug, Clone)]
pub struct Runtime {
    shared: Arc<Shared>,
    root: ActorRef<RootMsg>,
    directory: Directory,
    /// Which workspace each agent belongs to (for `agent/{id}/activity` subscriptions).
    agents: Arc<DashMap<AgentId, WorkspaceId>>,
    shutdown: CancellationToken,
    writer_stop: CancellationToken,
    tracker: TaskTracker,
    /// In a cluster: the leases this node holds, and one take at a time.
    leases: Arc<DashMap<WorkspaceId, Lease>>,
    taking: Arc<tokio::sync::Mutex<()>>,
    /// Workspaces this node handed to another (rebalancing), not to be taken back here
    /// before the instant given.
    handed_off: Arc<DashMap<WorkspaceId, tokio::time::Instant>>,
    /// Workspaces deleted here lately (at most [`DELETED_KEPT`]): usage metered for them
    /// after the deletion began is dropped, so no row of them reappears.
    deleted: Arc<std::sync::Mutex<std::collections::VecDeque<WorkspaceId>>>,
}

/// Deleted workspaces remembered, at most.
const DELETED_KEPT: usize = 1024;

impl Runtime {
    /// Starts the runtime and loads every stored workspace (re-queueing tasks a previous
    /// process left running).
    pub async fn start(
        config: RuntimeConfig,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        executors: ExecutorRegistry,
    ) -> Result<Self, RuntimeError> {
        Self::start_with(config, store, bus, executors, None).await
    }

    /// Starts a node of a cluster: it loads a workspace only once it holds its lease (when
    /// a command or a subscription needs it and no other node owns it), keeps the lease
    /// renewed, and stops the workspace at once if the lease is lost. Commands for a
    /// workspace another node owns answer [`RuntimeError::NotOwner`].
    pub async fn start_in_cluster(
        config: RuntimeConfig,
        store: Arc<dyn Store>,
        cluster: Cluster,
        executors: ExecutorRegistry,
    ) -> Result<Self, RuntimeError> {
        let bus: Arc<dyn Bus> = Arc::new(cluster.bus.clone());
        Self::start_with(config, store, bus, executors, Some(cluster)).await
    }

    async fn start_with(
        config: RuntimeConfig,
        store: Arc<dyn Store>,
        bus: Arc<dyn Bus>,
        executors: ExecutorRegistry,
        cluster: Option<Cluster>,
    ) -> Result<Self, RuntimeError> {
        let shutdown = CancellationToken::new();
        let writer_stop = CancellationToken::new();
        let tracker = TaskTracker::new();
        let writer = StoreWriter::spawn(
            store.clone(),
            config.writer_queue,
            config.writer_batch,
            &tracker,
            writer_stop.clone(),
        );
        let shared = Arc::new(Shared {
            config,
            store,
            writer,
            bus,
            executors,
            cluster,
        });
        let directory = Directory::default();
        let args = RootArgs {
            shared: shared.clone(),
            directory: directory.clone(),
            shutdown: shutdown.clone(),
        };
        let (root, handle) = Actor::spawn(None, RootSupervisor, args)
            .await
            .map_err(|e| RuntimeError::Invalid(format!("cannot start the root supervisor: {e}")))?;
        tracker.spawn(async move {
            let _ = handle.await;
        });
        let runtime = Self {
            shared,
            root,
            directory,
            agents: Arc::default(),
            shutdown,
            writer_stop,
            tracker,
            leases: Arc::default(),
            taking: Arc::default(),
            handed_off: Arc::default(),
            deleted: Arc::default(),
        };
        for ws in runtime.shared.store.workspaces().await? {
            for agent in runtime.shared.store.agents(ws.id).await? {
                runtime.agents.insert(agent.id, ws.id);
            }
            if runtime.shared.cluster.is_none() {
                runtime.load(ws.id, 0).await?;
            }
        }
        runtime.tracker.spawn(runtime.clone().stop_fenced_off());
        runtime.serve_requests(None);
        if let Some(cluster) = &runtime.shared.cluster {
            runtime
                .tracker
                .spawn(runtime.clone().sweep(cluster.clone()));
            if cluster.rebalance {
                runtime
                    .tracker
                    .spawn(runtime.clone().rebalance(cluster.clone()));
            }
        }
        Ok(runtime)
    }

    /// The workspace's actor on this node; in a cluster, taken (leased and loaded) first
    /// if no node owns it.
    async fn entry(&self, id: WorkspaceId) -> Result<WorkspaceEntry, RuntimeError> {
        if let Some(entry) = self.directory.get(&id) {
            return Ok(entry.clone());
        }
        if self.shared.cluster.is_some() {
            self.take(id).await?;
        }
        self.directory
            .get(&id)
            .map(|e| e.clone())
            .ok_or(RuntimeError::UnknownWorkspace(id))
    }

    /// The bus diffs are published to.
    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.shared.bus
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }

    async fn load(&self, id: WorkspaceId, floor: u64) -> Result<(), RuntimeError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.root
            .cast(RootMsg::Load {
                id,
                floor,
                reply: tx.into(),
            })
            .map_err(|_| RuntimeError::Unavailable(id))?;
        rx.await.map_err(|_| RuntimeError::Unavailable(id))?
    }

    /// Sends a command to a workspace and waits for its answer. At most
    /// `max_pending_commands` commands are in flight per workspace; more callers wait.
    async fn call<T: Send + 'static>(
        &self,
        id: WorkspaceId,
        build: impl FnOnce(RpcReplyPort<T>) -> WorkspaceMsg,
    ) -> Result<T, RuntimeError> {
        let entry = self.entry(id).await?;
        let _permit = entry
            .permits
            .acquire()
            .await
            .map_err(|_| RuntimeError::Unavailable(id))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        entry
            .actor
            .cast(build(tx.into()))
            .map_err(|_| RuntimeError::Unavailable(id))?;
        rx.await.map_err(|_| RuntimeError::Unavailable(id))
    }

    pub async fn create_workspace(
        &self,
        new: NewWorkspace,
    ) -> Result<WorkspaceRecord, RuntimeError> {
        let caps = new
            .caps
            .unwrap_or_else(|| self.shared.config.tiers.get(new.tier).caps());
        check_caps(caps)?;
        let record = WorkspaceRecord {
            id: WorkspaceId::new(),
            name: new.name,
            tier: new.tier,
            max_running: caps.max_running,
            max_queued: caps.max_queued,
            epoch: 0,
            public: new.public,
            created_at: now_ms(),
        };
        self.shared.store.create_workspace(&record).await?;
        if self.shared.cluster.is_some() {
            self.take(record.id).await?;
        } else {
            self.load(record.id, 0).await?;
        }
        Ok(record)
    }

    /// Sets a workspace's tier; its caps become the tier's unless `caps` says otherwise.
    /// The new caps, model budget and quotas apply at once, without a restart; answers
    /// the workspace as stored.
    pub async fn set_tier(
        &self,
        workspace: WorkspaceId,
        tier: Tier,
        caps: Option<WorkspaceCaps>,
    ) -> Result<WorkspaceRecord, RuntimeError> {
        let caps = caps.unwrap_or_else(|| self.shared.config.tiers.get(tier).caps());
        check_caps(caps)?;
        // Only the owner of a workspace changes it (another node's caller is told which).
        self.entry(workspace).await?;
        self.shared
            .store
            .set_tier(workspace, tier, caps)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::NotFound => RuntimeError::UnknownWorkspace(workspace),
                e => e.into(),
            })?;
        self.call(workspace, |reply| WorkspaceMsg::SetTier {
            tier,
            caps,
            reply,
        })
        .await?;
        self.shared
            .store
            .workspace(workspace)
            .await?
            .ok_or(RuntimeError::UnknownWorkspace(workspace))
    }

    /// Deletes a workspace and everything in it. Its actor stops first (its queued writes
    /// fenced off, so nothing of it lands after), then the store deletes every row of it in
    /// one transaction; in a cluster its lease is given back. Watchers get nothing more,
    /// and a resubscription answers `UnknownWorkspace`.
    pub async fn delete_workspace(&self, workspace: WorkspaceId) -> Result<(), RuntimeError> {
        // Only the owner deletes (another node's caller is told which).
        self.entry(workspace).await?;
        {
            let mut deleted = self.deleted.lock().unwrap_or_else(|e| e.into_inner());
            if deleted.len() == DELETED_KEPT {
                deleted.pop_front();
            }
            deleted.push_back(workspace);
        }
        // Usage added before this point is committed by the flush below, and deleted.
        self.unload(workspace).await;
        self.shared.writer.flush().await?;
        if !self.shared.store.delete_workspace(workspace).await? {
            return Err(RuntimeError::UnknownWorkspace(workspace));
        }
        self.agents.retain(|_, ws| *ws != workspace);
        tracing::info!(workspace_id = %workspace, "workspace deleted");
        Ok(())
    }

    /// Adds an agent at the next free desk; answers it as stored. Refused past the tier's
    /// `max_agents`.
    pub async fn create_agent(
        &self,
        workspace: WorkspaceId,
        new: NewAgent,
    ) -> Result<AgentRecord, RuntimeError> {
        let record = self
            .shared
            .store
            .workspace(workspace)
            .await?
            .ok_or(RuntimeError::UnknownWorkspace(workspace))?;
        let agents = self.shared.store.agents(workspace).await?;
        let max_agents = self.shared.config.tiers.get(record.tier).max_agents;
        if agents.len() >= max_agents as usize {
            return Err(RuntimeError::TierLimit {
                tier: record.tier,
                allows: format!("at most {max_agents} agents"),
            });
        }
        let desk = agents.iter().map(|a| a.desk + 1).max().unwrap_or(0);
        self.put_agent(workspace, AgentId::new(), desk, now_ms(), new)
            .await
    }

    /// Changes an agent (its desk and creation time stay); answers it as stored.
    pub async fn update_agent(
        &self,
        workspace: WorkspaceId,
        id: AgentId,
        new: NewAgent,
    ) -> Result<AgentRecord, RuntimeError> {
        let old = self
            .shared
            .store
            .agents(workspace)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(RuntimeError::UnknownAgent(id))?;
        self.put_agent(workspace, id, old.desk, old.created_at, new)
            .await
    }

    async fn put_agent(
        &self,
        workspace: WorkspaceId,
        id: AgentId,
        desk: u32,
        created_at: i64,
        new: NewAgent,
    ) -> Result<AgentRecord, RuntimeError> {
        let Some(executor) = self.shared.executors.get(&new.executor.kind) else {
            return Err(RuntimeError::Invalid(format!(
                "unknown executor kind {:?}",
                new.executor.kind
            )));
        };
        executor
            .check(workspace, &new.executor)
            .map_err(RuntimeError::Invalid)?;
        if new.max_concurrent == 0 {
            return Err(RuntimeError::Invalid(
                "max_concurrent must be at least 1".into(),
            ));
        }
        self.entry(workspace).await?;
        let record = AgentRecord {
            id,
            workspace,
            name: new.name,
            personality: new.personality,
            executor: new.executor,
            max_concurrent: new.max_concurrent,
            desk,
            created_at,
        };
        self.shared.store.put_agent(&record).await?;
        self.agents.insert(id, workspace);
        self.call(workspace, |reply| WorkspaceMsg::AddAgent {
            agent: Box::new(record.clone()),
            reply,
        })
        .await??;
        Ok(record)
    }

    /// Removes an agent: its running tasks are cancelled, its queued ones handed to the
    /// other agents.
    pub async fn delete_agent(
        &self,
        workspace: WorkspaceId,
        id: AgentId,
    ) -> Result<(), RuntimeError> {
        self.call(workspace, |reply| WorkspaceMsg::RemoveAgent {
            agent: id,
            reply,
        })
        .await??;
        self.shared.store.delete_agent(workspace, id).await?;
        self.agents.remove(&id);
        Ok(())
    }

    /// Clears an agent's `faulted` status.
    pub async fn reset_agent(
        &self,
        workspace: WorkspaceId,
        id: AgentId,
    ) -> Result<(), RuntimeError> {
        self.call(workspace, |reply| WorkspaceMsg::ResetAgent {
            agent: id,
            reply,
        })
        .await?
    }

    /// Submits one task; answered once it is durable.
    pub async fn submit(
        &self,
        workspace: WorkspaceId,
        task: NewTask,
    ) -> Result<Submitted, RuntimeError> {
        self.submit_many(workspace, vec![task])
            .await?
            .pop()
            .unwrap_or(Err(RuntimeError::Unavailable(workspace)))
    }

    /// Submits several tasks in one command (and, usually, one transaction); one answer
    /// per task, in order. Tasks past `max_queued` get `QueueFull`; the others are accepted.
    ///
    /// A task whose idempotency key is already taken answers the earlier task, even when
    /// the queue is full (a retried submission learns it was accepted, not `QueueFull`).
    pub async fn submit_many(
        &self,
        workspace: WorkspaceId,
        tasks: Vec<NewTask>,
    ) -> Result<Vec<Result<Submitted, RuntimeError>>, RuntimeError> {
        let keys: Vec<Option<String>> = tasks.iter().map(|t| t.idempotency_key.clone()).collect();
        let mut answers = self
            .call(workspace, |reply| WorkspaceMsg::Submit { tasks, reply })
            .await?;
        for (answer, key) in answers.iter_mut().zip(&keys) {
            if let (
                Err(RuntimeError::QueueFull { .. } | RuntimeError::QuotaExceeded { .. }),
                Some(key),
            ) = (&*answer, key)
                && let Some(task) = self.shared.store.task_by_key(workspace, key).await?
            {
                *answer = Ok(Submitted {
                    task,
                    created: false,
                });
            }
        }
        Ok(answers)
    }

    /// Cancels a task. A queued task is cancelled at once; for a running one the answer
    /// still says `running` and the task ends `cancelled` when its attempt stops.
    pub async fn cancel(
        &self,
        workspace: WorkspaceId,
        task: TaskId,
    ) -> Result<TaskRecord, RuntimeError> {
        if let Some(record) = self
            .call(workspace, |reply| WorkspaceMsg::Cancel { task, reply })
            .await??
        {
            return Ok(record);
        }
        match self.shared.store.task(workspace, task).await? {
            Some(record) => Err(RuntimeError::InvalidState {
                task,
                status: record.status,
                action: "cancel",
            }),
            None => Err(RuntimeError::UnknownTask(task)),
        }
    }

    /// Puts a dead (or failed) task back in the queue with fresh attempts.
    pub async fn retry(
        &self,
        workspace: WorkspaceId,
        task: TaskId,
    ) -> Result<TaskRecord, RuntimeError> {
        let record = self
            .shared
            .store
            .task(workspace, task)
            .await?
            .ok_or(RuntimeError::UnknownTask(task))?;
        self.call(workspace, |reply| WorkspaceMsg::Requeue {
            task: Box::new(record),
            reply,
        })
        .await?
    }

    /// The dead set, newest first.
    pub async fn dead(
        &self,
        workspace: WorkspaceId,
        before: Option<TaskId>,
        limit: u32,
    ) -> Result<Vec<TaskRecord>, RuntimeError> {
        let filter = TaskFilter {
            status: Some(TaskStatus::Dead),
            before,
            limit,
            ..TaskFilter::default()
        };
        Ok(self.shared.store.tasks(workspace, &filter).await?)
    }

    pub async fn task(
        &self,
        workspace: WorkspaceId,
        id: TaskId,
    ) -> Result<TaskRecord, RuntimeError> {
        self.shared
            .store
            .task(workspace, id)
            .await?
            .ok_or(RuntimeError::UnknownTask(id))
    }

    pub async fn tasks(
        &self,
        workspace: WorkspaceId,
        filter: &TaskFilter,
    ) -> Result<Vec<TaskRecord>, RuntimeError> {
        Ok(self.shared.store.tasks(workspace, filter).await?)
    }

    pub async fn usage(&self, workspace: WorkspaceId) -> Result<Vec<UsageRow>, RuntimeError> {
        Ok(self.shared.store.usage(workspace).await?)
    }

    /// Per-agent, per-day usage.
    pub async fn agent_usage(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<crate::store::AgentUsageRow>, RuntimeError> {
        Ok(self.shared.store.agent_usage(workspace).await?)
    }

    /// Sends a message (from a person, or from an agent on its behalf) to an agent or to
    /// the workspace's people; answered once it is stored. The office shows it passing.
    pub async fn send_message(
        &self,
        workspace: WorkspaceId,
        message: Outgoing,
    ) -> Result<MessageRecord, RuntimeError> {
        self.call(workspace, |reply| WorkspaceMsg::Send {
            message: Box::new(message),
            reply,
        })
        .await?
    }

    /// Messages of the workspace, newest first.
    pub async fn messages(
        &self,
        workspace: WorkspaceId,
        filter: &MessageFilter,
    ) -> Result<Vec<MessageRecord>, RuntimeError> {
        Ok(self.shared.store.messages(workspace, filter).await?)
    }

    /// Approval requests of the workspace, newest first.
    pub async fn approvals(
        &self,
        workspace: WorkspaceId,
        filter: &ApprovalFilter,
    ) -> Result<Vec<ApprovalRecord>, RuntimeError> {
        Ok(self.shared.store.approvals(workspace, filter).await?)
    }

    pub async fn approval(
        &self,
        workspace: WorkspaceId,
        id: ApprovalId,
    ) -> Result<ApprovalRecord, RuntimeError> {
        self.shared
            .store
            .approval(workspace, id)
            .await?
            .ok_or(RuntimeError::UnknownApproval(id))
    }

    /// A person approves or rejects a pending request (`by` names them); its agent goes on
    /// with the decision. A request already settled is [`RuntimeError::ApprovalSettled`].
    pub async fn decide(
        &self,
        workspace: WorkspaceId,
        approval: ApprovalId,
        verdict: Verdict,
        by: String,
        comment: Option<String>,
    ) -> Result<ApprovalRecord, RuntimeError> {
        self.call(workspace, |reply| WorkspaceMsg::Decide {
            approval,
            verdict,
            by,
            comment,
            reply,
        })
        .await?
    }

    /// Subscribes to a topic; see [`TopicSubscription`].
    pub async fn subscribe(
        &self,
        topic: Topic,
        resume: Option<Resume>,
    ) -> Result<TopicSubscription, RuntimeError> {
        self.subscribe_with_budget(topic, resume, None).await
    }

    /// Subscribes with the connection's [`SendBudget`] counting what is queued for it.
    ///
    /// In a cluster, a topic of a workspace another node owns is followed from Redis and
    /// opens with a snapshot the owner sends.
    pub async fn subscribe_with_budget(
        &self,
        topic: Topic,
        resume: Option<Resume>,
        budget: Option<SendBudget>,
    ) -> Result<TopicSubscription, RuntimeError> {
        let workspace = self.resolve_workspace(&topic).await?;
        // In a cluster, an owner that does not answer (it died, and its lease has not
        // lapsed yet) is waited out: by then another node, maybe this one, owns the
        // workspace, and the watcher need not come back itself.
        let patience = self.shared.cluster.as_ref().map(|c| {
            tokio::time::Instant::now() + c.leases.ttl() + std::time::Duration::from_secs(2)
        });
        loop {
            let local = self
                .call(workspace, |reply| WorkspaceMsg::Subscribe {
                    topic,
                    resume,
                    budget: budget.clone(),
                    reply,
                })
                .await;
            let answer = match (local, &self.shared.cluster) {
                (Err(RuntimeError::NotOwner { node, .. }), Some(cluster)) => {
                    self.subscribe_remote(cluster, &node, workspace, topic, budget.clone())
                        .await
                }
                (local, _) => local.and_then(|subscribed| subscribed),
            };
            match answer {
                Err(RuntimeError::Unavailable(_))
                    if patience.is_some_and(|p| tokio::time::Instant::now() < p) =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                answer => return answer,
            }
        }
    }

    /// The topic's current state as a `snapshot` message.
    pub async fn snapshot(&self, topic: Topic) -> Result<ServerMessage, RuntimeError> {
        let workspace = self.resolve_workspace(&topic).await?;
        self.call(workspace, |reply| WorkspaceMsg::Snapshot { topic, reply })
            .await?
    }

    /// The workspace a topic belongs to, asking the store about an agent this node has not
    /// seen (in a cluster, one created through another node).
    pub async fn resolve_workspace(&self, topic: &Topic) -> Result<WorkspaceId, RuntimeError> {
        if let Ok(workspace) = self.workspace_of(topic) {
            return Ok(workspace);
        }
        let Topic::AgentActivity(agent) = topic else {
            return self.workspace_of(topic);
        };
        let record = self
            .shared
            .store
            .agent(*agent)
            .await?
            .ok_or(RuntimeError::UnknownAgent(*agent))?;
        self.agents.insert(*agent, record.workspace);
        Ok(record.workspace)
    }

    /// The workspace a topic belongs to, as far as this node knows.
    pub fn workspace_of(&self, topic: &Topic) -> Result<WorkspaceId, RuntimeError> {
        match topic {
            Topic::Workspace(ws) | Topic::Tasks(ws) => Ok(*ws),
            Topic::AgentActivity(agent) => self
                .agents
                .get(agent)
                .map(|ws| *ws)
                .ok_or(RuntimeError::UnknownAgent(*agent)),
        }
    }

    /// A workspace as stored.
    pub async fn workspace(&self, id: WorkspaceId) -> Result<WorkspaceRecord, RuntimeError> {
        self.shared
            .store
            .workspace(id)
            .await?
            .ok_or(RuntimeError::UnknownWorkspace(id))
    }

    pub async fn stats(&self, workspace: WorkspaceId) -> Result<WorkspaceStats, RuntimeError> {
        self.call(workspace, WorkspaceMsg::Stats).await
    }

    /// Fault injection: makes the workspace actor fail, as a bug would. The root
    /// supervisor restarts it from the store with a new epoch.
    pub async fn crash_workspace(&self, workspace: WorkspaceId) -> Result<(), RuntimeError> {
        let entry = self
            .directory
            .get(&workspace)
            .map(|e| e.clone())
            .ok_or(RuntimeError::UnknownWorkspace(workspace))?;
        entry
            .actor
            .cast(WorkspaceMsg::Crash)
            .map_err(|_| RuntimeError::Unavailable(workspace))
    }

    /// Adds to a workspace's usage of today (what the server meters: API requests,
    /// WebSocket time), through the store writer.
    pub async fn add_usage(
        &self,
        workspace: WorkspaceId,
        delta: crate::store::UsageDelta,
    ) -> Result<(), RuntimeError> {
        if self
            .deleted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&workspace)
        {
            return Ok(());
        }
        self.shared
            .writer
            .send(crate::store::writer::WriteOp::Usage {
                workspace,
                day: crate::task::today(),
                delta,
            })
            .await?;
        Ok(())
    }

    /// Writes audit log entries through the store writer, in its next transaction (with
    /// the tasks queued beside them); returns once they are committed. Entries of a
    /// workspace deleted here lately are dropped, as its usage is. Waits while the
    /// writer's queue is full.
    pub async fn record_audit(
        &self,
        mut entries: Vec<crate::store::AuditEntry>,
    ) -> Result<(), RuntimeError> {
        {
            let deleted = self.deleted.lock().unwrap_or_else(|e| e.into_inner());
            entries.retain(|e| !deleted.contains(&e.workspace));
        }
        if entries.is_empty() {
            return Ok(());
        }
        let (done, written) = tokio::sync::oneshot::channel();
        self.shared
            .writer
            .send(crate::store::writer::WriteOp::Audit { entries, done })
            .await?;
        written
            .await
            .map_err(|_| crate::store::StoreError::WriterStopped)??;
        Ok(())
    }

    /// Waits until every store write queued so far is committed.
    pub async fn flush(&self) -> Result<(), RuntimeError> {
        Ok(self.shared.writer.flush().await?)
    }

    /// Stops top-down: workspaces (and their agents) first, then the store writer, which
    /// commits what was queued. Tasks still running are re-queued by the next start.
    pub async fn shutdown(self) {
        // Cancels running attempts and keeps the root from restarting anything; the
        // writer has its own token and stops last, after the workspaces' final writes.
        self.shutdown.cancel();
        let workspaces: Vec<_> = self.directory.iter().map(|e| e.actor.clone()).collect();
        for actor in workspaces {
            let _ = actor
                .stop_and_wait(None, Some(std::time::Duration::from_secs(10)))
                .await;
        }
        self.root.stop(None);
        self.writer_stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        if let Some(cluster) = &self.shared.cluster {
            cluster.bus.serve(None); // Drops the handler (and its runtime handle).
        }
        // Given back only now that every write is done, so the next owner need not wait
        // for the leases to lapse.
        if let Some(cluster) = &self.shared.cluster {
            for lease in self.leases.iter() {
                let _ = cluster.leases.release(&lease).await;
            }
        }
    }

    /// Fault injection for tests: this node dies as a crashed process would. Its workspaces
    /// stop at once; its leases are neither renewed nor given back (they lapse), and
    /// nothing more is written.
    pub async fn kill(self) {
        self.shutdown.cancel();
        self.leases.clear();
        if let Some(cluster) = &self.shared.cluster {
            cluster.bus.serve(None);
        }
        let ids: Vec<WorkspaceId> = self.directory.iter().map(|e| *e.key()).collect();
        for id in ids {
            self.unload(id).await;
        }
        self.root.stop(None);
        self.writer_stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

fn check_caps(caps: WorkspaceCaps) -> Result<(), RuntimeError> {
    if caps.max_running == 0 || caps.max_queued == 0 {
        return Err(RuntimeError::Invalid(
            "max_running and max_queued must be at least 1".into(),
        ));
    }
    Ok(())
}
