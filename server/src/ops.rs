//! Operator commands that work on an installation rather than through its API: `agenthq
//! backup` and `agenthq restore` (the embedded SQLite database), `agenthq health` (a
//! container's health check), and the lock a server holds on its SQLite database so that
//! neither a second server nor a restore can open it underneath the first.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agenthq_runtime::store::maintenance::{self, Contents};
use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::settings::Settings;

/// Held by a server for as long as it serves the SQLite database at `db`: an exclusive
/// advisory lock on `<db>.lock`, released by the kernel when the process ends, however it
/// ends.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// Why [`DatabaseLock::acquire`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another AgentHQ server is using {db} (it holds {lock}); one server per SQLite \
         database: for several nodes use PostgreSQL (docs/deployment.md)"
    )]
    Held { db: String, lock: String },
    #[error("cannot open the lock file {lock}: {source}")]
    Io {
        lock: String,
        source: std::io::Error,
    },
}

impl DatabaseLock {
    /// The lock file beside `db`.
    pub fn path(db: &Path) -> PathBuf {
        let mut name = db.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the lock on `db`, or says who has it; never waits.
    pub fn acquire(db: &Path) -> Result<Self, LockError> {
        let lock = Self::path(db);
        let io = |source| LockError::Io {
            lock: lock.display().to_string(),
            source,
        };
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Held {
                db: db.display().to_string(),
                lock: lock.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// Whether a server holds the lock on `db` now (`false` when it cannot be told: no
    /// folder yet, say).
    pub fn is_held(db: &Path) -> bool {
        matches!(Self::acquire(db), Err(LockError::Held { .. }))
    }
}

fn sqlite_path(settings: &Settings, doing: &str) -> anyhow::Result<PathBuf> {
    match settings.sqlite_path() {
        Some(path) => Ok(path),
        None => bail!(
            "the store is {}, not the embedded SQLite database: {doing} with PostgreSQL's \
             own tools (pg_dump / pg_restore; see docs/operations.md)",
            settings.store_url_redacted()
        ),
    }
}

fn describe(c: &Contents) -> String {
    format!(
        "{} workspaces, {} tasks, {} users, schema {}, {:.1} MB",
        c.workspaces,
        c.tasks,
        c.users,
        c.schema,
        c.bytes as f64 / 1_000_000.0
    )
}

/// Appends `suffix` to a path's file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// `agenthq backup FILE`: a consistent copy of the SQLite database, taken while the server
/// runs. Written under a temporary name and renamed once checked whole, so `FILE` is never
/// a half-written backup.
#[allow(clippy::print_stdout)] // The command's answer.
pub async fn backup(settings: &Settings, dest: &Path, overwrite: bool) -> anyhow::Result<()> {
    let db = sqlite_path(settings, "back it up")?;
    if !db.exists() {
        bail!(
            "no database at {}: nothing to back up (is AGENTHQ_DATA_DIR right?)",
            db.display()
        );
    }
    if dest.is_dir() {
        bail!("{} is a folder: name the backup file", dest.display());
    }
    if dest.exists() && !overwrite {
        bail!(
            "{} exists: choose another name, or pass --overwrite",
            dest.display()
        );
    }
    let partial = with_suffix(dest, ".partial");
    let _ = std::fs::remove_file(&partial); // A crashed earlier run's leftover.
    let contents = match maintenance::sqlite_backup(&db, &partial).await {
        Ok(contents) => contents,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e).with_context(|| format!("backing up {} failed", db.display()));
        }
    };
    std::fs::rename(&partial, dest)
        .with_context(|| format!("cannot move the backup to {}", dest.display()))?;
    println!(
        "backed up {} to {}: {}",
        db.display(),
        dest.display(),
        describe(&contents)
    );
    Ok(())
}

/// `agenthq restore FILE`: replaces the SQLite database with a backup. Refused while a
/// server runs on it; the backup is checked whole first; the database it replaces is kept
/// beside it as `<db>.before-restore` (with its WAL, so nothing committed is lost).
#[allow(clippy::print_stdout)] // The command's answer.
pub async fn restore(settings: &Settings, src: &Path) -> anyhow::Result<()> {
    let db = sqlite_path(settings, "restore it")?;
    let contents = maintenance::sqlite_inspect(src)
        .await
        .with_context(|| format!("{} cannot be restored; nothing was changed", src.display()))?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    }
    let _lock = DatabaseLock::acquire(&db).map_err(|e| match e {
        LockError::Held { .. } => anyhow::anyhow!(
            "a server is running on {}: stop it, then restore (nothing was changed)",
            db.display()
        ),
        other => other.into(),
    })?;

    let incoming = with_suffix(&db, ".restoring");
    std::fs::copy(src, &incoming)
        .with_context(|| format!("cannot copy {} to {}", src.display(), incoming.display()))?;
    File::open(&incoming)?.sync_all()?;
    let kept = with_suffix(&db, ".before-restore");
    if db.exists() {
        for old in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(&kept, old));
        }
        std::fs::rename(&db, &kept)
            .with_context(|| format!("cannot move {} aside", db.display()))?;
        // SQLite looks for a database's WAL at `<name>-wal`: moved along, the kept copy
        // opens with every transaction it had committed.
        let wal = with_suffix(&db, "-wal");
        if wal.exists() {
            std::fs::rename(&wal, with_suffix(&kept, "-wal"))?;
        }
        let _ = std::fs::remove_file(with_suffix(&db, "-shm"));
    }
    std::fs::rename(&incoming, &db)
        .with_context(|| format!("cannot move the restored database to {}", db.display()))?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    // Upgrades a backup made by an older build, as the server would at start.
    let store = agenthq_runtime::store::SqliteStore::open(&db.display().to_string())
        .await
        .with_context(|| format!("the restored {} does not open", db.display()))?;
    drop(store);
    println!(
        "restored {} into {}: {}",
        src.display(),
        db.display(),
        describe(&contents)
    );
    if kept.exists() {
        println!("the database it replaced is kept at {}", kept.display());
    }
    Ok(())
}

/// The base URL a command on this machine reaches the server at: the listen address, with
/// a wildcard address replaced by loopback.
pub fn local_url(settings: &Settings) -> String {
    let mut addr = settings.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    format!("http://{addr}")
}

/// An HTTP GET over a fresh connection (`http://` only: this is for the server's own
/// health endpoints, from the same machine or container); the status and the body.
pub async fn get(url: &str, timeout: Duration) -> anyhow::Result<(u16, String)> {
    let rest = url
        .strip_prefix("http://")
        .with_context(|| format!("{url}: only http:// addresses are supported"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(authority).await?;
        let request =
            format!("GET /{path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        // Bounded: health answers are small.
        (&mut stream)
            .take(64 * 1024)
            .read_to_end(&mut response)
            .await?;
        anyhow::Ok(response)
    };
    let response = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| anyhow::anyhow!("{url} did not answer within {timeout:?}"))?
        .with_context(|| format!("cannot reach {url}"))?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("{url} did not answer HTTP"))?;
    Ok((status, body.to_owned()))
}

/// `agenthq health`: asks the server's `/readyz`; fails unless it is ready (the
/// container image's `HEALTHCHECK`).
#[allow(clippy::print_stdout)] // The command's answer.
pub async fn health(settings: &Settings, url: Option<&str>) -> anyhow::Result<()> {
    let base = url.map_or_else(
        || local_url(settings),
        |u| u.trim_end_matches('/').to_owned(),
    );
    let (status, body) = get(&format!("{base}/readyz"), Duration::from_secs(3)).await?;
    if status != 200 {
        bail!("{base} is not ready ({status}): {}", body.trim());
    }
    println!("{}", body.trim());
    Ok(())
}
