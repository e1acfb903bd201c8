//! What the SQLite and PostgreSQL stores share: row types and the SQL itself.
//!
//! Both databases accept the same statements here: parameters are written `$1`, `$2`
//! (SQLite reads `$NNN` as a numbered parameter), upserts use `ON CONFLICT`, and bulk
//! statements are built with sqlx's `QueryBuilder`. [`sql_store!`] writes the `Store`
//! impl for one concrete pool type, so each backend is checked by the compiler on its own
//! types instead of behind a wall of generic bounds.

use agenthq_protocol::{AgentId, TaskId, TaskStatus, Tier, WorkspaceId};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    AgentRecord, AgentUsageRow, ExecutorConfig, StoreError, UsageDelta, UsageRow, WorkspaceRecord,
};
use crate::task::TaskRecord;

/// Rows per bulk statement: 18 parameters a row stays well under both databases' limits.
pub(crate) const ROWS_PER_STATEMENT: usize = 500;

pub(super) const TASK_COLUMNS: &str = "id, workspace_id, agent_id, assigned_agent, title, input, \
    priority, status, attempts, max_attempts, backoff_ms, timeout_ms, idempotency_key, result, \
    error, created_at, updated_at, run_after";

/// Columns an update may change (all but identity and submission fields).
pub(super) const TASK_UPDATE: &str = " ON CONFLICT (id) DO UPDATE SET \
    assigned_agent = excluded.assigned_agent, agent_id = excluded.agent_id, \
    status = excluded.status, attempts = excluded.attempts, \
    max_attempts = excluded.max_attempts, result = excluded.result, error = excluded.error, \
    updated_at = excluded.updated_at, run_after = excluded.run_after";

pub(super) const AGENT_USAGE_UPSERT: &str = " ON CONFLICT (workspace_id, agent_id, day) DO UPDATE SET \
    agent_ms = agent_usage.agent_ms + excluded.agent_ms, \
    succeeded = agent_usage.succeeded + excluded.succeeded, \
    failed = agent_usage.failed + excluded.failed, \
    cancelled = agent_usage.cancelled + excluded.cancelled, dead = agent_usage.dead + excluded.dead, \
    tokens_in = agent_usage.tokens_in + excluded.tokens_in, \
    tokens_out = agent_usage.tokens_out + excluded.tokens_out, \
    spend_micros = agent_usage.spend_micros + excluded.spend_micros, \
    submitted = agent_usage.submitted + excluded.submitted, \
    api_requests = agent_usage.api_requests + excluded.api_requests, \
    ws_ms = agent_usage.ws_ms + excluded.ws_ms";

pub(super) const USAGE_UPSERT: &str = " ON CONFLICT (workspace_id, day) DO UPDATE SET \
    agent_ms = usage.agent_ms + excluded.agent_ms, \
    succeeded = usage.succeeded + excluded.succeeded, failed = usage.failed + excluded.failed, \
    cancelled = usage.cancelled + excluded.cancelled, dead = usage.dead + excluded.dead, \
    tokens_in = usage.tokens_in + excluded.tokens_in, \
    tokens_out = usage.tokens_out + excluded.tokens_out, \
    spend_micros = usage.spend_micros + excluded.spend_micros, \
    submitted = usage.submitted + excluded.submitted, \
    api_requests = usage.api_requests + excluded.api_requests, ws_ms = usage.ws_ms + excluded.ws_ms";

#[derive(sqlx::FromRow)]
pub(super) struct TaskRow {
    id: Uuid,
    workspace_id: Uuid,
    agent_id: Option<Uuid>,
    assigned_agent: Option<Uuid>,
    title: String,
    input: Json<serde_json::Value>,
    priority: i64,
    status: String,
    attempts: i64,
    max_attempts: i64,
    backoff_ms: i64,
    timeout_ms: i64,
    idempotency_key: Option<String>,
    result: Option<Json<serde_json::Value>>,
    error: Option<String>,
    created_at: i64,
    updated_at: i64,
    run_after: Option<i64>,
}

impl TryFrom<TaskRow> for TaskRecord {
    type Error = StoreError;

    fn try_from(r: TaskRow) -> Result<Self, StoreError> {
        Ok(TaskRecord {
            id: TaskId::from_uuid(r.id),
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            agent: r.agent_id.map(AgentId::from_uuid),
            assigned: r.assigned_agent.map(AgentId::from_uuid),
            title: r.title,
            input: r.input.0,
            priority: r.priority as i32,
            status: TaskStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("task status {:?}", r.status)))?,
            attempts: r.attempts as u32,
            max_attempts: r.max_attempts as u32,
            backoff_ms: r.backoff_ms as u64,
            timeout_ms: r.timeout_ms as u64,
            idempotency_key: r.idempotency_key,
            result: r.result.map(|j| j.0),
            error: r.error,
            created_at: r.created_at,
            updated_at: r.updated_at,
            run_after: r.run_after,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct WorkspaceRow {
    id: Uuid,
    name: String,
    tier: String,
    max_running: i64,
    max_queued: i64,
    epoch: i64,
    public: bool,
    created_at: i64,
}

impl TryFrom<WorkspaceRow> for WorkspaceRecord {
    type Error = StoreError;

    fn try_from(r: WorkspaceRow) -> Result<Self, StoreError> {
        Ok(WorkspaceRecord {
            id: WorkspaceId::from_uuid(r.id),
            name: r.name,
            tier: Tier::parse(&r.tier)
                .ok_or_else(|| StoreError::Corrupt(format!("tier {:?}", r.tier)))?,
            max_running: r.max_running as u32,
            max_queued: r.max_queued as u32,
            epoch: r.epoch as u64,
            public: r.public,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AgentRow {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    personality: String,
    executor: Json<ExecutorConfig>,
    max_concurrent: i64,
    desk: i64,
    created_at: i64,
}

impl From<AgentRow> for AgentRecord {
    fn from(r: AgentRow) -> Self {
        AgentRecord {
            id: AgentId::from_uuid(r.id),
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            name: r.name,
            personality: r.personality,
            executor: r.executor.0,
            max_concurrent: r.max_concurrent as u32,
            desk: r.desk as u32,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UsageDbRow {
    day: i64,
    agent_ms: i64,
    succeeded: i64,
    failed: i64,
    cancelled: i64,
    dead: i64,
    tokens_in: i64,
    tokens_out: i64,
    spend_micros: i64,
    submitted: i64,
    api_requests: i64,
    ws_ms: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct AgentUsageDbRow {
    agent_id: Uuid,
    #[sqlx(flatten)]
    usage: UsageDbRow,
}

impl From<AgentUsageDbRow> for AgentUsageRow {
    fn from(r: AgentUsageDbRow) -> Self {
        let row = UsageRow::from(r.usage);
        AgentUsageRow {
            agent: AgentId::from_uuid(r.agent_id),
            day: row.day,
            usage: row.usage,
        }
    }
}

impl From<UsageDbRow> for UsageRow {
    fn from(r: UsageDbRow) -> Self {
        UsageRow {
            day: r.day,
            usage: UsageDelta {
                agent_ms: r.agent_ms as u64,
                succeeded: r.succeeded as u64,
                failed: r.failed as u64,
                cancelled: r.cancelled as u64,
                dead: r.dead as u64,
                tokens_in: r.tokens_in as u64,
                tokens_out: r.tokens_out as u64,
                spend_micros: r.spend_micros as u64,
                submitted: r.submitted as u64,
                api_requests: r.api_requests as u64,
                ws_ms: r.ws_ms as u64,
            },
        }
    }
}

/// Binds one task's values, in [`TASK_COLUMNS`] order, to a `push_values` row.
macro_rules! bind_task {
    ($row:expr, $t:expr) => {{
        let t: &$crate::task::TaskRecord = $t;
        $row.push_bind(*t.id.as_uuid())
            .push_bind(*t.workspace.as_uuid())
            .push_bind(t.agent.map(|a| *a.as_uuid()))
            .push_bind(t.assigned.map(|a| *a.as_uuid()))
            .push_bind(t.title.clone())
            .push_bind(sqlx::types::Json(t.input.clone()))
            .push_bind(i64::from(t.priority))
            .push_bind(t.status.as_str())
            .push_bind(i64::from(t.attempts))
            .push_bind(i64::from(t.max_attempts))
            .push_bind(t.backoff_ms as i64)
            .push_bind(t.timeout_ms as i64)
            .push_bind(t.idempotency_key.clone())
            .push_bind(t.result.clone().map(sqlx::types::Json))
            .push_bind(t.error.clone())
            .push_bind(t.created_at)
            .push_bind(t.updated_at)
            .push_bind(t.run_after);
    }};
}
pub(super) use bind_task;

/// Binds a usage delta's counters, in the `usage` and `agent_usage` tables' column order
/// (after their keys), to a `push_values` row.
macro_rules! bind_usage {
    ($row:expr, $u:expr) => {{
        let u: &$crate::store::UsageDelta = $u;
        $row.push_bind(u.agent_ms as i64)
            .push_bind(u.succeeded as i64)
            .push_bind(u.failed as i64)
            .push_bind(u.cancelled as i64)
            .push_bind(u.dead as i64)
            .push_bind(u.tokens_in as i64)
            .push_bind(u.tokens_out as i64)
            .push_bind(u.spend_micros as i64)
            .push_bind(u.submitted as i64)
            .push_bind(u.api_requests as i64)
            .push_bind(u.ws_ms as i64);
    }};
}
pub(super) use bind_usage;

/// The `Store` impl for a store struct with a `pool` field of the given sqlx database.
macro_rules! sql_store {
    ($store:ty, $db:ty, $lock_rows:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create_workspace(&self, ws: &WorkspaceRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO workspaces (id, name, tier, max_running, max_queued, epoch, public, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(*ws.id.as_uuid())
                .bind(&ws.name)
                .bind(ws.tier.as_str())
                .bind(i64::from(ws.max_running))
                .bind(i64::from(ws.max_queued))
                .bind(ws.epoch as i64)
                .bind(ws.public)
                .bind(ws.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn workspaces(&self) -> Result<Vec<WorkspaceRecord>, StoreError> {
                sqlx::query_as::<_, WorkspaceRow>("SELECT * FROM workspaces ORDER BY id")
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(WorkspaceRecord::try_from)
                    .collect()
            }

            async fn workspace(&self, id: WorkspaceId) -> Result<Option<WorkspaceRecord>, StoreError> {
                sqlx::query_as::<_, WorkspaceRow>("SELECT * FROM workspaces WHERE id = $1")
                    .bind(*id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(WorkspaceRecord::try_from)
                    .transpose()
            }

            async fn bump_epoch(&self, id: WorkspaceId, floor: u64) -> Result<u64, StoreError> {
                let floor = i64::try_from(floor).unwrap_or(i64::MAX);
                let epoch: Option<i64> = sqlx::query_scalar(
                    "UPDATE workspaces SET epoch = CASE WHEN epoch + 1 > $2 THEN epoch + 1 ELSE $2 END \
                     WHERE id = $1 RETURNING epoch",
                )
                .bind(*id.as_uuid())
                .bind(floor)
                .fetch_optional(&self.pool)
                .await?;
                epoch.map(|e| e as u64).ok_or(StoreError::NotFound)
            }

            async fn delete_workspace(&self, id: WorkspaceId) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                for table in [
                    "tasks", "agents", "messages", "approvals", "usage", "agent_usage",
                    "memberships", "api_keys", "audit_log",
                ] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE workspace_id = $1"))
                        .bind(*id.as_uuid())
                        .execute(&mut *tx)
                        .await?;
                }
                let done = sqlx::query("DELETE FROM workspaces WHERE id = $1")
                    .bind(*id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn set_tier(
                &self,
                id: WorkspaceId,
                tier: agenthq_protocol::Tier,
                caps: crate::WorkspaceCaps,
            ) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "UPDATE workspaces SET tier = $2, max_running = $3, max_queued = $4 WHERE id = $1",
                )
                .bind(*id.as_uuid())
                .bind(tier.as_str())
                .bind(i64::from(caps.max_running))
                .bind(i64::from(caps.max_queued))
                .execute(&self.pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                Ok(())
            }

            async fn put_agent(&self, a: &AgentRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO agents (id, workspace_id, name, personality, executor, max_concurrent, desk, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (id) DO UPDATE SET name = excluded.name, personality = excluded.personality, \
                     executor = excluded.executor, max_concurrent = excluded.max_concurrent, desk = excluded.desk",
                )
                .bind(*a.id.as_uuid())
                .bind(*a.workspace.as_uuid())
                .bind(&a.name)
                .bind(&a.personality)
                .bind(sqlx::types::Json(&a.executor))
                .bind(i64::from(a.max_concurrent))
                .bind(i64::from(a.desk))
                .bind(a.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn delete_agent(&self, workspace: WorkspaceId, id: AgentId) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM agents WHERE workspace_id = $1 AND id = $2")
                    .bind(*workspace.as_uuid())
                    .bind(*id.as_uuid())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn agents(&self, workspace: WorkspaceId) -> Result<Vec<AgentRecord>, StoreError> {
                Ok(sqlx::query_as::<_, AgentRow>("SELECT * FROM agents WHERE workspace_id = $1 ORDER BY desk, id")
                    .bind(*workspace.as_uuid())
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(AgentRecord::from)
                    .collect())
            }

            async fn agent(&self, id: AgentId) -> Result<Option<AgentRecord>, StoreError> {
                Ok(sqlx::query_as::<_, AgentRow>("SELECT * FROM agents WHERE id = $1")
                    .bind(*id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(AgentRecord::from))
            }

            async fn write(&self, batch: &WriteBatch) -> Result<Vec<InsertOutcome>, StoreError> {
                let mut tx = self.begin_write().await?;
                if !batch.epochs.is_empty() {
                    // Locked (PostgreSQL) until commit: a new owner's epoch bump waits for
                    // this batch, or this batch sees the bump and is refused.
                    let mut q = sqlx::QueryBuilder::<$db>::new("SELECT id, epoch FROM workspaces WHERE id IN (");
                    let mut ids = q.separated(", ");
                    for (ws, _) in &batch.epochs {
                        ids.push_bind(*ws.as_uuid());
                    }
                    q.push(")");
                    q.push($lock_rows);
                    let stored: Vec<(uuid::Uuid, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
                    let fenced: Vec<WorkspaceId> = batch
                        .epochs
                        .iter()
                        .filter(|(ws, epoch)| {
                            stored.iter().any(|(id, e)| id == ws.as_uuid() && *e as u64 > *epoch)
                        })
                        .map(|(ws, _)| *ws)
                        .collect();
                    if !fenced.is_empty() {
                        return Err(StoreError::FencedOff(fenced));
                    }
                }
                let mut inserted = std::collections::HashSet::new();
                for chunk in batch.inserts.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!("INSERT INTO tasks ({TASK_COLUMNS}) "));
                    q.push_values(chunk, |mut row, t| bind_task!(row, t));
                    q.push(" ON CONFLICT DO NOTHING RETURNING id");
                    let ids: Vec<uuid::Uuid> = q.build_query_scalar().fetch_all(&mut *tx).await?;
                    inserted.extend(ids);
                }
                let mut outcomes = Vec::with_capacity(batch.inserts.len());
                for t in &batch.inserts {
                    if inserted.contains(t.id.as_uuid()) {
                        outcomes.push(InsertOutcome::Inserted);
                        continue;
                    }
                    // Not inserted: its idempotency key (or, absurdly, its id) is taken.
                    let existing = sqlx::query_as::<_, TaskRow>(
                        "SELECT * FROM tasks WHERE workspace_id = $1 AND (idempotency_key = $2 OR id = $3)",
                    )
                    .bind(*t.workspace.as_uuid())
                    .bind(&t.idempotency_key)
                    .bind(*t.id.as_uuid())
                    .fetch_one(&mut *tx)
                    .await?;
                    outcomes.push(InsertOutcome::Duplicate(Box::new(existing.try_into()?)));
                }
                for chunk in batch.updates.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!("INSERT INTO tasks ({TASK_COLUMNS}) "));
                    q.push_values(chunk, |mut row, t| bind_task!(row, t));
                    q.push(TASK_UPDATE);
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in batch.usage.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO usage (workspace_id, day, agent_ms, succeeded, failed, cancelled, dead, tokens_in, tokens_out, spend_micros, submitted, api_requests, ws_ms) ",
                    );
                    q.push_values(chunk, |mut row, (ws, day, u)| {
                        row.push_bind(*ws.as_uuid()).push_bind(*day);
                        bind_usage!(row, u);
                    });
                    q.push(USAGE_UPSERT);
                    q.build().execute(&mut *tx).await?;
                }
                for chunk in batch.agent_usage.chunks(ROWS_PER_STATEMENT) {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO agent_usage (workspace_id, agent_id, day, agent_ms, succeeded, failed, cancelled, dead, tokens_in, tokens_out, spend_micros, submitted, api_requests, ws_ms) ",
                    );
                    q.push_values(chunk, |mut row, (ws, agent, day, u)| {
                        row.push_bind(*ws.as_uuid())
                            .push_bind(*agent.as_uuid())
                            .push_bind(*day);
                        bind_usage!(row, u);
                    });
                    q.push(AGENT_USAGE_UPSERT);
                    q.build().execute(&mut *tx).await?;
                }
                insert_audit!($db, tx, batch.audit);
                tx.commit().await?;
                Ok(outcomes)
            }

            async fn recover_tasks(&self, workspace: WorkspaceId) -> Result<Vec<TaskRecord>, StoreError> {
                let ws = *workspace.as_uuid();
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE tasks SET status = 'dead', error = $2 \
                     WHERE workspace_id = $1 AND status IN ('running', 'awaiting_approval') \
                     AND attempts >= max_attempts",
                )
                .bind(ws)
                .bind(LOST_IN_CRASH)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE tasks SET status = 'queued' \
                     WHERE workspace_id = $1 AND status IN ('running', 'awaiting_approval')",
                )
                    .bind(ws)
                    .execute(&mut *tx)
                    .await?;
                let rows = sqlx::query_as::<_, TaskRow>(
                    "SELECT * FROM tasks WHERE workspace_id = $1 AND status = 'queued' ORDER BY id",
                )
                .bind(ws)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows.into_iter().map(TaskRecord::try_from).collect()
            }

            async fn task(&self, workspace: WorkspaceId, id: TaskId) -> Result<Option<TaskRecord>, StoreError> {
                sqlx::query_as::<_, TaskRow>("SELECT * FROM tasks WHERE workspace_id = $1 AND id = $2")
                    .bind(*workspace.as_uuid())
                    .bind(*id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(TaskRecord::try_from)
                    .transpose()
            }

            async fn task_by_key(&self, workspace: WorkspaceId, key: &str) -> Result<Option<TaskRecord>, StoreError> {
                sqlx::query_as::<_, TaskRow>("SELECT * FROM tasks WHERE workspace_id = $1 AND idempotency_key = $2")
                    .bind(*workspace.as_uuid())
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(TaskRecord::try_from)
                    .transpose()
            }

            async fn tasks(&self, workspace: WorkspaceId, filter: &TaskFilter) -> Result<Vec<TaskRecord>, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT * FROM tasks WHERE workspace_id = ");
                q.push_bind(*workspace.as_uuid());
                if let Some(status) = filter.status {
                    q.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(agent) = filter.agent {
                    q.push(" AND (agent_id = ").push_bind(*agent.as_uuid());
                    q.push(" OR assigned_agent = ").push_bind(*agent.as_uuid()).push(")");
                }
                if let Some(before) = filter.before {
                    q.push(" AND id < ").push_bind(*before.as_uuid());
                }
                q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(filter.limit));
                q.build_query_as::<TaskRow>()
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(TaskRecord::try_from)
                    .collect()
            }

            async fn usage(&self, workspace: WorkspaceId) -> Result<Vec<UsageRow>, StoreError> {
                Ok(sqlx::query_as::<_, UsageDbRow>("SELECT * FROM usage WHERE workspace_id = $1 ORDER BY day")
                    .bind(*workspace.as_uuid())
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(UsageRow::from)
                    .collect())
            }

            async fn agent_usage(&self, workspace: WorkspaceId) -> Result<Vec<AgentUsageRow>, StoreError> {
                Ok(sqlx::query_as::<_, AgentUsageDbRow>(
                    "SELECT * FROM agent_usage WHERE workspace_id = $1 ORDER BY agent_id, day",
                )
                .bind(*workspace.as_uuid())
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(AgentUsageRow::from)
                .collect())
            }
        }
    };
}
pub(super) use sql_store;
