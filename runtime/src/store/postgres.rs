//! The store for several nodes: PostgreSQL.

use agenthq_protocol::{AgentId, ApiKeyId, ApprovalId, TaskId, UserId, WorkspaceId};
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use super::accounts::{ApiKeyRecord, Member, Membership, RefreshTokenRecord, UserRecord};
use super::sql::*;
use super::sql_accounts::*;
use super::sql_audit::*;
use super::sql_talk::*;
use super::talk::{ApprovalFilter, ApprovalRecord, MessageFilter, MessageRecord, Settlement};
use super::{
    AgentRecord, AgentUsageRow, InsertOutcome, LOST_IN_CRASH, StoreError, TaskFilter, UsageRow,
    WorkspaceRecord, WriteBatch,
};
use crate::task::TaskRecord;

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

/// Shows the pool's size only: the connect options hold the password.
impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to a `postgres://` URL and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().max_connections(8).connect(url).await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// A transaction that writes (PostgreSQL's row locks need nothing more).
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

sql_store!(PostgresStore, Postgres, " FOR SHARE");
sql_account_store!(PostgresStore);
sql_talk_store!(PostgresStore, Postgres);
sql_audit_store!(PostgresStore, Postgres);
