//! `agenthq doctor`: checks an installation's settings, store, Redis, port, open-file
//! limit and web bundle the way the server would use them, and says in plain words what is
//! wrong and what to do. Nothing is changed: no folder made, no schema migrated.

use std::fmt::Write as _;
use std::time::Duration;

use agenthq_runtime::store::maintenance;

use crate::ops::{DatabaseLock, get, local_url};
use crate::settings::Settings;

/// How long a service may take to answer before it counts as unreachable.
const PATIENCE: Duration = Duration::from_secs(3);

/// Files a node holds besides WebSocket connections: store and Redis connections, the
/// listener, logs, the sandbox's children.
const FILES_BESIDES_SOCKETS: u64 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warning,
    Problem,
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// What was checked: `settings`, `store`, `redis`, `listen`, `files`, `web`, `llm`.
    pub check: &'static str,
    pub text: String,
}

fn ok(check: &'static str, text: impl Into<String>) -> Finding {
    Finding {
        level: Level::Ok,
        check,
        text: text.into(),
    }
}

fn warning(check: &'static str, text: impl Into<String>) -> Finding {
    Finding {
        level: Level::Warning,
        check,
        text: text.into(),
    }
}

fn problem(check: &'static str, text: impl Into<String>) -> Finding {
    Finding {
        level: Level::Problem,
        check,
        text: text.into(),
    }
}

/// Runs every check against `settings`.
pub async fn examine(settings: &Settings) -> Vec<Finding> {
    let mut found = settings_checks(settings);
    found.push(store(settings).await);
    found.push(redis(settings).await);
    found.push(listen(settings).await);
    found.push(files(settings));
    found.push(web(settings));
    found
}

/// The report a person reads, one line per finding, and a verdict.
pub fn report(found: &[Finding]) -> String {
    let mut out = String::new();
    for f in found {
        let mark = match f.level {
            Level::Ok => "ok     ",
            Level::Warning => "warning",
            Level::Problem => "PROBLEM",
        };
        let _ = writeln!(out, "{mark}  {:<8} {}", f.check, f.text);
    }
    let problems = found.iter().filter(|f| f.level == Level::Problem).count();
    let warnings = found.iter().filter(|f| f.level == Level::Warning).count();
    let _ = match (problems, warnings) {
        (0, 0) => writeln!(out, "\nAll good."),
        (0, w) => writeln!(out, "\nNo problems; {w} warning(s) worth a look."),
        (p, w) => writeln!(
            out,
            "\n{p} problem(s) to fix before the server can run as configured, {w} warning(s)."
        ),
    };
    out
}

/// The report for settings that do not even load.
pub fn unloadable(error: &dyn std::fmt::Display) -> String {
    report(&[problem(
        "settings",
        format!(
            "{error}: fix the file given with --config (or AGENTHQ_CONFIG) or the AGENTHQ_* \
             variable it names; .env.example lists them all"
        ),
    )])
}

fn settings_checks(settings: &Settings) -> Vec<Finding> {
    let mut found = vec![ok(
        "settings",
        format!(
            "loaded; {} AGENTHQ_* variables set",
            std::env::vars()
                .filter(|(k, _)| k.starts_with("AGENTHQ_"))
                .count()
        ),
    )];
    if let Some(secret) = &settings.jwt_secret
        && secret.expose().len() < 32
    {
        found.push(warning(
            "settings",
            "AGENTHQ_JWT_SECRET is shorter than 32 characters: anyone who guesses it can sign \
             tokens; use a long random value (openssl rand -hex 32)",
        ));
    }
    if settings.redis_url.is_some() {
        if settings.sqlite_path().is_some() {
            found.push(problem(
                "settings",
                "AGENTHQ_REDIS_URL makes this node part of a cluster, but the store is the \
                 embedded SQLite file: the nodes of a cluster share one PostgreSQL store (set \
                 AGENTHQ_DATABASE_URL)",
            ));
        }
        if settings.jwt_secret.is_none() {
            found.push(problem(
                "settings",
                "a cluster's nodes must share AGENTHQ_JWT_SECRET: without it each node makes \
                 its own and a token from one is refused by the others",
            ));
        }
    }
    match settings.llm_settings() {
        Err(e) => found.push(problem("llm", e.to_string())),
        Ok(llm) if llm.endpoints.is_empty() => found.push(ok(
            "llm",
            "no model endpoint: agents run simulated work (see docs/agents.md)",
        )),
        Ok(llm) => found.push(ok(
            "llm",
            format!(
                "model endpoints: {} (not called by this check)",
                llm.endpoints.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )),
    }
    found
}

async fn store(settings: &Settings) -> Finding {
    let url = settings.store_url();
    let shown = settings.store_url_redacted();
    if let Some(db) = settings.sqlite_path() {
        let dir = db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if !db.exists() {
            return match writable_folder(dir) {
                Ok(()) => ok(
                    "store",
                    format!(
                        "SQLite at {}: no database yet; the server makes it at first start",
                        db.display()
                    ),
                ),
                Err(e) => problem("store", e),
            };
        }
        if let Err(e) = writable_folder(dir) {
            return problem("store", e);
        }
        let running = if DatabaseLock::is_held(&db) {
            "a server is running on it"
        } else {
            "no server is running on it"
        };
        return match maintenance::schema(&url, PATIENCE).await {
            Ok(schema) => schema_finding(
                &format!("SQLite at {}", db.display()),
                schema,
                &format!("; {running}"),
            ),
            Err(e) => problem(
                "store",
                format!(
                    "{} does not open as a SQLite database: {e}; restore a backup (agenthq \
                     restore FILE)",
                    db.display()
                ),
            ),
        };
    }
    match maintenance::schema(&url, PATIENCE).await {
        Ok(schema) => schema_finding(&format!("PostgreSQL at {shown}"), schema, ""),
        Err(e) => problem("store", postgres_advice(&shown, &e.to_string())),
    }
}

fn schema_finding(what: &str, schema: maintenance::Schema, note: &str) -> Finding {
    match schema.applied {
        _ if schema.is_ahead() => problem(
            "store",
            format!(
                "{what} has schema {} from a newer AgentHQ; this build knows up to {}: run \
                 the newer build, or restore a backup made by this one",
                schema.applied.unwrap_or_default(),
                schema.known
            ),
        ),
        None => ok(
            "store",
            format!("{what}: empty; the server makes the schema at first start{note}"),
        ),
        Some(v) if v < schema.known => ok(
            "store",
            format!(
                "{what}: schema {v}; the server upgrades it to {} when it starts (or run \
                 agenthq migrate){note}",
                schema.known
            ),
        ),
        Some(v) => ok("store", format!("{what}: schema {v}, current{note}")),
    }
}

fn postgres_advice(shown: &str, error: &str) -> String {
    let hint = if error.contains("Connection refused") || error.contains("timed out") {
        "is PostgreSQL running, and is the host and port in AGENTHQ_DATABASE_URL right?"
    } else if error.contains("password") || error.contains("authentication") {
        "the user or password in AGENTHQ_DATABASE_URL is refused"
    } else if error.contains("does not exist") {
        "create the database (createdb) or fix its name in AGENTHQ_DATABASE_URL"
    } else {
        "check AGENTHQ_DATABASE_URL"
    };
    format!("cannot reach PostgreSQL at {shown}: {error}; {hint}")
}

/// Whether the server could make files in `dir` (or make `dir`).
fn writable_folder(dir: &std::path::Path) -> Result<(), String> {
    let mut probe_dir = dir;
    while !probe_dir.exists() {
        match probe_dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => probe_dir = parent,
            _ => {
                probe_dir = std::path::Path::new(".");
                break;
            }
        }
    }
    let probe = probe_dir.join(format!(".agenthq-doctor-{}", std::process::id()));
    match std::fs::write(&probe, b"") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!(
            "the data folder {} cannot be written ({e}): give the server's user write access, \
             or point AGENTHQ_DATA_DIR elsewhere",
            dir.display()
        )),
    }
}

async fn redis(settings: &Settings) -> Finding {
    let Some(url) = &settings.redis_url else {
        return ok("redis", "not configured: a single node");
    };
    let shown = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.clone(),
    };
    let ping = async {
        let client = redis::Client::open(url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut conn)
            .await?;
        redis::RedisResult::Ok(info)
    };
    match tokio::time::timeout(PATIENCE, ping).await {
        Ok(Ok(info)) => {
            let version = info
                .lines()
                .find_map(|l| l.strip_prefix("redis_version:"))
                .unwrap_or("unknown")
                .trim()
                .to_owned();
            ok("redis", format!("Redis {version} at {shown} answers"))
        }
        Ok(Err(e)) => problem(
            "redis",
            format!("Redis at {shown}: {e}; is it running, and is AGENTHQ_REDIS_URL right?"),
        ),
        Err(_) => problem(
            "redis",
            format!(
                "Redis at {shown} did not answer within {PATIENCE:?}: is it running, and is \
                 AGENTHQ_REDIS_URL right?"
            ),
        ),
    }
}

async fn listen(settings: &Settings) -> Finding {
    let addr = settings.listen;
    match std::net::TcpListener::bind(addr) {
        Ok(_) => ok("listen", format!("{addr} is free")),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            // Ours, already running? Its liveness answer says so.
            match get(&format!("{}/healthz", local_url(settings)), PATIENCE).await {
                Ok((200, body)) if body.contains("\"status\":\"ok\"") => ok(
                    "listen",
                    format!("{addr}: an AgentHQ server is already running there"),
                ),
                _ => problem(
                    "listen",
                    format!(
                        "{addr} is taken by another program: stop it, or set AGENTHQ_LISTEN to \
                         a free address"
                    ),
                ),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => problem(
            "listen",
            format!(
                "{addr}: not allowed to listen there ({e}); ports under 1024 need privileges: \
                 use 8080 behind a proxy"
            ),
        ),
        Err(e) => problem(
            "listen",
            format!("cannot listen on {addr}: {e}; is it an address of this machine?"),
        ),
    }
}

fn files(settings: &Settings) -> Finding {
    // The server raises its soft limit to the hard one when it starts: the hard one counts.
    let (_, hard) = match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        Ok(limits) => limits,
        Err(e) => return warning("files", format!("cannot read the open-file limit: {e}")),
    };
    let wanted = settings.ws_max_connections as u64 + FILES_BESIDES_SOCKETS;
    if hard < wanted {
        warning(
            "files",
            format!(
                "open-file limit {hard}: the node can hold about {} WebSocket connections, \
                 fewer than AGENTHQ_WS_MAX_CONNECTIONS ({}); raise it (ulimit -n, systemd's \
                 LimitNOFILE=, docker's --ulimit nofile=) or lower the setting",
                hard.saturating_sub(FILES_BESIDES_SOCKETS),
                settings.ws_max_connections
            ),
        )
    } else {
        ok(
            "files",
            format!(
                "open-file limit {hard}: room for AGENTHQ_WS_MAX_CONNECTIONS ({})",
                settings.ws_max_connections
            ),
        )
    }
}

fn web(settings: &Settings) -> Finding {
    match settings.web_dir() {
        Some(dir) if dir.join("index.html").is_file() => ok(
            "web",
            format!("the browser office is served from {}", dir.display()),
        ),
        Some(dir) => warning(
            "web",
            format!(
                "{} has no index.html: / will not show the office; build it \
                 (scripts/build-web.sh) or point AGENTHQ_WEB_DIR at a built bundle",
                dir.display()
            ),
        ),
        None => warning(
            "web",
            "no browser office bundle found: / will not show the office; set \
             AGENTHQ_WEB_DIR to a built bundle (assets/web)",
        ),
    }
}
