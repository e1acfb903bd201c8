//! Test harness: a runtime on a fresh store, test executors, and bounded waiting.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use agenthq_protocol::{
    AgentId, OfficeState, ServerMessage, TaskId, TaskStatus, Tier, Topic, WorkspaceId,
};
use agenthq_runtime::{
    Delivery, ExecContext, ExecError, Executor, ExecutorConfig, ExecutorRegistry, MemoryBus,
    MemoryStore, NewAgent, NewWorkspace, Opening, RetryPolicy, Runtime, RuntimeConfig, Store,
    TaskFilter, TopicSubscription, WorkspaceCaps, store,
};
use async_trait::async_trait;
use dashmap::DashMap;

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Sqlite,
    Postgres,
}

/// A store that lives as long as the test (its temp dir or database).
pub struct TestStore {
    pub url: String,
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh PostgreSQL database for one test, or `None` when PostgreSQL is not reachable
/// outside CI. Under `CI=true` an unreachable server fails the test: it must really run.
pub async fn postgres_database() -> Option<String> {
    use sqlx::Connection;
    let admin =
        std::env::var("AGENTHQ_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into());
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(err) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but PostgreSQL at {admin} is unreachable: {err}")
        }
        Err(err) => {
            skip_notice(&format!(
                "skipping PostgreSQL part: {admin} unreachable ({err}); set AGENTHQ_TEST_DATABASE_URL"
            ));
            return None;
        }
    };
    drop_stale_databases(&mut conn).await;
    let name = format!("agenthq_test_{}", agenthq_protocol::id::new_v7().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    Some(format!("{base}/{name}"))
}

/// A skipped part must be visible in the test output, not silent.
#[allow(clippy::print_stderr)]
fn skip_notice(message: &str) {
    eprintln!("{message}");
}

/// Drops test databases made more than an hour ago (their names carry a UUIDv7, so their
/// time), so repeated runs on one server do not pile them up.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'agenthq\\_test\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let hour_ago = hour_ago
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for name in names {
        let made = uuid::Uuid::parse_str(name.trim_start_matches("agenthq_test_"))
            .ok()
            .and_then(|u| u.get_timestamp())
            .map(|t| t.to_unix().0);
        if made.is_some_and(|secs| secs < hour_ago) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut *conn)
                .await;
        }
    }
}

impl TestStore {
    pub async fn new(backend: Backend) -> Option<Self> {
        Some(match backend {
            Backend::Memory => Self {
                url: "memory:".into(),
                store: Arc::new(MemoryStore::default()),
                _dir: None,
            },
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("agenthq.db").display());
                Self {
                    store: store::open(&url).await.expect("open sqlite"),
                    url,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let url = postgres_database().await?;
                Self {
                    store: store::open(&url).await.expect("open postgres"),
                    url,
                    _dir: None,
                }
            }
        })
    }

    /// Opens the same database again (as a restarted process would).
    pub async fn reopen(&self) -> Arc<dyn Store> {
        if self.url == "memory:" {
            return self.store.clone();
        }
        store::open(&self.url).await.expect("reopen store")
    }
}

/// Settings that keep tests quick: short ticks and backoffs.
pub fn test_config() -> RuntimeConfig {
    RuntimeConfig {
        tick: Duration::from_millis(5),
        retry: RetryPolicy {
            backoff_base: Duration::from_millis(2),
            backoff_max: Duration::from_millis(20),
            ..RetryPolicy::default()
        },
        ..RuntimeConfig::default()
    }
}

/// The built-in executors plus the test ones: `panic`, `hang`, `gauge`, `recorder`
/// (one shared [`Recorder`] per thread of tests: see [`recorder`]).
pub fn registry(gauge: &Arc<Gauge>) -> ExecutorRegistry {
    let mut registry = ExecutorRegistry::default();
    registry.register("recorder", RECORDER.with(|r| r.clone()));
    registry.register("panic", Arc::new(Panicking));
    registry.register("hang", Arc::new(Hang::default()));
    registry.register("gauge", gauge.clone());
    registry
}

/// A runtime on a fresh store, with the test executors; the store lives as long as this.
pub struct TestApp {
    pub rt: Runtime,
    pub store: TestStore,
    pub gauge: Arc<Gauge>,
}

/// Starts a runtime on a fresh store of `backend`; `None` when that backend is not
/// reachable here (PostgreSQL outside CI).
pub async fn spawn_app(backend: Backend, config: RuntimeConfig) -> Option<TestApp> {
    let store = TestStore::new(backend).await?;
    let gauge = Arc::new(Gauge::default());
    let rt = start(store.store.clone(), config, &gauge).await;
    Some(TestApp { rt, store, gauge })
}

pub async fn start(store: Arc<dyn Store>, config: RuntimeConfig, gauge: &Arc<Gauge>) -> Runtime {
    let bus = Arc::new(MemoryBus::new(config.history_len, config.subscriber_buffer));
    Runtime::start(config, store, bus, registry(gauge))
        .await
        .expect("runtime starts")
}

pub async fn workspace(rt: &Runtime, max_running: u32, max_queued: u32) -> WorkspaceId {
    rt.create_workspace(NewWorkspace {
        name: "Generic Corp".into(),
        tier: Tier::Pro,
        caps: Some(WorkspaceCaps {
            max_running,
            max_queued,
        }),
        public: false,
    })
    .await
    .expect("workspace")
    .id
}

pub async fn agent(
    rt: &Runtime,
    ws: WorkspaceId,
    name: &str,
    kind: &str,
    max_concurrent: u32,
) -> AgentId {
    rt.create_agent(
        ws,
        NewAgent {
            name: name.into(),
            personality: "steady".into(),
            executor: ExecutorConfig {
                kind: kind.into(),
                params: serde_json::json!({ "steps": 3, "step_ms": 1 }),
            },
            max_concurrent,
        },
    )
    .await
    .expect("agent")
    .id
}

/// Polls `check` every few milliseconds until it holds or `limit` passes.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until the store shows every given task in a terminal status.
pub async fn all_terminal(rt: &Runtime, ws: WorkspaceId, ids: &[TaskId], limit: Duration) {
    let filter = TaskFilter {
        limit: u32::MAX,
        ..TaskFilter::default()
    };
    eventually(limit, "all tasks terminal", || async {
        let Ok(tasks) = rt.tasks(ws, &filter).await else {
            return false;
        };
        let status: HashMap<TaskId, TaskStatus> =
            tasks.into_iter().map(|t| (t.id, t.status)).collect();
        ids.iter()
            .all(|id| status.get(id).is_some_and(|s| s.is_terminal()))
    })
    .await;
}

/// A client's copy of a topic, built only from what the subscription delivers.
pub struct Follower {
    pub topic: Topic,
    pub epoch: u64,
    pub seq: u64,
    pub state: OfficeState,
    pub sub: TopicSubscription,
}

impl Follower {
    pub async fn subscribe(rt: &Runtime, topic: Topic) -> Self {
        let sub = rt.subscribe(topic, None).await.expect("subscribe");
        let Opening::Snapshot(ServerMessage::Snapshot {
            epoch, seq, state, ..
        }) = &sub.opening
        else {
            panic!("a fresh subscription opens with a snapshot");
        };
        Self {
            topic,
            epoch: *epoch,
            seq: *seq,
            state: state.clone(),
            sub,
        }
    }

    /// Applies one delivered diff, checking it follows.
    pub fn apply(&mut self, delivery: Delivery) {
        let Delivery::Publication(p) = delivery else {
            panic!("subscriber lagged")
        };
        let ServerMessage::Diff {
            epoch, seq, ops, ..
        } = &p.message
        else {
            panic!("not a diff")
        };
        if *epoch == self.epoch && *seq <= self.seq {
            // Already in the snapshot: a subscription on a node that does not own the
            // workspace registers before asking for it, and the gateway skips these too.
            return;
        }
        assert_eq!(
            (*epoch, *seq),
            (self.epoch, self.seq + 1),
            "diffs arrive in order without gaps"
        );
        agenthq_protocol::diff::apply(&mut self.state, ops).expect("diff applies");
        self.seq = *seq;
    }

    /// Every activity line the office shows, as they are delivered, until one matches
    /// `last`.
    pub async fn lines_until(
        &mut self,
        last: impl Fn(&agenthq_protocol::ActivityLine) -> bool,
    ) -> Vec<agenthq_protocol::ActivityLine> {
        let mut seen: Vec<agenthq_protocol::ActivityLine> = Vec::new();
        loop {
            for line in &self.state.activity {
                if seen.last().is_none_or(|l| l.id < line.id) {
                    seen.push(line.clone());
                }
            }
            if seen.iter().any(&last) {
                return seen;
            }
            let next = tokio::time::timeout(Duration::from_secs(10), self.sub.stream.recv())
                .await
                .expect("the expected activity line arrives")
                .expect("stream open");
            self.apply(next);
        }
    }

    /// Applies what is delivered, collecting the ops, until one matches `last`.
    pub async fn ops_until(
        &mut self,
        last: impl Fn(&agenthq_protocol::Op) -> bool,
    ) -> Vec<agenthq_protocol::Op> {
        let mut seen = Vec::new();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(10), self.sub.stream.recv())
                .await
                .expect("the expected op arrives")
                .expect("stream open");
            if let Delivery::Publication(p) = &next
                && let ServerMessage::Diff { ops, .. } = &p.message
            {
                seen.extend(ops.ops.iter().cloned());
            }
            self.apply(next);
            if seen.iter().any(&last) {
                return seen;
            }
        }
    }

    /// Applies what is delivered until the copy reaches `seq`.
    pub async fn catch_up(&mut self, seq: u64) {
        while self.seq < seq {
            let next = tokio::time::timeout(Duration::from_secs(10), self.sub.stream.recv())
                .await
                .expect("diff arrives")
                .expect("stream open");
            self.apply(next);
        }
    }
}

/// Fails every attempt by panicking.
#[derive(Debug)]
pub struct Panicking;

#[async_trait]
impl Executor for Panicking {
    async fn run(&self, ctx: &ExecContext) -> Result<serde_json::Value, ExecError> {
        panic!("boom in task {}", ctx.task.title)
    }
}

/// Waits until cancelled, and counts the cancellations it saw.
#[derive(Debug, Default)]
pub struct Hang {
    pub saw_cancel: AtomicUsize,
}

#[async_trait]
impl Executor for Hang {
    async fn run(&self, ctx: &ExecContext) -> Result<serde_json::Value, ExecError> {
        ctx.progress(100);
        ctx.cancelled().await;
        self.saw_cancel.fetch_add(1, Ordering::SeqCst);
        Err(ExecError::permanent("cancelled"))
    }
}

/// Measures concurrency while it runs: how many attempts run at once per agent and in all,
/// checked on entry of every attempt (so continuously, not only at the end).
#[derive(Debug, Default)]
pub struct Gauge {
    global: AtomicU32,
    per_agent: DashMap<AgentId, AtomicU32>,
    pub max_global: AtomicU32,
    pub max_agent: AtomicU32,
    pub started: AtomicU32,
}

#[async_trait]
impl Executor for Gauge {
    async fn run(&self, ctx: &ExecContext) -> Result<serde_json::Value, ExecError> {
        let global = self.global.fetch_add(1, Ordering::SeqCst) + 1;
        let agent = self
            .per_agent
            .entry(ctx.agent)
            .or_default()
            .fetch_add(1, Ordering::SeqCst)
            + 1;
        self.max_global.fetch_max(global, Ordering::SeqCst);
        self.max_agent.fetch_max(agent, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        let ms = ctx
            .task
            .input
            .get("ms")
            .and_then(|v| v.as_u64())
            .unwrap_or(1);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.per_agent
            .get(&ctx.agent)
            .map(|c| c.fetch_sub(1, Ordering::SeqCst));
        self.global.fetch_sub(1, Ordering::SeqCst);
        Ok(serde_json::json!({ "ms": ms }))
    }
}

pub fn status_of(state: &OfficeState, agent: AgentId) -> agenthq_protocol::AgentStatus {
    state.agents[&agent].status
}

thread_local! {
    static RECORDER: Arc<Recorder> = Arc::default();
}

/// The recorder the runtimes started on this test's thread use.
pub fn recorder() -> Arc<Recorder> {
    RECORDER.with(|r| r.clone())
}

/// Records the title of every attempt it starts, in order; a task titled `block` waits
/// until cancelled.
#[derive(Debug, Default)]
pub struct Recorder {
    pub started: std::sync::Mutex<Vec<(String, AgentId)>>,
}

#[async_trait]
impl Executor for Recorder {
    async fn run(&self, ctx: &ExecContext) -> Result<serde_json::Value, ExecError> {
        self.started
            .lock()
            .unwrap()
            .push((ctx.task.title.clone(), ctx.agent));
        if ctx.task.title == "block" {
            ctx.cancelled().await;
        }
        Ok(serde_json::Value::Null)
    }
}
