//! Crash durability: a process killed mid-run loses no acknowledged task.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use agenthq_protocol::TaskId;
use agenthq_runtime::{TaskFilter, store};

use crate::helpers::*;

const TASKS: usize = 3_000;

/// Runs `agenthq-workload` against the store, kills it (SIGKILL) once about half the
/// tasks are acknowledged, restarts a runtime on the same store and checks that every
/// acknowledged task reaches exactly one terminal state.
async fn killed_mid_run_loses_nothing(backend: Backend) {
    let Some(TestApp {
        rt,
        store: test_store,
        gauge,
    }) = spawn_app(backend, test_config()).await
    else {
        return;
    };
    let ws = workspace(&rt, 16, 10_000).await;
    for name in ["Ada", "Grace", "Linus", "Barbara"] {
        agent(&rt, ws, name, "sim", 2).await;
    }
    rt.shutdown().await;

    let mut child = Command::new(env!("CARGO_BIN_EXE_agenthq-workload"))
        .args([test_store.url.as_str(), &ws.to_string(), &TASKS.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start agenthq-workload");
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut acked = Vec::new();
        let mut killed = false;
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(id) = line.strip_prefix("ack ") {
                acked.push(id.parse::<TaskId>().expect("task id"));
            }
            if !killed && acked.len() >= TASKS / 2 {
                child.kill().expect("kill"); // SIGKILL: no graceful shutdown.
                killed = true;
            }
        }
        let _ = child.wait();
        (acked, killed)
    });
    let (acked, killed) = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    assert!(killed, "the workload was killed mid-run");
    assert!(
        acked.len() >= TASKS / 2 && acked.len() < TASKS,
        "acked {}",
        acked.len()
    );

    let everything = TaskFilter {
        limit: 100_000,
        ..TaskFilter::default()
    };
    let store = store::open(&test_store.url).await.unwrap();
    let before = store.tasks(ws, &everything).await.unwrap();
    assert!(
        before.iter().any(|t| !t.status.is_terminal()),
        "the kill left work unfinished, so recovery is tested"
    );
    let rt = start(store, test_config(), &gauge).await;
    all_terminal(&rt, ws, &acked, Duration::from_secs(120)).await;
    let all = rt.tasks(ws, &everything).await.unwrap();
    for id in &acked {
        assert_eq!(
            all.iter().filter(|t| t.id == *id).count(),
            1,
            "task {id} stored once"
        );
    }
    // Tasks stored but not yet acknowledged when the process died run as well.
    let live: Vec<TaskId> = all
        .iter()
        .filter(|t| !t.status.is_terminal())
        .map(|t| t.id)
        .collect();
    all_terminal(&rt, ws, &live, Duration::from_secs(60)).await;
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_loses_no_acknowledged_task_on_sqlite() {
    killed_mid_run_loses_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_run_loses_no_acknowledged_task_on_postgres() {
    killed_mid_run_loses_nothing(Backend::Postgres).await;
}
