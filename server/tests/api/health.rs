use crate::helpers::*;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_says_ready_when_the_store_answers() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["store"].as_str()),
        (Some("ready"), Some("ok"))
    );
}

#[tokio::test]
async fn an_unknown_path_is_a_404() {
    let app = spawn_app().await;
    assert_eq!(app.get("/nope").await.status(), 404);
}

#[tokio::test]
async fn metrics_show_connections_frames_and_task_outcomes() {
    use agenthq_protocol::{ClientMessage, ServerMessage, Topic};

    let app = spawn_app().await;
    let ws = office(&app, true).await;
    let mut client = WsClient::connect(&app, None).await;
    client.send(&ClientMessage::Hello { token: None }).await;
    client.recv().await;
    client
        .send(&ClientMessage::Subscribe {
            topic: Topic::Tasks(ws),
            resume: None,
        })
        .await;
    assert!(matches!(
        client.recv().await,
        ServerMessage::Snapshot { .. }
    ));
    let task = app
        .runtime
        .submit(ws, agenthq_runtime::NewTask::default())
        .await
        .unwrap()
        .task
        .id;
    finished(&app, ws, task).await;
    // An API request without a credential: counted under its route, not its path.
    let refused = app.get(&format!("/api/v1/workspaces/{ws}/tasks")).await;
    assert_eq!(refused.status(), 401);

    // The office's next tick (its first is timed by the tick histogram) comes within a
    // tick of the task's end: polled, at most 5 s.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    let body = loop {
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), 200);
        let body = response.text().await.unwrap();
        if body.contains("agenthq_tick_seconds_bucket") || tokio::time::Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    for name in [
        "agenthq_ws_connections",
        "agenthq_ws_frames_sent_total",
        "agenthq_ws_bytes_sent_total",
        "agenthq_tasks_submitted_total",
        "agenthq_tasks_finished_total{status=\"succeeded\"}",
        "agenthq_tasks_waiting",
        "agenthq_tick_seconds_bucket",
        "agenthq_http_requests_total{route=\"/api/v1/workspaces/{workspace}/tasks\",method=\"GET\",status=\"4xx\"}",
        "agenthq_http_request_seconds_bucket{route=\"/api/v1/workspaces/{workspace}/tasks\"",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_cpu_seconds_total",
        "process_max_fds",
    ] {
        assert!(body.contains(name), "{name} missing from /metrics:\n{body}");
    }
    assert!(
        !body.contains(&ws.to_string()),
        "ids never become label values"
    );
}
