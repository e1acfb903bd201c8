//! Admission: concurrency caps, the queue's bound, and the agent-minute quota.

use std::sync::atomic::Ordering;
use std::time::Duration;

use agenthq_protocol::{ActivityKind, Topic};
use agenthq_runtime::{NewTask, RuntimeError};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn submissions_past_max_queued_get_queue_full_and_are_not_buffered() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 1, 3).await;
    agent(&rt, ws, "Ada", "hang", 1).await;
    let task = |n: u32| NewTask {
        title: format!("t{n}"),
        ..NewTask::default()
    };

    let first = rt.submit(ws, task(0)).await.unwrap();
    eventually(Duration::from_secs(5), "first task running", || async {
        rt.stats(ws).await.unwrap().running == 1
    })
    .await;
    for n in 1..=3 {
        rt.submit(ws, task(n)).await.expect("room in the queue");
    }
    let refused = rt.submit(ws, task(4)).await.unwrap_err();
    assert!(
        matches!(
            refused,
            RuntimeError::QueueFull {
                queued: 3,
                max_queued: 3,
                ..
            }
        ),
        "{refused:?}"
    );
    let stats = rt.stats(ws).await.unwrap();
    assert_eq!(
        (stats.running, stats.waiting),
        (1, 3),
        "the refused task was not buffered"
    );

    // Room frees when a task leaves the queue.
    rt.cancel(ws, first.task.id).await.unwrap();
    eventually(Duration::from_secs(5), "next task running", || async {
        rt.stats(ws).await.unwrap().waiting == 2
    })
    .await;
    rt.submit(ws, task(5)).await.expect("room again");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_tasks_never_exceed_any_cap_under_concurrent_submitters() {
    let TestApp {
        rt,
        gauge,
        store: _store,
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let (max_running, max_concurrent) = (6, 2);
    let ws = workspace(&rt, max_running, 40).await;
    for name in ["Ada", "Grace", "Linus", "Barbara"] {
        agent(&rt, ws, name, "gauge", max_concurrent).await;
    }
    let mut submitters = Vec::new();
    for s in 0..8 {
        let rt = rt.clone();
        submitters.push(tokio::spawn(async move {
            let (mut accepted, mut refused) = (Vec::new(), 0);
            for n in 0..60 {
                let task = NewTask {
                    title: format!("s{s}-{n}"),
                    input: serde_json::json!({ "ms": 1 + n % 3 }),
                    priority: n % 4,
                    ..NewTask::default()
                };
                match rt.submit(ws, task).await {
                    Ok(s) => accepted.push(s.task.id),
                    Err(RuntimeError::QueueFull { .. }) => {
                        refused += 1;
                        tokio::task::yield_now().await;
                    }
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            (accepted, refused)
        }));
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for s in submitters {
        let (a, r) = s.await.unwrap();
        accepted.extend(a);
        refused += r;
    }
    all_terminal(&rt, ws, &accepted, Duration::from_secs(30)).await;
    assert!(refused > 0, "the workload should push past max_queued");
    assert_eq!(
        gauge.started.load(Ordering::SeqCst) as usize,
        accepted.len()
    );
    assert!(
        gauge.max_global.load(Ordering::SeqCst) <= max_running,
        "workspace cap held"
    );
    assert!(
        gauge.max_agent.load(Ordering::SeqCst) <= max_concurrent,
        "agent cap held"
    );
    assert_eq!(
        gauge.max_global.load(Ordering::SeqCst),
        max_running,
        "the cap was reached, so it was tested"
    );
    rt.shutdown().await;
}

/// One agent-minute a month: seeded simulated work under paused time runs 30 s, then
/// 24 s (90 %: the warning), then 20 s (past 100 %: the last line); the next submission is
/// refused until next month, and still after a restart, counted from the stored usage.
#[tokio::test(start_paused = true)]
async fn agent_minutes_warn_at_80_percent_then_refuse_and_the_count_survives_a_restart() {
    let mut config = test_config();
    config.tiers.pro.agent_minutes_per_month = 1;
    let TestApp { rt, store, gauge } = spawn_app(Backend::Memory, config.clone()).await.unwrap();
    let ws = workspace(&rt, 1, 10).await;
    let ada = agent(&rt, ws, "Ada", "sim", 1).await;
    let work = |steps: u32| NewTask {
        agent: Some(ada),
        title: format!("{steps} s of work"),
        input: json!({ "steps": steps, "step_ms": 1_000, "seed": 7 }),
        ..NewTask::default()
    };
    // What the office shows now (a fresh snapshot holds the latest lines).
    let quota_lines = |rt: &agenthq_runtime::Runtime| {
        let rt = rt.clone();
        async move {
            let office = Follower::subscribe(&rt, Topic::Workspace(ws)).await;
            office
                .state
                .activity
                .iter()
                .filter(|l| l.kind == ActivityKind::Status && l.text.starts_with("Agent-minute"))
                .map(|l| l.text.clone())
                .collect::<Vec<_>>()
        }
    };
    let agent_ms = |rt: &agenthq_runtime::Runtime| {
        let rt = rt.clone();
        async move {
            let rows = rt.usage(ws).await.unwrap();
            rows.iter().map(|r| r.usage.agent_ms).sum::<u64>()
        }
    };

    let first = rt.submit(ws, work(30)).await.unwrap().task;
    all_terminal(&rt, ws, &[first.id], Duration::from_secs(120)).await;
    assert_eq!(
        quota_lines(&rt).await,
        Vec::<String>::new(),
        "half a minute: no word yet"
    );

    let second = rt.submit(ws, work(24)).await.unwrap().task;
    all_terminal(&rt, ws, &[second.id], Duration::from_secs(120)).await;
    assert_eq!(
        quota_lines(&rt).await,
        ["Agent-minute quota: 80 % of this month's 1 minutes used"]
    );

    // Still under the limit when submitted: it runs, and its time crosses it.
    let third = rt.submit(ws, work(20)).await.unwrap().task;
    all_terminal(&rt, ws, &[third.id], Duration::from_secs(120)).await;
    assert_eq!(
        quota_lines(&rt).await,
        [
            "Agent-minute quota: 80 % of this month's 1 minutes used",
            "Agent-minute quota: all 1 of this month's minutes used; submissions are refused until next month",
        ]
    );
    let refused = rt.submit(ws, work(1)).await.unwrap_err();
    assert!(
        matches!(
            &refused,
            RuntimeError::QuotaExceeded {
                quota: "agent-minutes per month",
                used: 1,
                limit: 1,
                retry_after_secs,
            } if *retry_after_secs > 0 && *retry_after_secs <= 31 * 86_400
        ),
        "{refused:?}"
    );
    eventually(Duration::from_secs(10), "agent time stored", || async {
        agent_ms(&rt).await >= 60_000
    })
    .await;
    rt.shutdown().await;

    let rt = start(store.reopen().await, config, &gauge).await;
    assert!(agent_ms(&rt).await >= 60_000);
    let refused = rt.submit(ws, work(1)).await.unwrap_err();
    assert!(
        matches!(refused, RuntimeError::QuotaExceeded { .. }),
        "the count came back from the store: {refused:?}"
    );
    rt.shutdown().await;
}
