//! The embedded default store: a SQLite file in WAL mode.

use std::str::FromStr;
use std::time::Duration;

use agenthq_protocol::{AgentId, ApiKeyId, ApprovalId, TaskId, UserId, WorkspaceId};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

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

/// SQLite in WAL mode with `synchronous = NORMAL`: a committed transaction survives a
/// crash of the process (what the durability tests kill); the last transactions before a
/// power loss may not. Readers do not block the writer.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at a `sqlite://` URL or plain path, and
    /// runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// A transaction that writes: `BEGIN IMMEDIATE` takes the write lock at once, waiting
    /// (`busy_timeout`) while another writer holds it. A deferred transaction that reads
    /// first and writes later cannot wait: SQLite refuses its upgrade at once ("database
    /// is locked") when another connection wrote in between, as account, agent and tier
    /// changes do beside the store writer.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

sql_store!(SqliteStore, Sqlite, "");
sql_account_store!(SqliteStore);
sql_talk_store!(SqliteStore, Sqlite);
sql_audit_store!(SqliteStore, Sqlite);
