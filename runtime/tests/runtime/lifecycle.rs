//! Task lifecycle: cancellation, timeouts, retries of the dead set, idempotent submission.

use std::time::Duration;

use agenthq_protocol::TaskStatus;
use agenthq_runtime::{NewTask, RuntimeError};

use crate::helpers::*;

#[tokio::test]
async fn cancelling_a_running_task_reaches_its_executor_and_a_queued_one_ends_at_once() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 1, 10).await;
    agent(&rt, ws, "Ada", "hang", 1).await;
    let running = rt.submit(ws, NewTask::default()).await.unwrap().task;
    let queued = rt.submit(ws, NewTask::default()).await.unwrap().task;
    eventually(Duration::from_secs(5), "first running", || async {
        rt.stats(ws).await.unwrap().running == 1
    })
    .await;

    let answer = rt.cancel(ws, queued.id).await.unwrap();
    assert_eq!(answer.status, TaskStatus::Cancelled);
    let answer = rt.cancel(ws, running.id).await.unwrap();
    assert_eq!(
        answer.status,
        TaskStatus::Running,
        "a running task ends when its attempt stops"
    );
    all_terminal(&rt, ws, &[running.id], Duration::from_secs(5)).await;
    assert_eq!(
        rt.task(ws, running.id).await.unwrap().status,
        TaskStatus::Cancelled
    );

    let again = rt.cancel(ws, running.id).await.unwrap_err();
    assert!(
        matches!(
            again,
            RuntimeError::InvalidState {
                status: TaskStatus::Cancelled,
                ..
            }
        ),
        "{again:?}"
    );
    let unknown = rt
        .cancel(ws, agenthq_protocol::TaskId::new())
        .await
        .unwrap_err();
    assert!(matches!(unknown, RuntimeError::UnknownTask(_)));
    rt.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_attempt_past_its_timeout_is_retried_then_dead_and_the_dead_set_can_be_retried() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 1, 10).await;
    agent(&rt, ws, "Ada", "hang", 1).await;
    let task = NewTask {
        timeout: Some(Duration::from_secs(30)),
        max_attempts: Some(2),
        ..NewTask::default()
    };
    let task = rt.submit(ws, task).await.unwrap().task;
    all_terminal(&rt, ws, &[task.id], Duration::from_secs(300)).await;
    let dead = rt.task(ws, task.id).await.unwrap();
    assert_eq!((dead.status, dead.attempts), (TaskStatus::Dead, 2));
    assert_eq!(dead.error.as_deref(), Some("timed out after 30000 ms"));

    let retried = rt.retry(ws, task.id).await.unwrap();
    assert_eq!((retried.status, retried.attempts), (TaskStatus::Queued, 0));
    assert!(
        rt.dead(ws, None, 10).await.unwrap().is_empty(),
        "out of the dead set"
    );
    let err = rt.retry(ws, task.id).await.unwrap_err();
    assert!(
        matches!(err, RuntimeError::InvalidState { .. }),
        "a live task cannot be retried: {err:?}"
    );
    rt.shutdown().await;
}

async fn same_key_twice_is_one_task(backend: Backend) {
    let Some(TestApp { rt, store, gauge }) = spawn_app(backend, test_config()).await else {
        return;
    };
    let ws = workspace(&rt, 2, 10).await;
    agent(&rt, ws, "Ada", "sim", 1).await;
    let keyed = || NewTask {
        title: "invoice 42".into(),
        idempotency_key: Some("invoice-42".into()),
        ..NewTask::default()
    };

    let first = rt.submit(ws, keyed()).await.unwrap();
    let second = rt.submit(ws, keyed()).await.unwrap();
    assert!(first.created && !second.created);
    assert_eq!(first.task.id, second.task.id);
    // Two in one batch, and one after the task has finished.
    let both = rt.submit_many(ws, vec![keyed(), keyed()]).await.unwrap();
    assert!(
        both.iter()
            .all(|r| r.as_ref().unwrap().task.id == first.task.id)
    );
    all_terminal(&rt, ws, &[first.task.id], Duration::from_secs(10)).await;
    assert_eq!(rt.submit(ws, keyed()).await.unwrap().task.id, first.task.id);
    rt.shutdown().await;

    // And after a restart, from the store.
    let rt = start(store.reopen().await, test_config(), &gauge).await;
    let again = rt.submit(ws, keyed()).await.unwrap();
    assert_eq!((again.task.id, again.created), (first.task.id, false));
    let all = rt
        .tasks(
            ws,
            &agenthq_runtime::TaskFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "one task for one key");
    rt.shutdown().await;
}

#[tokio::test]
async fn idempotent_submission_in_memory() {
    same_key_twice_is_one_task(Backend::Memory).await;
}

#[tokio::test]
async fn idempotent_submission_on_sqlite() {
    same_key_twice_is_one_task(Backend::Sqlite).await;
}

#[tokio::test]
async fn idempotent_submission_on_postgres() {
    same_key_twice_is_one_task(Backend::Postgres).await;
}

#[tokio::test]
async fn usage_counts_agent_time_and_outcomes_and_survives_a_restart() {
    let TestApp { rt, store, gauge } = spawn_app(Backend::Sqlite, test_config()).await.unwrap();
    let ws = workspace(&rt, 4, 20).await;
    let ada = agent(&rt, ws, "Ada", "gauge", 2).await;
    let crasher = agent(&rt, ws, "Crash", "panic", 1).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let task = NewTask {
            agent: Some(ada),
            input: serde_json::json!({ "ms": 20 }),
            ..NewTask::default()
        };
        ids.push(rt.submit(ws, task).await.unwrap().task.id);
    }
    let doomed = NewTask {
        agent: Some(crasher),
        max_attempts: Some(1),
        ..NewTask::default()
    };
    ids.push(rt.submit(ws, doomed).await.unwrap().task.id);
    all_terminal(&rt, ws, &ids, Duration::from_secs(10)).await;
    rt.shutdown().await; // Publishes the last tick and commits its usage.

    let rt = start(store.reopen().await, test_config(), &gauge).await;
    let usage = rt.usage(ws).await.unwrap();
    assert_eq!(usage.len(), 1, "one row per day");
    let day = usage[0].usage;
    assert_eq!(
        (day.succeeded, day.dead, day.failed, day.cancelled),
        (3, 1, 0, 0)
    );
    assert!(
        day.agent_ms >= 60,
        "three attempts of at least 20 ms: {}",
        day.agent_ms
    );
    rt.shutdown().await;
}

#[tokio::test]
async fn a_sim_agent_with_a_message_rate_writes_a_note_to_a_colleague_when_done() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 2, 10).await;
    let chatty = |name: &str| agenthq_runtime::NewAgent {
        name: name.into(),
        personality: "chatty".into(),
        executor: agenthq_runtime::ExecutorConfig {
            kind: "sim".into(),
            params: serde_json::json!({ "steps": 2, "step_ms": 1, "message_rate": 1.0 }),
        },
        max_concurrent: 1,
    };
    let ada = rt.create_agent(ws, chatty("Ada")).await.unwrap().id;
    let bob = rt.create_agent(ws, chatty("Bob")).await.unwrap().id;
    let task = NewTask {
        agent: Some(ada),
        title: "the launch plan".into(),
        ..NewTask::default()
    };
    let task = rt.submit(ws, task).await.unwrap().task;
    all_terminal(&rt, ws, &[task.id], Duration::from_secs(10)).await;
    let filter = agenthq_runtime::MessageFilter {
        limit: 10,
        ..Default::default()
    };
    let notes = rt.messages(ws, &filter).await.unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert_eq!((note.from, note.to), (Some(ada), Some(bob)));
    assert_eq!(note.author, "Ada");
    assert_eq!(note.task, Some(task.id));
    assert!(note.text.contains("the launch plan"), "{}", note.text);
    rt.shutdown().await;
}
