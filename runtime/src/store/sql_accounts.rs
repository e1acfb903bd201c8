//! The [`AccountStore`](super::AccountStore) impl shared by the SQLite and PostgreSQL
//! stores, written once like [`super::sql`].

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use uuid::Uuid;

use super::StoreError;
use super::accounts::{ApiKeyRecord, Member, Membership, RefreshTokenRecord, Role, UserRecord};

/// A unique-constraint violation becomes [`StoreError::Conflict`].
pub(super) fn conflict(err: sqlx::Error, what: &'static str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(err),
    }
}

fn role(s: &str) -> Result<Role, StoreError> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("role {s:?}")))
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: Uuid,
    email: String,
    password_hash: String,
    created_at: i64,
    operator: bool,
}

impl From<UserRow> for UserRecord {
    fn from(r: UserRow) -> Self {
        UserRecord {
            id: UserId::from_uuid(r.id),
            email: r.email,
            password_hash: r.password_hash,
            created_at: r.created_at,
            operator: r.operator,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MembershipRow {
    workspace_id: Uuid,
    user_id: Uuid,
    role: String,
    created_at: i64,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;

    fn try_from(r: MembershipRow) -> Result<Self, StoreError> {
        Ok(Membership {
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            user: UserId::from_uuid(r.user_id),
            role: role(&r.role)?,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct MemberRow {
    #[sqlx(flatten)]
    membership: MembershipRow,
    email: String,
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;

    fn try_from(r: MemberRow) -> Result<Self, StoreError> {
        Ok(Member {
            membership: r.membership.try_into()?,
            email: r.email,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApiKeyRow {
    id: Uuid,
    workspace_id: Uuid,
    name: String,
    role: String,
    digest: Vec<u8>,
    created_by: Option<Uuid>,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl TryFrom<ApiKeyRow> for ApiKeyRecord {
    type Error = StoreError;

    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKeyRecord {
            id: ApiKeyId::from_uuid(r.id),
            workspace: WorkspaceId::from_uuid(r.workspace_id),
            name: r.name,
            role: role(&r.role)?,
            digest: r.digest,
            created_by: r.created_by.map(UserId::from_uuid),
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RefreshTokenRow {
    digest: Vec<u8>,
    user_id: Uuid,
    expires_at: i64,
}

impl From<RefreshTokenRow> for RefreshTokenRecord {
    fn from(r: RefreshTokenRow) -> Self {
        RefreshTokenRecord {
            digest: r.digest,
            user: UserId::from_uuid(r.user_id),
            expires_at: r.expires_at,
        }
    }
}

/// The `AccountStore` impl for a store struct with a `pool` field.
macro_rules! sql_account_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AccountStore for $store {
            async fn create_user(&self, u: &UserRecord) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO users (id, email, password_hash, created_at, operator) VALUES ($1, $2, $3, $4, $5)")
                    .bind(*u.id.as_uuid())
                    .bind(&u.email)
                    .bind(&u.password_hash)
                    .bind(u.created_at)
                    .bind(u.operator)
                    .execute(&self.pool)
                    .await
                    .map_err(|e| conflict(e, "email already registered"))?;
                Ok(())
            }

            async fn set_operator(&self, id: UserId, operator: bool) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET operator = $2 WHERE id = $1")
                    .bind(*id.as_uuid())
                    .bind(operator)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
                Ok(sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE id = $1")
                    .bind(*id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(UserRecord::from))
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
                Ok(sqlx::query_as::<_, UserRow>("SELECT * FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(UserRecord::from))
            }

            async fn put_membership(&self, m: &Membership) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
                )
                .bind(*m.workspace.as_uuid())
                .bind(*m.user.as_uuid())
                .bind(m.role.as_str())
                .bind(m.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn membership(&self, workspace: WorkspaceId, user: UserId) -> Result<Option<Membership>, StoreError> {
                sqlx::query_as::<_, MembershipRow>(
                    "SELECT * FROM memberships WHERE workspace_id = $1 AND user_id = $2",
                )
                .bind(*workspace.as_uuid())
                .bind(*user.as_uuid())
                .fetch_optional(&self.pool)
                .await?
                .map(Membership::try_from)
                .transpose()
            }

            async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
                sqlx::query_as::<_, MembershipRow>(
                    "SELECT * FROM memberships WHERE user_id = $1 ORDER BY created_at, workspace_id",
                )
                .bind(*user.as_uuid())
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Membership::try_from)
                .collect()
            }

            async fn members(&self, workspace: WorkspaceId) -> Result<Vec<Member>, StoreError> {
                sqlx::query_as::<_, MemberRow>(
                    "SELECT m.workspace_id, m.user_id, m.role, m.created_at, u.email \
                     FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE m.workspace_id = $1 ORDER BY m.created_at, m.user_id",
                )
                .bind(*workspace.as_uuid())
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(Member::try_from)
                .collect()
            }

            async fn delete_membership(&self, workspace: WorkspaceId, user: UserId) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
                    .bind(*workspace.as_uuid())
                    .bind(*user.as_uuid())
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn create_api_key(&self, k: &ApiKeyRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_keys (id, workspace_id, name, role, digest, created_by, created_at, revoked_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(*k.id.as_uuid())
                .bind(*k.workspace.as_uuid())
                .bind(&k.name)
                .bind(k.role.as_str())
                .bind(&k.digest)
                .bind(k.created_by.map(|u| *u.as_uuid()))
                .bind(k.created_at)
                .bind(k.revoked_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn api_key(&self, id: ApiKeyId) -> Result<Option<ApiKeyRecord>, StoreError> {
                sqlx::query_as::<_, ApiKeyRow>("SELECT * FROM api_keys WHERE id = $1")
                    .bind(*id.as_uuid())
                    .fetch_optional(&self.pool)
                    .await?
                    .map(ApiKeyRecord::try_from)
                    .transpose()
            }

            async fn api_keys(&self, workspace: WorkspaceId) -> Result<Vec<ApiKeyRecord>, StoreError> {
                sqlx::query_as::<_, ApiKeyRow>("SELECT * FROM api_keys WHERE workspace_id = $1 ORDER BY id")
                    .bind(*workspace.as_uuid())
                    .fetch_all(&self.pool)
                    .await?
                    .into_iter()
                    .map(ApiKeyRecord::try_from)
                    .collect()
            }

            async fn revoke_api_key(&self, workspace: WorkspaceId, id: ApiKeyId, at: i64) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE workspace_id = $1 AND id = $2",
                )
                .bind(*workspace.as_uuid())
                .bind(*id.as_uuid())
                .bind(at)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn put_refresh_token(&self, t: &RefreshTokenRecord) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO refresh_tokens (digest, user_id, expires_at) VALUES ($1, $2, $3)")
                    .bind(&t.digest)
                    .bind(*t.user.as_uuid())
                    .bind(t.expires_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn take_refresh_token(&self, digest: &[u8]) -> Result<Option<RefreshTokenRecord>, StoreError> {
                Ok(sqlx::query_as::<_, RefreshTokenRow>("DELETE FROM refresh_tokens WHERE digest = $1 RETURNING *")
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(RefreshTokenRecord::from))
            }
        }
    };
}
pub(super) use sql_account_store;
