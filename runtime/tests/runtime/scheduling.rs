//! Scheduling: priority then FIFO, and "any agent" tasks to the least-loaded agent.

use std::time::Duration;

use agenthq_protocol::Topic;
use agenthq_runtime::NewTask;

use crate::helpers::*;

fn titled(title: &str, priority: i32) -> NewTask {
    NewTask {
        title: title.into(),
        priority,
        ..NewTask::default()
    }
}

#[tokio::test]
async fn waiting_tasks_start_by_priority_then_in_submission_order() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 1, 20).await;
    agent(&rt, ws, "Ada", "recorder", 1).await;
    let block = rt.submit(ws, titled("block", 0)).await.unwrap().task.id;
    eventually(Duration::from_secs(5), "blocker running", || async {
        rt.stats(ws).await.unwrap().running == 1
    })
    .await;

    let batch = vec![
        titled("low-1", 0),
        titled("high-1", 5),
        titled("low-2", 0),
        titled("high-2", 5),
        titled("mid", 1),
        titled("neg", -3),
    ];
    let ids: Vec<_> = rt
        .submit_many(ws, batch)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().task.id)
        .collect();
    rt.cancel(ws, block).await.unwrap();
    all_terminal(&rt, ws, &ids, Duration::from_secs(5)).await;

    let order: Vec<String> = recorder()
        .started
        .lock()
        .unwrap()
        .iter()
        .map(|(t, _)| t.clone())
        .collect();
    assert_eq!(
        order,
        ["block", "high-1", "high-2", "mid", "low-1", "low-2", "neg"]
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn tasks_for_any_agent_go_to_the_least_loaded_one() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 10, 20).await;
    let mut agents = Vec::new();
    for name in ["Ada", "Grace", "Linus"] {
        agents.push(agent(&rt, ws, name, "recorder", 3).await);
    }
    // Five long tasks, one at a time: each goes to an agent running the fewest.
    for n in 0..5 {
        rt.submit(ws, titled("block", 0)).await.unwrap();
        eventually(Duration::from_secs(5), "task running", || async {
            rt.stats(ws).await.unwrap().running == n + 1
        })
        .await;
    }
    let office = Follower::subscribe(&rt, Topic::Workspace(ws)).await;
    let mut running: Vec<u32> = agents
        .iter()
        .map(|a| office.state.agents[a].running)
        .collect();
    running.sort();
    assert_eq!(
        running,
        [1, 2, 2],
        "spread evenly, never 3 on one agent while another has 1"
    );
    rt.shutdown().await;
}
