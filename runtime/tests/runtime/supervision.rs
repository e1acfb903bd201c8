//! Crashes: agents restarted, tasks retried, restart storms, workspace restarts.

use std::time::Duration;

use agenthq_protocol::{AgentStatus, Op, ServerMessage, TaskStatus, Topic};
use agenthq_runtime::{Delivery, NewTask, RuntimeConfig};

use crate::helpers::*;

#[tokio::test]
async fn a_panicking_executor_restarts_its_agent_and_the_task_ends_dead() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 4, 10).await;
    let crasher = agent(&rt, ws, "Crash", "panic", 1).await;
    let mut events = rt.subscribe(Topic::Tasks(ws), None).await.unwrap().stream;

    let task = rt
        .submit(
            ws,
            NewTask {
                title: "doomed".into(),
                agent: Some(crasher),
                max_attempts: Some(3),
                ..NewTask::default()
            },
        )
        .await
        .unwrap()
        .task;
    let mut seen = Vec::new();
    while !seen.contains(&TaskStatus::Dead) {
        let Some(Delivery::Publication(p)) =
            tokio::time::timeout(Duration::from_secs(10), events.recv())
                .await
                .unwrap()
        else {
            panic!("stream ended");
        };
        let ServerMessage::Diff { ops, .. } = &p.message else {
            continue;
        };
        for op in &ops.ops {
            if let Op::TaskEvent(e) = op {
                assert_eq!(e.id, task.id);
                seen.push(e.status);
            }
        }
    }
    // Two retries (back to queued), then dead on the third attempt.
    assert_eq!(
        seen,
        [TaskStatus::Queued, TaskStatus::Queued, TaskStatus::Dead]
    );
    let stored = rt.task(ws, task.id).await.unwrap();
    assert_eq!((stored.status, stored.attempts), (TaskStatus::Dead, 3));
    assert!(
        stored.error.as_deref().unwrap_or_default().contains("boom"),
        "{:?}",
        stored.error
    );
    assert_eq!(rt.dead(ws, None, 10).await.unwrap().len(), 1);

    let snapshot = Follower::subscribe(&rt, Topic::Workspace(ws)).await;
    let view = &snapshot.state.agents[&crasher];
    assert_eq!(
        (view.restarts, view.status),
        (3, AgentStatus::Idle),
        "restarted each time, not faulted"
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn a_restart_storm_faults_the_agent_and_hands_its_tasks_to_others() {
    let config = RuntimeConfig {
        max_restarts: 2,
        ..test_config()
    };
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, config).await.unwrap();
    let ws = workspace(&rt, 4, 20).await;
    let crasher = agent(&rt, ws, "Crash", "panic", 1).await;
    let steady = agent(&rt, ws, "Steady", "sim", 1).await;

    let mut ids = Vec::new();
    for n in 0..6 {
        let task = NewTask {
            title: format!("t{n}"),
            agent: Some(crasher),
            max_attempts: Some(10),
            ..NewTask::default()
        };
        ids.push(rt.submit(ws, task).await.unwrap().task.id);
    }
    all_terminal(&rt, ws, &ids, Duration::from_secs(20)).await;
    for id in &ids {
        let task = rt.task(ws, *id).await.unwrap();
        assert_eq!(task.status, TaskStatus::Succeeded, "{task:?}");
        assert_eq!(
            task.assigned,
            Some(steady),
            "the faulted agent's work went to another agent"
        );
    }
    let office = Follower::subscribe(&rt, Topic::Workspace(ws)).await;
    assert_eq!(status_of(&office.state, crasher), AgentStatus::Faulted);
    assert_eq!(office.state.agents[&crasher].restarts, 3);
    assert_eq!(rt.stats(ws).await.unwrap().faulted, 1);

    rt.reset_agent(ws, crasher).await.unwrap();
    assert_eq!(rt.stats(ws).await.unwrap().faulted, 0);
    rt.shutdown().await;
}

#[tokio::test]
async fn a_crashed_workspace_restarts_from_the_store_with_a_new_epoch() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Sqlite, test_config()).await.unwrap();
    let ws = workspace(&rt, 4, 20).await;
    agent(&rt, ws, "Ada", "sim", 1).await;
    let mut office = Follower::subscribe(&rt, Topic::Workspace(ws)).await;
    let before = office.epoch;

    let slow = NewTask {
        title: "slow".into(),
        input: serde_json::json!({ "steps": 4, "step_ms": 40 }),
        ..NewTask::default()
    };
    let task = rt.submit(ws, slow).await.unwrap().task;
    eventually(Duration::from_secs(5), "task running", || async {
        rt.stats(ws).await.map(|s| s.running == 1).unwrap_or(false)
    })
    .await;

    rt.crash_workspace(ws).await.unwrap();
    // The new incarnation announces itself to existing subscribers with a new epoch.
    let epoch = loop {
        let Some(Delivery::Publication(p)) =
            tokio::time::timeout(Duration::from_secs(10), office.sub.stream.recv())
                .await
                .unwrap()
        else {
            panic!("stream ended");
        };
        if p.epoch != before {
            break p.epoch;
        }
    };
    assert_eq!(epoch, before + 1);
    eventually(Duration::from_secs(5), "workspace back", || async {
        rt.stats(ws)
            .await
            .map(|s| s.epoch == epoch)
            .unwrap_or(false)
    })
    .await;

    // The task that was running is re-queued (attempt + 1) and completes.
    all_terminal(&rt, ws, &[task.id], Duration::from_secs(10)).await;
    let done = rt.task(ws, task.id).await.unwrap();
    assert_eq!((done.status, done.attempts), (TaskStatus::Succeeded, 2));
    let after = rt.submit(ws, NewTask::default()).await.unwrap();
    all_terminal(&rt, ws, &[after.task.id], Duration::from_secs(10)).await;
    office = Follower::subscribe(&rt, Topic::Workspace(ws)).await;
    assert_eq!(office.epoch, epoch);
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_idle_agents_actor_stops_and_starts_again_with_its_next_task() {
    let config = RuntimeConfig {
        agent_idle_timeout: Some(Duration::from_secs(60)),
        ..test_config()
    };
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, config).await.unwrap();
    let ws = workspace(&rt, 2, 10).await;
    agent(&rt, ws, "Ada", "sim", 1).await;
    assert_eq!(
        rt.stats(ws).await.unwrap().live_actors,
        0,
        "no actor before the first task"
    );

    let first = rt.submit(ws, NewTask::default()).await.unwrap().task.id;
    all_terminal(&rt, ws, &[first], Duration::from_secs(10)).await;
    assert_eq!(rt.stats(ws).await.unwrap().live_actors, 1);
    tokio::time::sleep(Duration::from_secs(61)).await;
    eventually(Duration::from_secs(5), "idle actor stopped", || async {
        rt.stats(ws).await.unwrap().live_actors == 0
    })
    .await;

    let second = rt.submit(ws, NewTask::default()).await.unwrap().task.id;
    all_terminal(&rt, ws, &[second], Duration::from_secs(10)).await;
    assert_eq!(
        rt.task(ws, second).await.unwrap().status,
        TaskStatus::Succeeded
    );
    assert_eq!(rt.stats(ws).await.unwrap().live_actors, 1);
    rt.shutdown().await;
}
