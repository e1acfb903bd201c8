//! Looking after a store without serving it: the version of its schema (for `agenthq
//! doctor`), and online backups of the embedded SQLite database (`agenthq backup` and
//! `restore`). PostgreSQL is backed up with its own tools (docs/operations.md).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection};

use super::StoreError;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// How a store's schema compares with what this build knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The newest migration applied; `None` for a database with no schema yet (the server
    /// makes it when it first starts).
    pub applied: Option<i64>,
    /// The newest migration this build carries.
    pub known: i64,
}

impl Schema {
    /// Made by a newer build: this one may not understand it.
    pub fn is_ahead(&self) -> bool {
        self.applied.is_some_and(|v| v > self.known)
    }
}

fn newest(migrator: &Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest migration applied on a connection of either kind; `None` when there is no
/// migrations table (a fresh database).
macro_rules! applied_version {
    ($conn:expr) => {
        match sqlx::query_scalar::<_, Option<i64>>(
            "SELECT MAX(version) FROM _sqlx_migrations WHERE success",
        )
        .fetch_one($conn)
        .await
        {
            Ok(version) => Ok::<_, StoreError>(version),
            Err(sqlx::Error::Database(e))
                if e.message().contains("no such table")
                    || e.message().contains("does not exist") =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    };
}

/// The schema of the store at `url` (`postgres://…` or a SQLite file), read without
/// migrating it; `connect_timeout` bounds the wait for a server that does not answer.
pub async fn schema(url: &str, connect_timeout: Duration) -> Result<Schema, StoreError> {
    let timed_out = || StoreError::Database(sqlx::Error::PoolTimedOut);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut conn = tokio::time::timeout(connect_timeout, sqlx::PgConnection::connect(url))
            .await
            .map_err(|_| timed_out())??;
        let applied = applied_version!(&mut conn)?;
        let _ = conn.close().await;
        return Ok(Schema {
            applied,
            known: newest(&POSTGRES),
        });
    }
    let options = sqlite_options(url)?;
    let mut conn = tokio::time::timeout(connect_timeout, options.connect())
        .await
        .map_err(|_| timed_out())??;
    let applied = applied_version!(&mut conn)?;
    let _ = conn.close().await;
    Ok(Schema {
        applied,
        known: newest(&SQLITE),
    })
}

fn sqlite_options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    let url = if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    };
    Ok(SqliteConnectOptions::from_str(&url)?
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10)))
}

/// What an AgentHQ SQLite database holds, checked whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// The newest migration applied.
    pub schema: i64,
    pub workspaces: i64,
    pub tasks: i64,
    pub users: i64,
    pub bytes: u64,
}

/// Copies the live SQLite database at `db` into a new file `dest` (`VACUUM INTO`: one read
/// transaction, so the copy is consistent while the server goes on writing; readers and
/// the writer are not blocked in WAL mode), then checks the copy whole.
pub async fn sqlite_backup(db: &Path, dest: &Path) -> Result<Contents, StoreError> {
    let mut conn = sqlite_options(&db.display().to_string())?.connect().await?;
    sqlx::query("VACUUM INTO ?")
        .bind(dest.display().to_string())
        .execute(&mut conn)
        .await?;
    let _ = conn.close().await;
    // One self-contained file: out of WAL mode.
    let copy = sqlite_options(&dest.display().to_string())?
        .journal_mode(SqliteJournalMode::Delete)
        .connect()
        .await?;
    let _ = copy.close().await;
    sqlite_inspect(dest).await
}

/// Opens the SQLite file at `path` read-only and checks it is an AgentHQ database in one
/// piece: `PRAGMA integrity_check` passes and its schema is one this build knows.
pub async fn sqlite_inspect(path: &Path) -> Result<Contents, StoreError> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display())))?
        .len();
    let mut conn = sqlite_options(&path.display().to_string())?
        .read_only(true)
        .connect()
        .await
        .map_err(|e| {
            StoreError::Corrupt(format!("{} is not a SQLite database: {e}", path.display()))
        })?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| {
            StoreError::Corrupt(format!("{} is not a SQLite database: {e}", path.display()))
        })?;
    if check != "ok" {
        return Err(StoreError::Corrupt(format!(
            "{} fails SQLite's integrity check: {check}",
            path.display()
        )));
    }
    let Some(schema) = applied_version!(&mut conn)? else {
        return Err(StoreError::Corrupt(format!(
            "{} is a SQLite database but not an AgentHQ one (no schema)",
            path.display()
        )));
    };
    let known = newest(&SQLITE);
    if schema > known {
        return Err(StoreError::Corrupt(format!(
            "{} was made by a newer AgentHQ (schema {schema}; this build knows up to {known})",
            path.display()
        )));
    }
    let mut count = async |table: &str| -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await?)
    };
    let contents = Contents {
        schema,
        workspaces: count("workspaces").await?,
        tasks: count("tasks").await?,
        users: count("users").await?,
        bytes,
    };
    let _ = conn.close().await;
    Ok(contents)
}
