use agenthq_protocol::WorkspaceId;
use async_trait::async_trait;
use uuid::Uuid;

use super::MemoryStore;
use crate::store::{AuditEntry, AuditStore, StoreError};

impl MemoryStore {
    pub(super) fn log_audit(&self, entries: &[AuditEntry]) {
        if entries.is_empty() {
            return;
        }
        let mut log = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        for e in entries {
            log.insert((e.workspace, e.id), e.clone());
        }
    }
}

#[async_trait]
impl AuditStore for MemoryStore {
    async fn put_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        self.log_audit(entries);
        Ok(())
    }

    async fn audit(
        &self,
        workspace: WorkspaceId,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let log = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        let end = before.unwrap_or(Uuid::max());
        Ok(log
            .range((workspace, Uuid::nil())..(workspace, end))
            .rev()
            .take(limit as usize)
            .map(|(_, e)| e.clone())
            .collect())
    }
}
