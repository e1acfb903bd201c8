//! The [`TalkStore`](super::TalkStore) impl shared by the SQLite and PostgreSQL stores,
//! written once like [`super::sql`].

use agenthq_protocol::{AgentId, ApprovalId, MessageId, TaskId, WorkspaceId};
use uuid::Uuid;

use super::StoreError;
use super::talk::{ApprovalRecord, ApprovalStatus, MessageRecord};

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: Uuid,
    workspace_id: Uuid,
    from_agent: Option<Uuid>,
    to_agent: Option<Uuid>,
    author: String,
    text: String,
    task_id: Option<Uuid>,
    created_at: i64,
    delivered_at: Option<i64>,
}

impl From<MessageRow> for MessageRecord {
    fn from(r: MessageRow) -> Self {
        MessageRecord {
            id: MessageId::from_uuid(r.id),
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            from: r.from_agent.map(AgentId::from_uuid),
            to: r.to_agent.map(AgentId::from_uuid),
            author: r.author,
            text: r.text,
            task: r.task_id.map(TaskId::from_uuid),
            created_at: r.created_at,
            delivered_at: r.delivered_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApprovalRow {
    id: Uuid,
    workspace_id: Uuid,
    task_id: Uuid,
    agent_id: Uuid,
    action: String,
    detail: String,
    status: String,
    decided_by: Option<String>,
    comment: Option<String>,
    requested_at: i64,
    expires_at: i64,
    decided_at: Option<i64>,
}

impl TryFrom<ApprovalRow> for ApprovalRecord {
    type Error = StoreError;

    fn try_from(r: ApprovalRow) -> Result<Self, StoreError> {
        Ok(ApprovalRecord {
            id: ApprovalId::from_uuid(r.id),
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            task: TaskId::from_uuid(r.task_id),
            agent: AgentId::from_uuid(r.agent_id),
            action: r.action,
            detail: r.detail,
            status: ApprovalStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("approval status {:?}", r.status)))?,
            decided_by: r.decided_by,
            comment: r.comment,
            requested_at: r.requested_at,
            expires_at: r.expires_at,
            decided_at: r.decided_at,
        })
    }
}

macro_rules! sql_talk_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::TalkStore for $store {
            async fn put_message(&self, m: &MessageRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO messages (id, workspace_id, from_agent, to_agent, author, text, task_id, created_at, delivered_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(*m.id.as_uuid())
                .bind(*m.workspace.as_uuid())
                .bind(m.from.map(|a| *a.as_uuid()))
                .bind(m.to.map(|a| *a.as_uuid()))
                .bind(&m.author)
                .bind(&m.text)
                .bind(m.task.map(|t| *t.as_uuid()))
                .bind(m.created_at)
                .bind(m.delivered_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn messages(&self, workspace: WorkspaceId, filter: &MessageFilter) -> Result<Vec<MessageRecord>, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT * FROM messages WHERE workspace_id = ");
                q.push_bind(*workspace.as_uuid());
                if let Some(agent) = filter.agent {
                    q.push(" AND (from_agent = ").push_bind(*agent.as_uuid());
                    q.push(" OR to_agent = ").push_bind(*agent.as_uuid()).push(")");
                }
                if filter.to_people {
                    q.push(" AND to_agent IS NULL");
                }
                if let Some(before) = filter.before {
                    q.push(" AND id < ").push_bind(*before.as_uuid());
                }
                q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(filter.limit));
                Ok(q.build_query_as::<MessageRow>()
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(MessageRecord::from)
                    .collect())
            }

            async fn take_inbox(&self, workspace: WorkspaceId, agent: AgentId, limit: u32, at: i64) -> Result<Vec<MessageRecord>, StoreError> {
                // The outer `delivered_at IS NULL` makes a concurrent taker skip rows the
                // other one took (PostgreSQL re-checks it on the updated row).
                let mut taken: Vec<MessageRecord> = sqlx::query_as::<_, MessageRow>(
                    "UPDATE messages SET delivered_at = $3 WHERE delivered_at IS NULL AND id IN \
                     (SELECT id FROM messages WHERE workspace_id = $1 AND to_agent = $2 AND delivered_at IS NULL \
                      ORDER BY id LIMIT $4) RETURNING *",
                )
                .bind(*workspace.as_uuid())
                .bind(*agent.as_uuid())
                .bind(at)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(MessageRecord::from)
                .collect();
                taken.sort_by_key(|m| m.id);
                Ok(taken)
            }

            async fn put_approval(&self, a: &ApprovalRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO approvals (id, workspace_id, task_id, agent_id, action, detail, status, decided_by, comment, requested_at, expires_at, decided_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(*a.id.as_uuid())
                .bind(*a.workspace.as_uuid())
                .bind(*a.task.as_uuid())
                .bind(*a.agent.as_uuid())
                .bind(&a.action)
                .bind(&a.detail)
                .bind(a.status.as_str())
                .bind(&a.decided_by)
                .bind(&a.comment)
                .bind(a.requested_at)
                .bind(a.expires_at)
                .bind(a.decided_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn approval(&self, workspace: WorkspaceId, id: ApprovalId) -> Result<Option<ApprovalRecord>, StoreError> {
                sqlx::query_as::<_, ApprovalRow>("SELECT * FROM approvals WHERE workspace_id = $1 AND id = $2")
                    .bind(*workspace.as_uuid())
                    .bind(*id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(ApprovalRecord::try_from)
                    .transpose()
            }

            async fn approvals(&self, workspace: WorkspaceId, filter: &ApprovalFilter) -> Result<Vec<ApprovalRecord>, StoreError> {
                let mut q = sqlx::QueryBuilder::<$db>::new("SELECT * FROM approvals WHERE workspace_id = ");
                q.push_bind(*workspace.as_uuid());
                if let Some(status) = filter.status {
                    q.push(" AND status = ").push_bind(status.as_str());
                }
                if let Some(before) = filter.before {
                    q.push(" AND id < ").push_bind(*before.as_uuid());
                }
                q.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(filter.limit));
                q.build_query_as::<ApprovalRow>()
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(ApprovalRecord::try_from)
                    .collect()
            }

            async fn settle_approval(&self, workspace: WorkspaceId, id: ApprovalId, s: &Settlement) -> Result<Option<ApprovalRecord>, StoreError> {
                sqlx::query_as::<_, ApprovalRow>(
                    "UPDATE approvals SET status = $3, decided_by = $4, comment = $5, decided_at = $6 \
                     WHERE workspace_id = $1 AND id = $2 AND status = 'pending' RETURNING *",
                )
                .bind(*workspace.as_uuid())
                .bind(*id.as_uuid())
                .bind(s.decision.as_str())
                .bind(&s.by)
                .bind(&s.comment)
                .bind(s.at)
                .fetch_optional(&self.pool)
                .await?
                .map(ApprovalRecord::try_from)
                .transpose()
            }

            async fn cancel_pending_approvals(&self, workspace: WorkspaceId, comment: &str, at: i64) -> Result<u64, StoreError> {
                let done = sqlx::query(
                    "UPDATE approvals SET status = 'cancelled', comment = $2, decided_at = $3 \
                     WHERE workspace_id = $1 AND status = 'pending'",
                )
                .bind(*workspace.as_uuid())
                .bind(comment)
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }
        }
    };
}
pub(super) use sql_talk_store;
