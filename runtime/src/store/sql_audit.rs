//! The [`AuditStore`](super::AuditStore) impl shared by the SQLite and PostgreSQL stores.

use agenthq_protocol::WorkspaceId;
use uuid::Uuid;

use super::StoreError;
use super::audit::{ActorKind, AuditEntry};

#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    id: Uuid,
    workspace_id: Uuid,
    at: i64,
    actor_kind: String,
    actor_id: Uuid,
    action: String,
    target: Option<String>,
    detail: String,
    ip: Option<String>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = StoreError;

    fn try_from(r: AuditRow) -> Result<Self, StoreError> {
        Ok(AuditEntry {
            id: r.id,
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            at: r.at,
            actor_kind: ActorKind::parse(&r.actor_kind)
                .ok_or_else(|| StoreError::Corrupt(format!("actor kind {:?}", r.actor_kind)))?,
            actor: r.actor_id,
            action: r.action,
            target: r.target,
            detail: serde_json::from_str(&r.detail)
                .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
            ip: r.ip,
        })
    }
}

/// Inserts audit entries in a transaction, many rows per statement: `put_audit`'s, and
/// the store writer's batches (`write`).
macro_rules! insert_audit {
    ($db:ty, $tx:expr, $entries:expr) => {
        for chunk in $entries.chunks($crate::store::sql::ROWS_PER_STATEMENT) {
            let mut q = sqlx::QueryBuilder::<$db>::new(
                "INSERT INTO audit_log (id, workspace_id, at, actor_kind, actor_id, action, target, detail, ip) ",
            );
            q.push_values(chunk, |mut row, e| {
                row.push_bind(e.id)
                    .push_bind(*e.workspace.as_uuid())
                    .push_bind(e.at)
                    .push_bind(e.actor_kind.as_str())
                    .push_bind(e.actor)
                    .push_bind(e.action.clone())
                    .push_bind(e.target.clone())
                    .push_bind(e.detail.to_string())
                    .push_bind(e.ip.clone());
            });
            q.build().execute(&mut *$tx).await?;
        }
    };
}
pub(super) use insert_audit;

macro_rules! sql_audit_store {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AuditStore for $store {
            async fn put_audit(
                &self,
                entries: &[$crate::store::AuditEntry],
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                insert_audit!($db, tx, entries);
                tx.commit().await?;
                Ok(())
            }

            async fn audit(
                &self,
                workspace: WorkspaceId,
                before: Option<uuid::Uuid>,
                limit: u32,
            ) -> Result<Vec<$crate::store::AuditEntry>, StoreError> {
                let rows = match before {
                    Some(before) => sqlx::query_as::<_, AuditRow>(
                        "SELECT * FROM audit_log WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                    )
                    .bind(*workspace.as_uuid())
                    .bind(before)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?,
                    None => sqlx::query_as::<_, AuditRow>(
                        "SELECT * FROM audit_log WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2",
                    )
                    .bind(*workspace.as_uuid())
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?,
                };
                rows.into_iter().map($crate::store::AuditEntry::try_from).collect()
            }
        }
    };
}
pub(super) use sql_audit_store;
