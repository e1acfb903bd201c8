//! Who may do what: users, their memberships in workspaces, API keys and refresh tokens.
//!
//! The store keeps only what is needed to check a credential: an argon2 hash of each
//! password, a SHA-256 digest of each API key secret and of each refresh token (both are
//! 256 random bits, so a fast digest is as safe as a slow one and keeps per-request checks
//! cheap). Hashing and token formats are the server's business; the store compares bytes.

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// A role in a workspace, weakest first: each role may do what the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything in the workspace and watches the office.
    Viewer,
    /// Also submits, cancels and retries tasks and manages agents.
    Member,
    /// Also manages members and API keys.
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Member, Role::Owner];

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A person with a login.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    /// Lower-cased; unique.
    pub email: String,
    /// A PHC string (`$argon2id$...`).
    pub password_hash: String,
    pub created_at: i64,
    /// Runs the installation: may set any workspace's tier. Granted from the command line
    /// only (`agenthq user create --operator`).
    pub operator: bool,
}

impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// A user's role in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub workspace: WorkspaceId,
    pub user: UserId,
    pub role: Role,
    pub created_at: i64,
}

/// A member as listed: the membership and the user's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub membership: Membership,
    pub email: String,
}

/// An API key: bound to one workspace, with one role, revocable.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: ApiKeyId,
    pub workspace: WorkspaceId,
    /// What the key is for, as its creator named it.
    pub name: String,
    pub role: Role,
    /// SHA-256 of the secret.
    pub digest: Vec<u8>,
    /// The user who created it (`None` for keys made by `agenthq apikey create`).
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl std::fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("id", &self.id)
            .field("workspace", &self.workspace)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// A refresh token: single use, exchanged for a new access token and a new refresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token.
    pub digest: Vec<u8>,
    pub user: UserId,
    /// Unix milliseconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for RefreshTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshTokenRecord")
            .field("user", &self.user)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Durable accounts. Part of every [`super::Store`], so one database holds everything.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Fails with [`StoreError::Conflict`] when the email is taken.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;
    async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Grants or withdraws the operator flag; `false` when there is no such user.
    async fn set_operator(&self, id: UserId, operator: bool) -> Result<bool, StoreError>;

    /// Adds a member, or changes the role of an existing one.
    async fn put_membership(&self, membership: &Membership) -> Result<(), StoreError>;
    async fn membership(
        &self,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<Option<Membership>, StoreError>;
    /// The workspaces a user belongs to, oldest membership first.
    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError>;
    /// A workspace's members, oldest first.
    async fn members(&self, workspace: WorkspaceId) -> Result<Vec<Member>, StoreError>;
    async fn delete_membership(
        &self,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<bool, StoreError>;

    async fn create_api_key(&self, key: &ApiKeyRecord) -> Result<(), StoreError>;
    async fn api_key(&self, id: ApiKeyId) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// A workspace's keys, revoked ones included, oldest first.
    async fn api_keys(&self, workspace: WorkspaceId) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Marks a key revoked at `at` (unix ms). `false` when the workspace has no such key.
    async fn revoke_api_key(
        &self,
        workspace: WorkspaceId,
        id: ApiKeyId,
        at: i64,
    ) -> Result<bool, StoreError>;

    async fn put_refresh_token(&self, token: &RefreshTokenRecord) -> Result<(), StoreError>;
    /// Removes and returns the token with this digest: each refresh token works once.
    async fn take_refresh_token(
        &self,
        digest: &[u8],
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;
}
