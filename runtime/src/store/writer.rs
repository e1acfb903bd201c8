//! Group commit: one task writes for every actor, many writes per transaction.
//!
//! Actors hand [`WriteOp`]s to a bounded queue (callers wait when it is full). The writer
//! takes everything queued (up to `writer_batch` rows), keeps only the latest update of
//! each task, commits it all in one transaction, then answers the inserts. Because the
//! writer is the only one writing tasks, writes land in the order they were queued.
//!
//! Fencing: each op carries its workspace's epoch. When a workspace actor restarts it
//! queues a [`WriteOp::Fence`] with its new epoch and loads the store only after the fence
//! is answered; everything the old incarnation queued before is committed by then, and
//! anything it queues after is dropped.
//!
//! That fence is this process's. Across nodes the store itself is the fence: each batch
//! carries the epoch every workspace's writes were made under, and the store refuses a
//! batch for a workspace whose stored epoch is higher (another node took it over). The
//! writer then drops that workspace's writes (answering them [`StoreError::Fenced`]),
//! commits the rest, and reports the workspace in [`FencedOff`] so the runtime stops it.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agenthq_protocol::{AgentId, TaskId, WorkspaceId};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{AuditEntry, InsertOutcome, Store, StoreError, UsageDelta, WriteBatch};
use crate::task::TaskRecord;

/// Called once a batch of inserts is committed (or has failed), with the tasks handed back
/// and one outcome per task.
pub type InsertCallback =
    Box<dyn FnOnce(Vec<TaskRecord>, Result<Vec<InsertOutcome>, StoreError>) + Send>;

/// Failed transactions are retried this many times before their writes are given up.
const MAX_TRIES: u32 = 5;

/// A write queued for the store.
pub enum WriteOp {
    /// New tasks, acknowledged through the callback after commit.
    Insert {
        epoch: u64,
        tasks: Vec<TaskRecord>,
        done: InsertCallback,
    },
    /// The latest state of a task (an earlier update of the same task in the batch is
    /// superseded). With `done`, the caller is told when it is durable.
    Update {
        epoch: u64,
        task: Arc<TaskRecord>,
        done: Option<oneshot::Sender<Result<(), StoreError>>>,
    },
    Usage {
        workspace: WorkspaceId,
        day: i64,
        delta: UsageDelta,
    },
    AgentUsage {
        workspace: WorkspaceId,
        agent: AgentId,
        day: i64,
        delta: UsageDelta,
    },
    /// Audit log entries (not fenced: they record what callers did, whoever runs the
    /// workspace); `done` is told when they are durable.
    Audit {
        entries: Vec<AuditEntry>,
        done: oneshot::Sender<Result<(), StoreError>>,
    },
    /// From now on, drop writes of `workspace` with an epoch below `epoch`.
    Fence {
        workspace: WorkspaceId,
        epoch: u64,
        done: oneshot::Sender<()>,
    },
    /// Answered once every write queued before it is committed.
    Flush(oneshot::Sender<()>),
}

impl std::fmt::Debug for WriteOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteOp::Insert { tasks, .. } => write!(f, "Insert({} tasks)", tasks.len()),
            WriteOp::Update { task, .. } => write!(f, "Update({})", task.id),
            WriteOp::Usage { workspace, .. } => write!(f, "Usage({workspace})"),
            WriteOp::AgentUsage { agent, .. } => write!(f, "AgentUsage({agent})"),
            WriteOp::Audit { entries, .. } => write!(f, "Audit({} entries)", entries.len()),
            WriteOp::Fence {
                workspace, epoch, ..
            } => write!(f, "Fence({workspace}, {epoch})"),
            WriteOp::Flush(_) => f.write_str("Flush"),
        }
    }
}

/// The sending side, cloned into every workspace actor.
#[derive(Debug, Clone)]
pub struct StoreWriter {
    tx: mpsc::Sender<WriteOp>,
    fenced_off: FencedOff,
}

/// Workspaces whose writes the store refused because a newer incarnation (on another
/// node, or a second process on the same database) holds them: whoever runs them here
/// must stop. A set, so it holds at most one entry per workspace however often that
/// happens.
#[derive(Debug, Clone, Default)]
pub struct FencedOff {
    inner: Arc<(Mutex<HashSet<WorkspaceId>>, Notify)>,
}

impl FencedOff {
    fn add(&self, workspaces: &[WorkspaceId]) {
        let (set, notify) = &*self.inner;
        set.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(workspaces.iter().copied());
        notify.notify_one();
    }

    /// Waits until some workspace is fenced off, and takes every one reported so far.
    pub async fn next(&self) -> Vec<WorkspaceId> {
        let (set, notify) = &*self.inner;
        loop {
            let taken: Vec<_> = set
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain()
                .collect();
            if !taken.is_empty() {
                return taken;
            }
            notify.notified().await;
        }
    }
}

impl StoreWriter {
    /// Starts the writer task on `tracker`; it stops when `shutdown` is cancelled, after
    /// committing what was queued.
    pub fn spawn(
        store: Arc<dyn Store>,
        queue: usize,
        max_rows: usize,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> Self {
        let (tx, rx) = mpsc::channel(queue);
        let fenced_off = FencedOff::default();
        tracker.spawn(run(store, rx, max_rows, shutdown, fenced_off.clone()));
        Self { tx, fenced_off }
    }

    /// Where the writer reports workspaces the store fenced off.
    pub fn fenced_off(&self) -> &FencedOff {
        &self.fenced_off
    }

    /// Queues a write, waiting while the queue is full.
    pub async fn send(&self, op: WriteOp) -> Result<(), StoreError> {
        self.tx
            .send(op)
            .await
            .map_err(|_| StoreError::WriterStopped)
    }

    /// Waits until everything queued so far is committed.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(WriteOp::Flush(tx)).await?;
        rx.await.map_err(|_| StoreError::WriterStopped)
    }

    /// Queues a fence and waits for it (see the module docs).
    pub async fn fence(&self, workspace: WorkspaceId, epoch: u64) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(WriteOp::Fence {
            workspace,
            epoch,
            done: tx,
        })
        .await?;
        rx.await.map_err(|_| StoreError::WriterStopped)
    }
}

/// One transaction's worth of ops, with whom to tell.
#[derive(Default)]
struct Pending {
    batch: WriteBatch,
    insert_callbacks: Vec<(usize, usize, InsertCallback)>,
    update_index: HashMap<TaskId, usize>,
    update_acks: Vec<(WorkspaceId, oneshot::Sender<Result<(), StoreError>>)>,
    usage_index: HashMap<(WorkspaceId, i64), usize>,
    agent_usage_index: HashMap<(WorkspaceId, AgentId, i64), usize>,
    audit_acks: Vec<oneshot::Sender<Result<(), StoreError>>>,
    barriers: Vec<oneshot::Sender<()>>,
    /// The epoch each workspace's task writes were made under (see [`Pending::claim`]).
    epochs: HashMap<WorkspaceId, u64>,
    rows: usize,
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<WriteOp>,
    max_rows: usize,
    shutdown: CancellationToken,
    fenced_off: FencedOff,
) {
    let mut epochs: HashMap<WorkspaceId, u64> = HashMap::new();
    loop {
        let first = tokio::select! {
            biased;
            op = rx.recv() => op,
            () = shutdown.cancelled() => {
                rx.close();
                rx.recv().await
            }
        };
        let Some(first) = first else { break };
        let mut pending = Pending::default();
        let mut next = Some(first);
        while let Some(op) = next {
            if let Some(fence) = pending.add(op, &mut epochs) {
                // Everything before the fence commits first; the fence then takes effect.
                commit(
                    &*store,
                    std::mem::take(&mut pending),
                    &mut epochs,
                    &fenced_off,
                )
                .await;
                epochs.insert(fence.0, fence.1);
                let _ = fence.2.send(());
            }
            next = if pending.rows < max_rows {
                rx.try_recv().ok()
            } else {
                None
            };
        }
        commit(&*store, pending, &mut epochs, &fenced_off).await;
    }
}

impl Pending {
    /// Notes the epoch a workspace's task writes in this batch were made under (the
    /// lowest, should two incarnations' writes meet in one batch).
    fn claim(&mut self, workspace: WorkspaceId, epoch: u64) {
        self.epochs
            .entry(workspace)
            .and_modify(|e| *e = (*e).min(epoch))
            .or_insert(epoch);
    }

    /// The same batch without the task writes of `fenced` (answered [`StoreError::Fenced`]);
    /// usage, audit entries and barriers stay.
    fn without(self, fenced: &[WorkspaceId]) -> Pending {
        let Pending {
            batch,
            insert_callbacks,
            update_acks,
            usage_index,
            agent_usage_index,
            audit_acks,
            barriers,
            mut epochs,
            ..
        } = self;
        epochs.retain(|ws, _| !fenced.contains(ws));
        let mut kept = Pending {
            usage_index,
            agent_usage_index,
            audit_acks,
            barriers,
            epochs,
            ..Pending::default()
        };
        let mut inserts = batch.inserts.into_iter();
        for (start, end, done) in insert_callbacks {
            let tasks: Vec<TaskRecord> = inserts.by_ref().take(end - start).collect();
            if tasks.first().is_some_and(|t| fenced.contains(&t.workspace)) {
                done(tasks, Err(StoreError::Fenced));
                continue;
            }
            let start = kept.batch.inserts.len();
            kept.rows += tasks.len();
            kept.batch.inserts.extend(tasks);
            kept.insert_callbacks
                .push((start, kept.batch.inserts.len(), done));
        }
        for task in batch.updates {
            if !fenced.contains(&task.workspace) {
                kept.update_index.insert(task.id, kept.batch.updates.len());
                kept.batch.updates.push(task);
                kept.rows += 1;
            }
        }
        for (ws, ack) in update_acks {
            if fenced.contains(&ws) {
                let _ = ack.send(Err(StoreError::Fenced));
            } else {
                kept.update_acks.push((ws, ack));
            }
        }
        kept.rows += batch.usage.len() + batch.agent_usage.len() + batch.audit.len();
        kept.batch.usage = batch.usage;
        kept.batch.agent_usage = batch.agent_usage;
        kept.batch.audit = batch.audit;
        kept
    }
    /// Adds an op; returns a fence to apply after committing what came before it.
    fn add(
        &mut self,
        op: WriteOp,
        epochs: &mut HashMap<WorkspaceId, u64>,
    ) -> Option<(WorkspaceId, u64, oneshot::Sender<()>)> {
        let stale = |ws: WorkspaceId, epoch: u64| epochs.get(&ws).is_some_and(|e| epoch < *e);
        match op {
            WriteOp::Insert { epoch, tasks, done } => {
                if tasks.first().is_some_and(|t| stale(t.workspace, epoch)) {
                    done(tasks, Err(StoreError::Fenced));
                    return None;
                }
                if let Some(first) = tasks.first() {
                    self.claim(first.workspace, epoch);
                }
                let start = self.batch.inserts.len();
                self.rows += tasks.len();
                self.batch.inserts.extend(tasks);
                self.insert_callbacks
                    .push((start, self.batch.inserts.len(), done));
            }
            WriteOp::Update { epoch, task, done } => {
                if stale(task.workspace, epoch) {
                    if let Some(done) = done {
                        let _ = done.send(Err(StoreError::Fenced));
                    }
                    return None;
                }
                self.claim(task.workspace, epoch);
                let workspace = task.workspace;
                match self.update_index.get(&task.id) {
                    Some(&i) => self.batch.updates[i] = task,
                    None => {
                        self.update_index.insert(task.id, self.batch.updates.len());
                        self.batch.updates.push(task);
                        self.rows += 1;
                    }
                }
                self.update_acks.extend(done.map(|ack| (workspace, ack)));
            }
            WriteOp::Usage {
                workspace,
                day,
                delta,
            } => match self.usage_index.get(&(workspace, day)) {
                Some(&i) => self.batch.usage[i].2.add(&delta),
                None => {
                    self.usage_index
                        .insert((workspace, day), self.batch.usage.len());
                    self.batch.usage.push((workspace, day, delta));
                    self.rows += 1;
                }
            },
            WriteOp::AgentUsage {
                workspace,
                agent,
                day,
                delta,
            } => match self.agent_usage_index.get(&(workspace, agent, day)) {
                Some(&i) => self.batch.agent_usage[i].3.add(&delta),
                None => {
                    self.agent_usage_index
                        .insert((workspace, agent, day), self.batch.agent_usage.len());
                    self.batch.agent_usage.push((workspace, agent, day, delta));
                    self.rows += 1;
                }
            },
            WriteOp::Audit { entries, done } => {
                self.rows += entries.len();
                self.batch.audit.extend(entries);
                self.audit_acks.push(done);
            }
            WriteOp::Fence {
                workspace,
                epoch,
                done,
            } => return Some((workspace, epoch, done)),
            WriteOp::Flush(done) => self.barriers.push(done),
        }
        None
    }
}

/// Commits a pending batch and tells its callers. If the store fences some workspaces off,
/// their writes are answered [`StoreError::Fenced`] and dropped here from now on (the
/// local epoch passes theirs), and the rest is committed without them.
async fn commit(
    store: &dyn Store,
    mut pending: Pending,
    epochs: &mut HashMap<WorkspaceId, u64>,
    fenced_off: &FencedOff,
) {
    let result = loop {
        if pending.batch.is_empty() {
            break Ok(Vec::new());
        }
        pending.batch.epochs = pending.epochs.iter().map(|(ws, e)| (*ws, *e)).collect();
        match write_with_retries(store, &pending.batch).await {
            Err(StoreError::FencedOff(workspaces)) => {
                tracing::warn!(
                    ?workspaces,
                    "store refused writes: a newer owner holds these workspaces"
                );
                metrics::counter!("agenthq_store_fenced_total").increment(workspaces.len() as u64);
                for ws in &workspaces {
                    let epoch = pending.epochs.get(ws).copied().unwrap_or(0);
                    let local = epochs.entry(*ws).or_default();
                    *local = (*local).max(epoch + 1);
                }
                pending = pending.without(&workspaces);
                fenced_off.add(&workspaces);
            }
            other => break other,
        }
    };
    let Pending {
        batch,
        insert_callbacks,
        update_acks,
        audit_acks,
        barriers,
        ..
    } = pending;
    let mut inserts = batch.inserts.into_iter();
    let mut handed_back =
        |start: usize, end: usize| inserts.by_ref().take(end - start).collect::<Vec<_>>();
    match result {
        Ok(outcomes) => {
            for (start, end, done) in insert_callbacks {
                done(handed_back(start, end), Ok(outcomes[start..end].to_vec()));
            }
            for ack in update_acks
                .into_iter()
                .map(|(_, ack)| ack)
                .chain(audit_acks)
            {
                let _ = ack.send(Ok(()));
            }
        }
        Err(err) => {
            tracing::error!(error = %err, updates = batch.updates.len(), audit = batch.audit.len(),
                "store write failed; submissions in it are refused and its updates are lost \
                 (their tasks run again after a restart)");
            let message = err.to_string();
            for (start, end, done) in insert_callbacks {
                done(
                    handed_back(start, end),
                    Err(StoreError::WriteFailed(message.clone())),
                );
            }
            for ack in update_acks
                .into_iter()
                .map(|(_, ack)| ack)
                .chain(audit_acks)
            {
                let _ = ack.send(Err(StoreError::WriteFailed(message.clone())));
            }
        }
    }
    for barrier in barriers {
        let _ = barrier.send(());
    }
}

async fn write_with_retries(
    store: &dyn Store,
    batch: &WriteBatch,
) -> Result<Vec<InsertOutcome>, StoreError> {
    let mut delay = Duration::from_millis(50);
    let mut tries = 1;
    loop {
        match store.write(batch).await {
            Ok(outcomes) => return Ok(outcomes),
            // Final: trying again cannot lower the stored epoch.
            Err(err @ StoreError::FencedOff(_)) => return Err(err),
            Err(err) if tries < MAX_TRIES => {
                tracing::warn!(error = %err, tries, "store write failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                tries += 1;
            }
            Err(err) => return Err(err),
        }
    }
}
