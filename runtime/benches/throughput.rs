//! Tasks per second through the runtime, submit → succeeded, with the zero-duration `sim`
//! executor, on the in-memory, SQLite and PostgreSQL stores. "Durable" means the clock
//! stops only when the last terminal state is committed.
//!
//! `cargo bench -p agenthq-runtime --bench throughput`
//! PostgreSQL: `AGENTHQ_BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test);
//! every sample runs on a fresh store (a new database, file or map), created and dropped
//! outside the timing. Unreachable PostgreSQL: that backend is skipped, with a message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agenthq_protocol::{Op, ServerMessage, Tier, Topic, WorkspaceId};
use agenthq_runtime::{
    Delivery, ExecutorConfig, ExecutorRegistry, MemoryBus, NewAgent, NewTask, NewWorkspace,
    Runtime, RuntimeConfig, WorkspaceCaps, store,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const WORKSPACES: usize = 8;
const AGENTS: usize = 8;
const BATCH: usize = 250;

struct Bench {
    runtime: Runtime,
    workspaces: Vec<WorkspaceId>,
}

async fn setup(url: &str) -> Bench {
    let config = RuntimeConfig::default();
    let bus = Arc::new(MemoryBus::new(config.history_len, 1 << 16));
    let store = store::open(url).await.expect("store");
    let runtime = Runtime::start(config, store, bus, ExecutorRegistry::default())
        .await
        .expect("runtime");
    let mut workspaces = Vec::new();
    for w in 0..WORKSPACES {
        let caps = WorkspaceCaps {
            max_running: 64,
            max_queued: 1_000_000,
        };
        let ws = runtime
            .create_workspace(NewWorkspace {
                name: format!("bench {w}"),
                tier: Tier::Enterprise,
                caps: Some(caps),
                public: false,
            })
            .await
            .expect("workspace")
            .id;
        for a in 0..AGENTS {
            let executor = ExecutorConfig {
                kind: "sim".into(),
                params: serde_json::json!({ "steps": 0, "step_ms": 0 }),
            };
            let agent = NewAgent {
                name: format!("agent {a}"),
                executor,
                max_concurrent: 8,
                ..NewAgent::default()
            };
            runtime.create_agent(ws, agent).await.expect("agent");
        }
        workspaces.push(ws);
    }
    Bench {
        runtime,
        workspaces,
    }
}

/// Submits `total` tasks over all workspaces from one submitter per workspace and waits
/// for every one to succeed and its state to be committed.
async fn run(bench: &Bench, total: usize) -> Duration {
    let per_ws = total / bench.workspaces.len();
    let mut watchers = Vec::new();
    for ws in &bench.workspaces {
        let mut events = bench
            .runtime
            .subscribe(Topic::Tasks(*ws), None)
            .await
            .expect("subscribe")
            .stream;
        watchers.push(tokio::spawn(async move {
            let mut done = 0;
            while done < per_ws {
                match events.recv().await {
                    Some(Delivery::Publication(p)) => {
                        if let ServerMessage::Diff { ops, .. } = &p.message {
                            done += ops
                                .ops
                                .iter()
                                .filter(
                                    |op| matches!(op, Op::TaskEvent(e) if e.status.is_terminal()),
                                )
                                .count();
                        }
                    }
                    other => panic!("event stream broke: {other:?}"),
                }
            }
        }));
    }
    let start = Instant::now();
    let mut submitters = Vec::new();
    for ws in bench.workspaces.clone() {
        let runtime = bench.runtime.clone();
        submitters.push(tokio::spawn(async move {
            let mut sent = 0;
            while sent < per_ws {
                let n = BATCH.min(per_ws - sent);
                let tasks = (0..n)
                    .map(|_| NewTask {
                        title: "bench".into(),
                        ..NewTask::default()
                    })
                    .collect();
                for answer in runtime.submit_many(ws, tasks).await.expect("submit") {
                    answer.expect("accepted");
                }
                sent += n;
            }
        }));
    }
    for s in submitters {
        s.await.expect("submitter");
    }
    for w in watchers {
        w.await.expect("watcher");
    }
    bench.runtime.flush().await.expect("flush");
    start.elapsed()
}

/// A fresh PostgreSQL database, or `None` when the server is not reachable.
async fn postgres_database() -> Option<String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&admin_url()).await.ok()?;
    let name = format!("agenthq_bench_{}", agenthq_protocol::id::new_v7().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .ok()?;
    Some(format!("{}/{name}", admin_url().rsplit_once('/')?.0))
}

async fn drop_postgres_database(url: &str) {
    use sqlx::Connection;
    let (Ok(mut conn), Some((_, name))) = (
        sqlx::PgConnection::connect(&admin_url()).await,
        url.rsplit_once('/'),
    ) else {
        return;
    };
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await;
}

fn admin_url() -> String {
    std::env::var("AGENTHQ_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[derive(Clone, Copy)]
enum Backend {
    Memory,
    Sqlite,
    Postgres,
}

/// A store URL for one sample: every sample starts from an empty store, so samples are
/// alike (the memory store keeps every task; a growing store would slow later samples).
async fn fresh_store(backend: Backend, dir: &std::path::Path) -> Option<String> {
    match backend {
        Backend::Memory => Some("memory:".into()),
        Backend::Sqlite => {
            let path = dir.join(format!(
                "bench-{}.db",
                agenthq_protocol::id::new_v7().simple()
            ));
            Some(format!("sqlite://{}", path.display()))
        }
        Backend::Postgres => postgres_database().await,
    }
}

/// One sample: setup (not timed), the run (timed), teardown (not timed).
async fn sample(backend: Backend, dir: &std::path::Path, tasks: usize) -> Duration {
    let url = fresh_store(backend, dir).await.expect("store");
    let bench = setup(&url).await;
    let took = run(&bench, tasks).await;
    bench.runtime.shutdown().await;
    if let Backend::Postgres = backend {
        drop_postgres_database(&url).await;
    }
    took
}

#[allow(clippy::print_stderr)] // A skipped backend must be said, on the console.
fn throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut backends = vec![
        ("memory", Backend::Memory, 40_000),
        ("sqlite", Backend::Sqlite, 20_000),
    ];
    match rt.block_on(postgres_database()) {
        Some(url) => {
            rt.block_on(drop_postgres_database(&url));
            backends.push(("postgres", Backend::Postgres, 20_000));
        }
        None => eprintln!("PostgreSQL unreachable at {}: skipping it", admin_url()),
    }
    let mut group = c.benchmark_group("submit_to_succeeded");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, backend, tasks) in backends {
        group.throughput(Throughput::Elements(tasks as u64));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| rt.block_on(sample(backend, dir.path(), tasks)))
                    .sum()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
