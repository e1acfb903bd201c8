//! Tasks per second through the runtime, submit → succeeded, with the zero-duration `sim`
//! executor, on the in-memory, SQLite and PostgreSQL stores. "Durable" means the clock
//! stops only when the last terminal state is committed.
//!
//! `cargo bench -p agenthq-runtime --bench throughput`
//! PostgreSQL: `AGENTHQ_BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test);
//! a fresh database is created per run. Unreachable: that backend is skipped.

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

fn postgres_url(rt: &tokio::runtime::Runtime) -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("AGENTHQ_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    rt.block_on(async {
        let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
        let name = format!("agenthq_bench_{}", agenthq_protocol::id::new_v7().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .ok()?;
        Some(format!("{}/{name}", admin.rsplit_once('/')?.0))
    })
}

fn throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    let mut backends = vec![
        ("memory", "memory:".to_owned(), 40_000),
        ("sqlite", sqlite, 20_000),
    ];
    if let Some(url) = postgres_url(&rt) {
        backends.push(("postgres", url, 20_000));
    }
    let mut group = c.benchmark_group("submit_to_succeeded");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, url, tasks) in backends {
        let bench = rt.block_on(setup(&url));
        group.throughput(Throughput::Elements(tasks as u64));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| rt.block_on(run(&bench, tasks))).sum())
        });
        rt.block_on(bench.runtime.shutdown());
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
