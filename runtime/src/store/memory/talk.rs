//! Messages and approvals in memory, behind their own mutex.

use std::collections::BTreeMap;
use std::ops::Bound;

use agenthq_protocol::{AgentId, ApprovalId, MessageId, WorkspaceId};
use async_trait::async_trait;

use super::MemoryStore;
use crate::store::StoreError;
use crate::store::talk::{
    ApprovalFilter, ApprovalRecord, ApprovalStatus, MessageFilter, MessageRecord, Settlement,
    TalkStore,
};

#[derive(Debug, Default)]
pub(super) struct Talk {
    messages: BTreeMap<MessageId, MessageRecord>,
    approvals: BTreeMap<ApprovalId, ApprovalRecord>,
}

impl MemoryStore {
    fn talk(&self) -> std::sync::MutexGuard<'_, Talk> {
        self.talk.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops a deleted workspace's messages and approval requests.
    pub(super) fn forget_talk_of(&self, workspace: WorkspaceId) {
        let mut t = self.talk();
        t.messages.retain(|_, m| m.workspace != workspace);
        t.approvals.retain(|_, a| a.workspace != workspace);
    }
}

fn below<K: Ord + Copy>(before: Option<K>) -> (Bound<K>, Bound<K>) {
    (
        Bound::Unbounded,
        before.map_or(Bound::Unbounded, Bound::Excluded),
    )
}

#[async_trait]
impl TalkStore for MemoryStore {
    async fn put_message(&self, message: &MessageRecord) -> Result<(), StoreError> {
        self.talk().messages.insert(message.id, message.clone());
        Ok(())
    }

    async fn messages(
        &self,
        workspace: WorkspaceId,
        filter: &MessageFilter,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        Ok(self
            .talk()
            .messages
            .range(below(filter.before))
            .rev()
            .map(|(_, m)| m)
            .filter(|m| m.workspace == workspace)
            .filter(|m| {
                filter
                    .agent
                    .is_none_or(|a| m.from == Some(a) || m.to == Some(a))
            })
            .filter(|m| !filter.to_people || m.to.is_none())
            .take(filter.limit as usize)
            .cloned()
            .collect())
    }

    async fn take_inbox(
        &self,
        workspace: WorkspaceId,
        agent: AgentId,
        limit: u32,
        at: i64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        Ok(self
            .talk()
            .messages
            .values_mut()
            .filter(|m| m.workspace == workspace && m.to == Some(agent))
            .filter(|m| m.delivered_at.is_none())
            .take(limit as usize)
            .map(|m| {
                m.delivered_at = Some(at);
                m.clone()
            })
            .collect())
    }

    async fn put_approval(&self, approval: &ApprovalRecord) -> Result<(), StoreError> {
        self.talk().approvals.insert(approval.id, approval.clone());
        Ok(())
    }

    async fn approval(
        &self,
        workspace: WorkspaceId,
        id: ApprovalId,
    ) -> Result<Option<ApprovalRecord>, StoreError> {
        Ok(self
            .talk()
            .approvals
            .get(&id)
            .filter(|a| a.workspace == workspace)
            .cloned())
    }

    async fn approvals(
        &self,
        workspace: WorkspaceId,
        filter: &ApprovalFilter,
    ) -> Result<Vec<ApprovalRecord>, StoreError> {
        Ok(self
            .talk()
            .approvals
            .range(below(filter.before))
            .rev()
            .map(|(_, a)| a)
            .filter(|a| a.workspace == workspace)
            .filter(|a| filter.status.is_none_or(|s| a.status == s))
            .take(filter.limit as usize)
            .cloned()
            .collect())
    }

    async fn settle_approval(
        &self,
        workspace: WorkspaceId,
        id: ApprovalId,
        s: &Settlement,
    ) -> Result<Option<ApprovalRecord>, StoreError> {
        let mut talk = self.talk();
        let Some(a) = talk
            .approvals
            .get_mut(&id)
            .filter(|a| a.workspace == workspace && a.status == ApprovalStatus::Pending)
        else {
            return Ok(None);
        };
        a.status = ApprovalStatus::Settled(s.decision);
        a.decided_by.clone_from(&s.by);
        a.comment.clone_from(&s.comment);
        a.decided_at = Some(s.at);
        Ok(Some(a.clone()))
    }

    async fn cancel_pending_approvals(
        &self,
        workspace: WorkspaceId,
        comment: &str,
        at: i64,
    ) -> Result<u64, StoreError> {
        let mut n = 0;
        for a in self.talk().approvals.values_mut() {
            if a.workspace == workspace && a.status == ApprovalStatus::Pending {
                a.status = ApprovalStatus::Settled(agenthq_protocol::Decision::Cancelled);
                a.comment = Some(comment.to_owned());
                a.decided_at = Some(at);
                n += 1;
            }
        }
        Ok(n)
    }
}
