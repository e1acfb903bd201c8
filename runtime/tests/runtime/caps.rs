//! Admission and concurrency caps.

use std::sync::atomic::Ordering;
use std::time::Duration;

use agenthq_runtime::{NewTask, RuntimeError};

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
