//! A store in memory: the same contract, no durability.

mod accounts;
mod audit;
mod talk;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use agenthq_protocol::{AgentId, TaskId, TaskStatus, WorkspaceId};
use async_trait::async_trait;

use super::{
    AgentRecord, AgentUsageRow, InsertOutcome, LOST_IN_CRASH, Store, StoreError, TaskFilter,
    UsageDelta, UsageRow, WorkspaceRecord, WriteBatch,
};
use crate::task::TaskRecord;

/// Keeps everything in maps behind one mutex: a std mutex, since no await happens while it
/// is held.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    accounts: Mutex<accounts::Accounts>,
    talk: Mutex<talk::Talk>,
    audit: Mutex<BTreeMap<(WorkspaceId, uuid::Uuid), super::AuditEntry>>,
}

#[derive(Debug, Default)]
struct Inner {
    workspaces: BTreeMap<WorkspaceId, WorkspaceRecord>,
    agents: BTreeMap<(WorkspaceId, AgentId), AgentRecord>,
    /// Boxed behind `Arc`: the tree moves small pointers, and updates are kept as shared.
    tasks: BTreeMap<TaskId, Arc<TaskRecord>>,
    keys: HashMap<(WorkspaceId, String), TaskId>,
    usage: BTreeMap<(WorkspaceId, i64), UsageDelta>,
    agent_usage: BTreeMap<(WorkspaceId, AgentId, i64), UsageDelta>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-written in a way that
        // matters more than losing the store, so a poisoned lock is used as it is.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn create_workspace(&self, workspace: &WorkspaceRecord) -> Result<(), StoreError> {
        self.lock()
            .workspaces
            .insert(workspace.id, workspace.clone());
        Ok(())
    }

    async fn workspaces(&self) -> Result<Vec<WorkspaceRecord>, StoreError> {
        Ok(self.lock().workspaces.values().cloned().collect())
    }

    async fn workspace(&self, id: WorkspaceId) -> Result<Option<WorkspaceRecord>, StoreError> {
        Ok(self.lock().workspaces.get(&id).cloned())
    }

    async fn bump_epoch(&self, id: WorkspaceId, floor: u64) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let ws = inner.workspaces.get_mut(&id).ok_or(StoreError::NotFound)?;
        ws.epoch = (ws.epoch + 1).max(floor);
        Ok(ws.epoch)
    }

    async fn delete_workspace(&self, id: WorkspaceId) -> Result<bool, StoreError> {
        let existed = {
            let mut inner = self.lock();
            let existed = inner.workspaces.remove(&id).is_some();
            inner.agents.retain(|(ws, _), _| *ws != id);
            inner.tasks.retain(|_, t| t.workspace != id);
            inner.keys.retain(|(ws, _), _| *ws != id);
            inner.usage.retain(|(ws, _), _| *ws != id);
            inner.agent_usage.retain(|(ws, _, _), _| *ws != id);
            existed
        };
        self.forget_accounts_of(id);
        self.forget_talk_of(id);
        self.audit
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(ws, _), _| *ws != id);
        Ok(existed)
    }

    async fn set_tier(
        &self,
        id: WorkspaceId,
        tier: agenthq_protocol::Tier,
        caps: crate::WorkspaceCaps,
    ) -> Result<(), StoreError> {
        let mut inner = self.lock();
        let ws = inner.workspaces.get_mut(&id).ok_or(StoreError::NotFound)?;
        ws.tier = tier;
        ws.max_running = caps.max_running;
        ws.max_queued = caps.max_queued;
        Ok(())
    }

    async fn put_agent(&self, agent: &AgentRecord) -> Result<(), StoreError> {
        self.lock()
            .agents
            .insert((agent.workspace, agent.id), agent.clone());
        Ok(())
    }

    async fn delete_agent(&self, workspace: WorkspaceId, id: AgentId) -> Result<bool, StoreError> {
        Ok(self.lock().agents.remove(&(workspace, id)).is_some())
    }

    async fn agents(&self, workspace: WorkspaceId) -> Result<Vec<AgentRecord>, StoreError> {
        let first = (workspace, AgentId::from_bytes([0; 16]));
        let last = (workspace, AgentId::from_bytes([0xff; 16]));
        let mut agents: Vec<AgentRecord> = self
            .lock()
            .agents
            .range(first..=last)
            .map(|(_, a)| a.clone())
            .collect();
        agents.sort_by_key(|a| (a.desk, a.id));
        Ok(agents)
    }

    async fn agent(&self, id: AgentId) -> Result<Option<AgentRecord>, StoreError> {
        // Keyed by workspace first: a scan (the memory store is for tests and demos).
        Ok(self.lock().agents.values().find(|a| a.id == id).cloned())
    }

    async fn write(&self, batch: &WriteBatch) -> Result<Vec<InsertOutcome>, StoreError> {
        let mut inner = self.lock();
        let fenced: Vec<WorkspaceId> = batch
            .epochs
            .iter()
            .filter(|(ws, epoch)| inner.workspaces.get(ws).is_some_and(|w| w.epoch > *epoch))
            .map(|(ws, _)| *ws)
            .collect();
        if !fenced.is_empty() {
            return Err(StoreError::FencedOff(fenced));
        }
        let mut outcomes = Vec::with_capacity(batch.inserts.len());
        for task in &batch.inserts {
            if let Some(key) = &task.idempotency_key {
                let slot = (task.workspace, key.clone());
                if let Some(existing) = inner.keys.get(&slot) {
                    let existing = inner.tasks[existing].clone();
                    outcomes.push(InsertOutcome::Duplicate(Box::new((*existing).clone())));
                    continue;
                }
                inner.keys.insert(slot, task.id);
            }
            inner.tasks.insert(task.id, Arc::new(task.clone()));
            outcomes.push(InsertOutcome::Inserted);
        }
        for task in &batch.updates {
            inner.tasks.insert(task.id, Arc::clone(task));
        }
        for (ws, agent, day, delta) in &batch.agent_usage {
            let row = inner.agent_usage.entry((*ws, *agent, *day)).or_default();
            row.add(delta);
        }
        for (ws, day, delta) in &batch.usage {
            inner.usage.entry((*ws, *day)).or_default().add(delta);
        }
        drop(inner);
        self.log_audit(&batch.audit);
        Ok(outcomes)
    }

    async fn recover_tasks(&self, workspace: WorkspaceId) -> Result<Vec<TaskRecord>, StoreError> {
        let mut inner = self.lock();
        let mut live = Vec::new();
        for task in inner
            .tasks
            .values_mut()
            .filter(|t| t.workspace == workspace)
        {
            let task = Arc::make_mut(task);
            if task.status.is_running() {
                if task.attempts >= task.max_attempts {
                    task.status = TaskStatus::Dead;
                    task.error = Some(LOST_IN_CRASH.into());
                } else {
                    task.status = TaskStatus::Queued;
                }
            }
            if !task.status.is_terminal() {
                live.push(task.clone());
            }
        }
        Ok(live)
    }

    async fn task(
        &self,
        workspace: WorkspaceId,
        id: TaskId,
    ) -> Result<Option<TaskRecord>, StoreError> {
        Ok(self
            .lock()
            .tasks
            .get(&id)
            .filter(|t| t.workspace == workspace)
            .map(|t| (**t).clone()))
    }

    async fn task_by_key(
        &self,
        workspace: WorkspaceId,
        key: &str,
    ) -> Result<Option<TaskRecord>, StoreError> {
        let inner = self.lock();
        Ok(inner
            .keys
            .get(&(workspace, key.to_owned()))
            .and_then(|id| inner.tasks.get(id))
            .map(|t| (**t).clone()))
    }

    async fn tasks(
        &self,
        workspace: WorkspaceId,
        filter: &TaskFilter,
    ) -> Result<Vec<TaskRecord>, StoreError> {
        let inner = self.lock();
        let upper = filter
            .before
            .map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded);
        Ok(inner
            .tasks
            .range((std::ops::Bound::Unbounded, upper))
            .rev()
            .map(|(_, t)| t)
            .filter(|t| t.workspace == workspace)
            .filter(|t| filter.status.is_none_or(|s| t.status == s))
            .filter(|t| {
                filter
                    .agent
                    .is_none_or(|a| t.agent == Some(a) || t.assigned == Some(a))
            })
            .take(filter.limit as usize)
            .map(|t| (**t).clone())
            .collect())
    }

    async fn usage(&self, workspace: WorkspaceId) -> Result<Vec<UsageRow>, StoreError> {
        Ok(self
            .lock()
            .usage
            .iter()
            .filter(|((ws, _), _)| *ws == workspace)
            .map(|((_, day), usage)| UsageRow {
                day: *day,
                usage: *usage,
            })
            .collect())
    }

    async fn agent_usage(&self, workspace: WorkspaceId) -> Result<Vec<AgentUsageRow>, StoreError> {
        Ok(self
            .lock()
            .agent_usage
            .iter()
            .filter(|((ws, _, _), _)| *ws == workspace)
            .map(|((_, agent, day), usage)| AgentUsageRow {
                agent: *agent,
                day: *day,
                usage: *usage,
            })
            .collect())
    }
}
