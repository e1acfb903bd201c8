//! The task and agent endpoints: submission with idempotency, cursor pages and filters,
//! cancel, the dead set and retry, usage, and the errors bad requests get.

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::store::{Membership, Role};
use agenthq_runtime::{NewWorkspace, WorkspaceCaps};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// A signed-in owner and their new workspace (no agents yet, so tasks stay queued).
async fn owner_and_workspace(app: &TestApp) -> (Session, WorkspaceId) {
    let owner = app.register("ada@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    (owner, ws)
}

async fn submit(app: &TestApp, token: &str, ws: WorkspaceId, body: Value) -> (u16, Value) {
    let path = format!("/api/v1/workspaces/{ws}/tasks");
    app.call(Method::POST, &path, Some(token), Some(body)).await
}

/// Polls a task over the API until `done` holds (at most 30 s).
async fn await_task(
    app: &TestApp,
    token: &str,
    ws: WorkspaceId,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/v1/workspaces/{ws}/tasks/{id}");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (status, task) = app.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(status, 200, "{task}");
        if done(&task) {
            return task;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "task never got there: {task}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_first_task() {
    let app = spawn_app().await;
    let (owner, ws) = owner_and_workspace(&app).await;
    let (status, first) = submit(
        &app,
        &owner.access,
        ws,
        json!({ "title": "once", "idempotency_key": "k-1" }),
    )
    .await;
    assert_eq!(status, 201, "{first}");

    let path = format!("/api/v1/workspaces/{ws}/tasks");
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&owner.access)
        .header("Idempotency-Key", "k-1")
        .json(&json!({ "title": "twice" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "a repeat is not created again");
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["title"], "once");

    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&owner.access)
        .header("Idempotency-Key", "k-2")
        .json(&json!({ "title": "which", "idempotency_key": "k-3" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422, "header and body disagree");
}

#[tokio::test]
async fn task_lists_page_by_cursor_newest_first_and_filter() {
    let app = spawn_app().await;
    let (owner, ws) = owner_and_workspace(&app).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let (status, task) = submit(
            &app,
            &owner.access,
            ws,
            json!({ "title": format!("task {i}") }),
        )
        .await;
        assert_eq!(status, 201);
        ids.push(task["id"].as_str().unwrap().to_owned());
    }
    ids.reverse(); // newest first

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/api/v1/workspaces/{ws}/tasks?limit=3&status=queued");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = app
            .call(Method::GET, &path, Some(&owner.access), None)
            .await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every task once, newest first");
    assert_eq!(pages, 3);

    let running = format!("/api/v1/workspaces/{ws}/tasks?status=running");
    let (_, page) = app
        .call(Method::GET, &running, Some(&owner.access), None)
        .await;
    assert!(page["items"].as_array().unwrap().is_empty());

    // By agent: only what was submitted to (or run by) it.
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let body = json!({ "name": "Sable", "executor": { "kind": "sim", "params": { "steps": 1, "step_ms": 1 } } });
    let (status, agent) = app
        .call(Method::POST, &agents, Some(&owner.access), Some(body))
        .await;
    assert_eq!(status, 201, "{agent}");
    let agent_id = agent["id"].as_str().unwrap();
    let (_, mine) = submit(
        &app,
        &owner.access,
        ws,
        json!({ "title": "for Sable", "agent": agent_id }),
    )
    .await;
    let by_agent = format!("/api/v1/workspaces/{ws}/tasks?agent={agent_id}");
    let (_, page) = app
        .call(Method::GET, &by_agent, Some(&owner.access), None)
        .await;
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&mine["id"].as_str().unwrap()), "{page}");
    for task in page["items"].as_array().unwrap() {
        assert!(
            task["agent"] == agent_id || task["assigned"] == agent_id,
            "only Sable's tasks: {task}"
        );
    }

    for bad in [
        "status=sleeping",
        "limit=0",
        "limit=201",
        "cursor=yesterday",
        "agent=nobody",
    ] {
        let path = format!("/api/v1/workspaces/{ws}/tasks?{bad}");
        let (status, body) = app
            .call(Method::GET, &path, Some(&owner.access), None)
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("bad_request")),
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn cancel_retry_the_dead_set_and_usage() {
    let app = spawn_app().await;
    let (owner, ws) = owner_and_workspace(&app).await;
    let (_, queued) = submit(&app, &owner.access, ws, json!({ "title": "never mind" })).await;
    let cancel = format!(
        "/api/v1/workspaces/{ws}/tasks/{}/cancel",
        queued["id"].as_str().unwrap()
    );
    let (status, cancelled) = app
        .call(Method::POST, &cancel, Some(&owner.access), None)
        .await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    let (status, again) = app
        .call(Method::POST, &cancel, Some(&owner.access), None)
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (409, Some("invalid_state"))
    );

    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let flaky = json!({ "name": "Flaky", "executor": { "kind": "sim", "params": { "steps": 1, "step_ms": 1, "fail_rate": 1.0 } } });
    assert_eq!(
        app.call(Method::POST, &agents, Some(&owner.access), Some(flaky))
            .await
            .0,
        201
    );
    let (_, doomed) = submit(
        &app,
        &owner.access,
        ws,
        json!({ "title": "doomed", "max_attempts": 1 }),
    )
    .await;
    let id = doomed["id"].as_str().unwrap();
    let dead = await_task(&app, &owner.access, ws, id, |t| t["status"] == "dead").await;
    assert_eq!(dead["attempts"], 1);

    let (status, set) = app
        .call(
            Method::GET,
            &format!("/api/v1/workspaces/{ws}/dead"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(set["items"][0]["id"], id);

    let retry = format!("/api/v1/workspaces/{ws}/tasks/{id}/retry");
    let (status, retried) = app
        .call(Method::POST, &retry, Some(&owner.access), None)
        .await;
    assert_eq!(status, 200, "{retried}");
    assert_ne!(retried["status"], "dead");

    // Usage is written at the workspace's next tick: poll (bounded) until it shows.
    let usage_path = format!("/api/v1/workspaces/{ws}/usage");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let usage = loop {
        let (status, usage) = app
            .call(Method::GET, &usage_path, Some(&owner.access), None)
            .await;
        assert_eq!(status, 200);
        if usage["total"]["dead"].as_u64() >= Some(1)
            && usage["total"]["cancelled"].as_u64() >= Some(1)
        {
            break usage;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "usage never counted: {usage}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(
        usage["days"][0]["day"].as_str().unwrap().len(),
        10,
        "{usage}"
    );
}

#[tokio::test]
async fn agents_are_created_changed_and_removed() {
    let app = spawn_app().await;
    let (owner, ws) = owner_and_workspace(&app).await;
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let (status, agent) = app
        .call(
            Method::POST,
            &agents,
            Some(&owner.access),
            Some(json!({ "name": "Yuki", "personality": "calm under fire" })),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    assert_eq!(agent["executor"]["kind"], "sim");
    assert_eq!(agent["max_concurrent"], 1);
    let one = format!("{agents}/{}", agent["id"].as_str().unwrap());

    let (status, changed) = app
        .call(
            Method::PATCH,
            &one,
            Some(&owner.access),
            Some(json!({ "max_concurrent": 3 })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            changed["max_concurrent"].as_u64(),
            changed["personality"].as_str()
        ),
        (Some(3), Some("calm under fire"))
    );

    let bad = json!({ "name": "X", "executor": { "kind": "telepathy" } });
    let (status, body) = app
        .call(Method::POST, &agents, Some(&owner.access), Some(bad))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid")),
        "{body}"
    );
    let (status, _) = app
        .call(
            Method::POST,
            &agents,
            Some(&owner.access),
            Some(json!({ "name": "" })),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = app
        .call(
            Method::PATCH,
            &one,
            Some(&owner.access),
            Some(json!({ "max_concurrent": 0 })),
        )
        .await;
    assert_eq!(status, 422);

    assert_eq!(
        app.call(Method::DELETE, &one, Some(&owner.access), None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.call(Method::GET, &one, Some(&owner.access), None)
            .await
            .0,
        404
    );
    assert_eq!(
        app.call(Method::DELETE, &one, Some(&owner.access), None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn bad_requests_get_the_right_status_and_a_json_error() {
    let app = spawn_app_with(|s| s.max_body_bytes = 1024).await;
    let (owner, ws) = owner_and_workspace(&app).await;
    let tasks = format!("{}/api/v1/workspaces/{ws}/tasks", app.address);
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .post(&tasks)
            .bearer_auth(&owner.access)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases = [
        (
            raw("{\"title\":", "application/json").await.unwrap(),
            400,
            "bad_request",
        ),
        (
            raw("{\"title\": 5}", "application/json").await.unwrap(),
            422,
            "invalid",
        ),
        (
            raw("{\"title\": \"x\"}", "text/plain").await.unwrap(),
            415,
            "unsupported_media_type",
        ),
    ];
    for (response, status, code) in cases {
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
    }
    let big = json!({ "title": "big", "input": "x".repeat(2000) });
    let (status, body) = submit(&app, &owner.access, ws, big).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );

    let (status, body) = submit(&app, &owner.access, ws, json!({ "title": "" })).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid"))
    );
    let unknown_agent =
        json!({ "title": "x", "agent": agenthq_protocol::AgentId::new().to_string() });
    assert_eq!(submit(&app, &owner.access, ws, unknown_agent).await.0, 404);

    let path = format!("/api/v1/workspaces/{ws}/tasks/not-a-uuid");
    let (status, body) = app
        .call(Method::GET, &path, Some(&owner.access), None)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let path = format!(
        "/api/v1/workspaces/{ws}/tasks/{}",
        agenthq_protocol::TaskId::new()
    );
    assert_eq!(
        app.call(Method::GET, &path, Some(&owner.access), None)
            .await
            .0,
        404
    );
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/no/such/route",
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

#[tokio::test]
async fn a_full_queue_answers_429_queue_full_with_retry_after() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let caps = WorkspaceCaps {
        max_running: 1,
        max_queued: 2,
    };
    let ws = app
        .runtime
        .create_workspace(NewWorkspace {
            name: "Tiny".into(),
            tier: agenthq_protocol::Tier::Free,
            caps: Some(caps),
            public: false,
        })
        .await
        .unwrap()
        .id;
    let membership = Membership {
        workspace: ws,
        user: owner.user_id,
        role: Role::Owner,
        created_at: 1,
    };
    app.runtime
        .store()
        .put_membership(&membership)
        .await
        .unwrap();
    for i in 0..2 {
        assert_eq!(
            submit(&app, &owner.access, ws, json!({ "title": format!("t{i}") }))
                .await
                .0,
            201
        );
    }
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/tasks"),
            Some(&owner.access),
            Some(json!({ "title": "one too many" })),
        )
        .await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "queue_full");
}

#[tokio::test]
async fn a_batch_is_stored_together_with_one_answer_per_task() {
    let app = spawn_app().await;
    let session = app.register("batch@example.com").await;
    let token = session.access.as_str();
    let id = app.create_workspace(token, "Batch").await;
    let url = format!("/api/v1/workspaces/{id}/tasks/batch");
    // Ten new tasks and a repeated key: each its own answer, in order.
    let mut tasks: Vec<serde_json::Value> = (0..10)
        .map(|n| serde_json::json!({ "title": format!("task {n}"), "idempotency_key": format!("k{n}") }))
        .collect();
    tasks.insert(
        5,
        serde_json::json!({ "title": "again", "idempotency_key": "k3" }),
    );
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &url,
            Some(token),
            Some(serde_json::json!({ "tasks": tasks })),
        )
        .await;
    assert_eq!(status, 200);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    for (i, r) in results.iter().enumerate().filter(|(i, _)| *i != 5) {
        assert_eq!(r["status"], 201, "task {i}");
        assert!(r["task"]["title"].is_string());
    }
    assert_eq!(
        results[5]["status"], 200,
        "the repeated key answers the first task"
    );
    assert_eq!(results[5]["task"]["id"], results[3]["task"]["id"]);

    // Past max_queued (100 in a free workspace; 10 are queued): the rest get 429 each.
    let more: Vec<serde_json::Value> = (0..91)
        .map(|n| serde_json::json!({ "title": format!("more {n}") }))
        .collect();
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &url,
            Some(token),
            Some(serde_json::json!({ "tasks": more })),
        )
        .await;
    assert_eq!(status, 200);
    let results = body["results"].as_array().unwrap();
    assert!(results[..90].iter().all(|r| r["status"] == 201));
    assert_eq!(results[90]["status"], 429);
    assert_eq!(results[90]["error"]["code"], "queue_full");

    // One bad task refuses the whole batch, naming it; nothing is stored.
    let bad = serde_json::json!({ "tasks": [{ "title": "fine" }, { "title": "  " }] });
    let (status, body) = app
        .call(reqwest::Method::POST, &url, Some(token), Some(bad))
        .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("task 1"),
        "{body}"
    );
    let too_many = serde_json::json!({ "tasks": vec![serde_json::json!({ "title": "x" }); 1_001] });
    let (status, _) = app
        .call(reqwest::Method::POST, &url, Some(token), Some(too_many))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn a_retried_submission_finds_its_task_even_when_the_queue_is_full() {
    let app = spawn_app().await;
    let session = app.register("retry@example.com").await;
    let token = session.access.as_str();
    let id = app.create_workspace(token, "Full").await;
    let url = format!("/api/v1/workspaces/{id}/tasks");
    // No agents: the 100 tasks a free workspace may queue stay queued.
    let mut first = serde_json::Value::Null;
    for n in 0..100 {
        let body =
            serde_json::json!({ "title": format!("task {n}"), "idempotency_key": format!("k{n}") });
        let (status, task) = app
            .call(reqwest::Method::POST, &url, Some(token), Some(body))
            .await;
        assert_eq!(status, 201);
        if n == 7 {
            first = task;
        }
    }
    let again = serde_json::json!({ "title": "task 7", "idempotency_key": "k7" });
    let (status, task) = app
        .call(reqwest::Method::POST, &url, Some(token), Some(again))
        .await;
    assert_eq!(status, 200, "the retry learns it was accepted: {task}");
    assert_eq!(task["id"], first["id"]);
    let new = serde_json::json!({ "title": "new", "idempotency_key": "k100" });
    let (status, body) = app
        .call(reqwest::Method::POST, &url, Some(token), Some(new))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("queue_full"))
    );
}
