//! Accounts in memory, behind their own mutex (the task maps are busier).

use std::collections::BTreeMap;

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use async_trait::async_trait;

use super::MemoryStore;
use crate::store::StoreError;
use crate::store::accounts::{
    AccountStore, ApiKeyRecord, Member, Membership, RefreshTokenRecord, UserRecord,
};

#[derive(Debug, Default)]
pub(super) struct Accounts {
    users: BTreeMap<UserId, UserRecord>,
    memberships: BTreeMap<(WorkspaceId, UserId), Membership>,
    keys: BTreeMap<ApiKeyId, ApiKeyRecord>,
    refresh: BTreeMap<Vec<u8>, RefreshTokenRecord>,
}

impl MemoryStore {
    fn accounts(&self) -> std::sync::MutexGuard<'_, Accounts> {
        self.accounts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops a deleted workspace's memberships and API keys.
    pub(super) fn forget_accounts_of(&self, workspace: WorkspaceId) {
        let mut a = self.accounts();
        a.memberships.retain(|(ws, _), _| *ws != workspace);
        a.keys.retain(|_, k| k.workspace != workspace);
    }
}

#[async_trait]
impl AccountStore for MemoryStore {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let mut a = self.accounts();
        if a.users.values().any(|u| u.email == user.email) {
            return Err(StoreError::Conflict("email already registered"));
        }
        a.users.insert(user.id, user.clone());
        Ok(())
    }

    async fn set_operator(&self, id: UserId, operator: bool) -> Result<bool, StoreError> {
        Ok(self
            .accounts()
            .users
            .get_mut(&id)
            .map(|u| u.operator = operator)
            .is_some())
    }

    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        Ok(self.accounts().users.get(&id).cloned())
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self
            .accounts()
            .users
            .values()
            .find(|u| u.email == email)
            .cloned())
    }

    async fn put_membership(&self, m: &Membership) -> Result<(), StoreError> {
        let mut a = self.accounts();
        a.memberships
            .entry((m.workspace, m.user))
            .and_modify(|old| old.role = m.role)
            .or_insert_with(|| m.clone());
        Ok(())
    }

    async fn membership(
        &self,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError> {
        Ok(self.accounts().memberships.get(&(workspace, user)).cloned())
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let mut found: Vec<Membership> = self
            .accounts()
            .memberships
            .values()
            .filter(|m| m.user == user)
            .cloned()
            .collect();
        found.sort_by_key(|m| (m.created_at, m.workspace));
        Ok(found)
    }

    async fn members(&self, workspace: WorkspaceId) -> Result<Vec<Member>, StoreError> {
        let a = self.accounts();
        let mut found: Vec<Member> = a
            .memberships
            .values()
            .filter(|m| m.workspace == workspace)
            .filter_map(|m| {
                a.users.get(&m.user).map(|u| Member {
                    membership: m.clone(),
                    email: u.email.clone(),
                })
            })
            .collect();
        found.sort_by_key(|m| (m.membership.created_at, m.membership.user));
        Ok(found)
    }

    async fn delete_membership(
        &self,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        Ok(self
            .accounts()
            .memberships
            .remove(&(workspace, user))
            .is_some())
    }

    async fn create_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError> {
        self.accounts().keys.insert(key.id, key.clone());
        Ok(())
    }

    async fn api_key(&self, id: ApiKeyId) -> Result<Option<ApiKeyRecord>, StoreError> {
        Ok(self.accounts().keys.get(&id).cloned())
    }

    async fn api_keys(&self, workspace: WorkspaceId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        Ok(self
            .accounts()
            .keys
            .values()
            .filter(|k| k.workspace == workspace)
            .cloned()
            .collect())
    }

    async fn revoke_api_key(
        &self,
        workspace: WorkspaceId,
        id: ApiKeyId,
        at: i64,
    ) -> Result<bool, StoreError> {
        match self.accounts().keys.get_mut(&id) {
            Some(key) if key.workspace == workspace => {
                key.revoked_at.get_or_insert(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn put_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StoreError> {
        self.accounts()
            .refresh
            .insert(token.digest.clone(), token.clone());
        Ok(())
    }

    async fn take_refresh_token(
        &self,
        digest: &[u8],
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Ok(self.accounts().refresh.remove(digest))
    }
}
