//! `agenthq tail` follows a workspace over the wire protocol and prints its events.

use std::time::Duration;

use agenthq_runtime::NewTask;
use agenthq_server::tail;
use tokio::sync::mpsc;

use crate::helpers::*;

#[tokio::test]
async fn tail_prints_the_office_then_agents_working_and_tasks_finishing() {
    let app = spawn_app().await;
    let ws = office(&app, true).await;
    let (out, mut lines) = mpsc::channel(1024);
    let url = format!("ws://127.0.0.1:{}/ws", app.port);
    let tailing = tokio::spawn(async move { tail::run(&url, ws, None, out).await });

    let first = tokio::time::timeout(Duration::from_secs(10), lines.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first, "Generic Corp: 3 agents, 0 live tasks");
    // Long enough to span several ticks, so each change shows (a task that starts and
    // ends within one tick is coalesced away on the office topic).
    let task = NewTask {
        title: "ship the release notes".into(),
        input: serde_json::json!({ "steps": 4, "step_ms": 100 }),
        ..NewTask::default()
    };
    app.runtime.submit(ws, task).await.unwrap();

    let (mut working, mut done) = (false, false);
    while !(working && done) {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.recv())
            .await
            .expect("more events")
            .unwrap();
        working |= line.starts_with("agent")
            && (line.ends_with("is thinking") || line.ends_with("is working"));
        done |= line.starts_with("done") && line.contains("\"ship the release notes\"");
    }
    drop(lines);
    tailing.abort();
}

#[tokio::test]
async fn tail_needs_a_credential_for_a_private_workspace_and_says_why_without() {
    let app = spawn_app().await;
    let private = office(&app, false).await;
    let (out, _lines) = mpsc::channel(16);
    let url = format!("ws://127.0.0.1:{}/ws", app.port);
    let err = tail::run(&url, private, None, out).await.unwrap_err();
    assert!(err.to_string().contains("NotFound"), "{err}");

    // With a key of the workspace it follows it.
    let key = agenthq_server::auth::api_key::generate(
        private,
        "tail",
        agenthq_runtime::store::Role::Viewer,
        None,
    );
    app.runtime
        .store()
        .create_api_key(&key.record)
        .await
        .unwrap();
    let (out, mut lines) = mpsc::channel(16);
    let tailing =
        tokio::spawn(async move { tail::run(&url, private, Some(&key.secret), out).await });
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), lines.recv())
        .await
        .expect("a line within 10 s");
    assert!(first.is_some(), "{:?}", tailing.is_finished());
    tailing.abort();

    let err = tail::run("ws://127.0.0.1:1/ws", private, None, mpsc::channel(1).0)
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("cannot connect"), "{err}");
}
