//! Tiers (the table, setting a workspace's tier at run time) and rate limits (per
//! address, credential, workspace, auth endpoint, account; WebSocket messages and seats).

use std::net::Ipv4Addr;
use std::time::Duration;

use agenthq_protocol::{ClientMessage, ErrorCode, ServerMessage, Topic, WorkspaceId};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// A user the store flags as an operator.
async fn operator(app: &TestApp) -> Session {
    let session = app.register("ops@agenthq.example").await;
    assert!(
        app.runtime
            .store()
            .set_operator(session.user_id, true)
            .await
            .unwrap()
    );
    session
}

/// A simulated agent whose tasks take minutes, so they stay running or queued.
fn slow_agent(name: &str) -> Value {
    json!({ "name": name, "executor": { "kind": "sim", "params": {} } })
}

fn slow_task(priority: i32) -> Value {
    json!({ "title": "long", "input": { "steps": 600, "step_ms": 1000 }, "priority": priority })
}

async fn running(app: &TestApp, ws: WorkspaceId) -> u32 {
    app.runtime.stats(ws).await.unwrap().running
}

#[tokio::test]
async fn a_tier_change_applies_its_caps_at_once_and_only_operators_make_it() {
    let app = spawn_app_with(|s| {
        let free = &mut s.tiers.free;
        (
            free.max_running,
            free.max_queued,
            free.max_agents,
            free.max_priority,
        ) = (1, 2, 1, 0);
        let pro = &mut s.tiers.pro;
        (
            pro.max_running,
            pro.max_queued,
            pro.max_agents,
            pro.max_priority,
        ) = (2, 50, 3, 10);
    })
    .await;
    let (_, table) = app.call(Method::GET, "/api/v1/tiers", None, None).await;
    let tiers: Vec<&str> = table["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tier"].as_str().unwrap())
        .collect();
    assert_eq!(tiers, ["free", "starter", "pro", "enterprise"]);
    assert_eq!(table["tiers"][0]["limits"]["max_agents"], 1);

    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let base = format!("/api/v1/workspaces/{ws}");
    let (status, tier) = app
        .call(
            Method::GET,
            &format!("{base}/tier"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!((status, tier["tier"].as_str()), (200, Some("free")));

    // The free tier: one agent, one running, two waiting, priority 0.
    let agents = format!("{base}/agents");
    let (status, _) = app
        .call(
            Method::POST,
            &agents,
            Some(&owner.access),
            Some(slow_agent("Ada")),
        )
        .await;
    assert_eq!(status, 201);
    let (status, refused) = app
        .call(
            Method::POST,
            &agents,
            Some(&owner.access),
            Some(slow_agent("Bo")),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["code"], "tier_limit");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 1 agents"),
        "{refused}"
    );
    let tasks = format!("{base}/tasks");
    for _ in 0..3 {
        let (status, body) = app
            .call(
                Method::POST,
                &tasks,
                Some(&owner.access),
                Some(slow_task(0)),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, full) = app
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(slow_task(0)),
        )
        .await;
    assert_eq!(
        (status, full["error"]["code"].as_str()),
        (429, Some("queue_full"))
    );
    let (status, high) = app
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(slow_task(5)),
        )
        .await;
    assert_eq!(
        (status, high["error"]["code"].as_str()),
        (403, Some("tier_limit"))
    );

    // Only an operator sets a tier; a stranger learns nothing of the workspace.
    let set_pro = json!({ "tier": "pro" });
    let tier_path = format!("{base}/tier");
    let (status, body) = app
        .call(
            Method::PUT,
            &tier_path,
            Some(&owner.access),
            Some(set_pro.clone()),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let stranger = app.register("eve@elsewhere.example").await;
    let (status, _) = app
        .call(
            Method::PUT,
            &tier_path,
            Some(&stranger.access),
            Some(set_pro.clone()),
        )
        .await;
    assert_eq!(status, 404);
    let ops = operator(&app).await;
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/workspaces/{}/tier", WorkspaceId::new()),
            Some(&ops.access),
            Some(set_pro.clone()),
        )
        .await;
    assert_eq!(status, 404, "an unknown workspace");
    let (status, set) = app
        .call(Method::PUT, &tier_path, Some(&ops.access), Some(set_pro))
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        (
            set["tier"].as_str(),
            set["max_running"].as_u64(),
            set["max_queued"].as_u64()
        ),
        (Some("pro"), Some(2), Some(50))
    );

    // At once, without a restart: the workspace says so, more runs, more waits, more
    // agents, higher priorities.
    let (_, workspace) = app
        .call(Method::GET, &base, Some(&owner.access), None)
        .await;
    assert_eq!(
        (workspace["tier"].as_str(), workspace["max_queued"].as_u64()),
        (Some("pro"), Some(50))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &agents,
            Some(&owner.access),
            Some(slow_agent("Bo")),
        )
        .await;
    assert_eq!(status, 201, "a second agent under pro");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while running(&app, ws).await < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "a second task never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = app
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(slow_task(5)),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // Custom caps by agreement; a tier with no such caps of its own.
    let (status, custom) = app
        .call(
            Method::PUT,
            &tier_path,
            Some(&ops.access),
            Some(json!({ "tier": "enterprise", "max_queued": 7 })),
        )
        .await;
    assert_eq!(status, 200, "{custom}");
    assert_eq!(custom["max_queued"], 7);
    let (status, bad) = app
        .call(
            Method::PUT,
            &tier_path,
            Some(&ops.access),
            Some(json!({ "tier": "pro", "max_running": 0 })),
        )
        .await;
    assert_eq!(status, 422, "{bad}");
}

#[tokio::test]
async fn logins_are_throttled_per_account_and_the_auth_endpoints_per_address() {
    let app = spawn_app_with(|s| {
        s.rate_limits.login_per_account_per_hour = 3;
        s.rate_limits.auth_ip_per_minute = 8;
    })
    .await;
    app.register("ada@generic.example").await; // 1 request from this address
    let login = |email: &str, password: &str| json!({ "email": email, "password": password });
    for _ in 0..3 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(login("ada@generic.example", "guess")),
            )
            .await;
        assert_eq!(status, 401);
    }
    // The fourth attempt is refused before the password is looked at, even the right one.
    let response = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(login("ADA@generic.example", PASSWORD)),
        )
        .await;
    assert_eq!(response.status(), 429);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
    };
    let retry_after = header("retry-after").expect("Retry-After");
    assert!((1..=1200).contains(&retry_after), "{retry_after}");
    assert_eq!(header("x-ratelimit-limit"), Some(3));
    assert_eq!(header("x-ratelimit-remaining"), Some(0));
    assert!(header("x-ratelimit-reset").is_some());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("login attempts for this account"),
        "{body}"
    );

    // Another account from the same address signs in, until the address's own bucket is
    // spent (8 a minute: 1 + 3 + 1 so far).
    let bob = app.register("bob@generic.example").await; // 6
    for _ in 0..2 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(login("bob@generic.example", PASSWORD)),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(login("bob@generic.example", PASSWORD)),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("from this address"),
        "{body}"
    );
    // The rest of the API still answers this address, and the auth endpoints another.
    let (status, _) = app
        .call(Method::GET, "/api/v1/workspaces", Some(&bob.access), None)
        .await;
    assert_eq!(status, 200);
    let elsewhere = reqwest::Client::builder()
        .local_address(std::net::IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()
        .unwrap();
    let answer = elsewhere
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&login("bob@generic.example", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_workspace_gets_its_tiers_requests_and_a_stranger_cannot_spend_them() {
    let app = spawn_app_with(|s| s.tiers.free.requests_per_hour = 5).await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let other = app.create_workspace(&owner.access, "Other").await;
    let tasks = format!("/api/v1/workspaces/{ws}/tasks");

    // A stranger naming the workspace is told it does not exist, and spends nothing.
    let stranger = app.register("eve@elsewhere.example").await;
    for _ in 0..10 {
        let (status, _) = app
            .call(Method::GET, &tasks, Some(&stranger.access), None)
            .await;
        assert_eq!(status, 404);
    }
    for left in (0..5).rev() {
        let response = app
            .request(Method::GET, &tasks, Some(&owner.access), None)
            .await;
        assert_eq!(response.status(), 200);
        let remaining = response.headers()["x-ratelimit-remaining"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            remaining,
            left.to_string(),
            "the workspace's bucket is the tightest"
        );
    }
    let (status, body) = app
        .call(Method::GET, &tasks, Some(&owner.access), None)
        .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("free tier's 5 requests per hour"),
        "{body}"
    );
    // The caller's other workspace has its own bucket.
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/workspaces/{other}/tasks"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 200);
    // A higher tier applies to the very next request.
    let ops = operator(&app).await;
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/workspaces/{ws}/tier"),
            Some(&ops.access),
            Some(json!({ "tier": "pro" })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(Method::GET, &tasks, Some(&owner.access), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_credential_has_its_own_bucket() {
    let app = spawn_app_with(|s| s.rate_limits.credential_per_minute = 3).await;
    let ada = app.register("ada@generic.example").await;
    let bob = app.register("bob@generic.example").await;
    for _ in 0..3 {
        let (status, _) = app
            .call(Method::GET, "/api/v1/workspaces", Some(&ada.access), None)
            .await;
        assert_eq!(status, 200);
    }
    let (status, body) = app
        .call(Method::GET, "/api/v1/workspaces", Some(&ada.access), None)
        .await;
    assert_eq!(status, 429, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("credential")
    );
    let (status, _) = app
        .call(Method::GET, "/api/v1/workspaces", Some(&bob.access), None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn switched_off_no_limit_applies() {
    let app = spawn_app_with(|s| {
        s.rate_limits.enabled = false;
        s.rate_limits.ip_per_minute = 1;
    })
    .await;
    for _ in 0..5 {
        let response = app.request(Method::GET, "/api/v1/tiers", None, None).await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().get("x-ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn a_websocket_client_sending_too_fast_is_told_then_closed() {
    let app = spawn_app_with(|s| s.rate_limits.ws_messages_per_second = 5).await;
    let mut client = WsClient::connect(&app, None).await;
    client.send(&ClientMessage::Hello { token: None }).await;
    assert!(matches!(client.recv().await, ServerMessage::Welcome { .. }));
    for _ in 0..40 {
        client.send(&ClientMessage::Ping).await;
    }
    let (mut pongs, mut refused_in_a_row) = (0, 0);
    let code = loop {
        match client.next_frame().await {
            Frame::Message(ServerMessage::Pong) => {
                pongs += 1;
                refused_in_a_row = 0;
            }
            Frame::Message(ServerMessage::Error { code, .. }) => {
                assert_eq!(code, ErrorCode::RateLimited);
                refused_in_a_row += 1;
            }
            Frame::Message(other) => panic!("unexpected {other:?}"),
            Frame::Closed(code) => break code,
        }
    };
    assert_eq!(code, Some(4008), "closed for the flood");
    // Five a second: hello took one of the first five.
    assert!(pongs >= 4, "the allowance was served first ({pongs})");
    assert_eq!(
        refused_in_a_row, 19,
        "each refused message is answered, and the 20th in a row closes"
    );
}

#[tokio::test]
async fn a_workspace_is_watched_by_at_most_its_tiers_connections() {
    let app = spawn_app_with(|s| s.tiers.free.ws_connections = 1).await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let office = Topic::Workspace(ws);
    let subscribe = ClientMessage::Subscribe {
        topic: office,
        resume: None,
    };
    let mut first = WsClient::connect(&app, None).await;
    first.hello(&owner.access).await;
    first.send(&subscribe).await;
    assert!(matches!(first.recv().await, ServerMessage::Snapshot { .. }));
    // One connection holds one seat, whatever it follows there.
    first
        .send(&ClientMessage::Subscribe {
            topic: Topic::Tasks(ws),
            resume: None,
        })
        .await;
    assert!(matches!(first.recv().await, ServerMessage::Snapshot { .. }));

    let mut second = WsClient::connect(&app, None).await;
    second.hello(&owner.access).await;
    second.send(&subscribe).await;
    match second.recv().await {
        ServerMessage::Error { code, message, .. } => {
            assert_eq!(code, ErrorCode::RateLimited);
            assert!(
                message.contains("free tier allows 1 connections"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The seat comes back when the first stops following the workspace.
    first
        .send(&ClientMessage::Unsubscribe { topic: office })
        .await;
    first
        .send(&ClientMessage::Unsubscribe {
            topic: Topic::Tasks(ws),
        })
        .await;
    first.send(&ClientMessage::Ping).await;
    assert!(matches!(first.recv().await, ServerMessage::Pong));
    second.send(&subscribe).await;
    assert!(matches!(
        second.recv().await,
        ServerMessage::Snapshot { .. }
    ));
}

#[tokio::test]
async fn a_quota_warns_at_80_percent_then_refuses_and_usage_shows_it() {
    let app = spawn_app_with(|s| s.tiers.free.tasks_per_day = 5).await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let base = format!("/api/v1/workspaces/{ws}");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{base}/agents"),
            Some(&owner.access),
            Some(slow_agent("Ada")),
        )
        .await;
    assert_eq!(status, 201);
    // The office, to see the warnings as any watcher would.
    let mut watcher = WsClient::connect(&app, None).await;
    watcher.hello(&owner.access).await;
    watcher
        .send(&ClientMessage::Subscribe {
            topic: Topic::Workspace(ws),
            resume: None,
        })
        .await;
    assert!(matches!(
        watcher.recv().await,
        ServerMessage::Snapshot { .. }
    ));

    let tasks = format!("{base}/tasks");
    for i in 0..5 {
        let task = json!({ "title": format!("t{i}"), "idempotency_key": format!("k{i}"),
            "input": { "steps": 600, "step_ms": 1000 } });
        let (status, body) = app
            .call(Method::POST, &tasks, Some(&owner.access), Some(task))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let response = app
        .request(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(json!({ "title": "one too many" })),
        )
        .await;
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=86_400).contains(&retry_after),
        "until midnight UTC: {retry_after}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "quota_exceeded");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("5 of the tier's 5 tasks per day")
    );
    // A retried submission still learns it was accepted.
    let (status, again) = app
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(json!({ "title": "t1", "idempotency_key": "k1" })),
        )
        .await;
    assert_eq!((status, again["title"].as_str()), (200, Some("t1")));

    // Both crossings reached the office, in order.
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let ServerMessage::Diff { ops, .. } = watcher.recv().await {
            for op in ops.ops {
                if let agenthq_protocol::diff::Op::Activity(line) = op
                    && line.text.starts_with("Task quota")
                {
                    seen.push(line.text);
                }
            }
        }
    }
    assert!(seen[0].contains("80 %"), "{seen:?}");
    assert!(seen[1].contains("all 5 of today's tasks used"), "{seen:?}");

    // The usage endpoint: the quota, the count, and the metered requests (written once a
    // second: polled).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let usage = loop {
        let (_, usage) = app
            .call(
                Method::GET,
                &format!("{base}/usage"),
                Some(&owner.access),
                None,
            )
            .await;
        if usage["total"]["submitted"] == 5 && usage["total"]["api_requests"].as_u64() >= Some(8) {
            break usage;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "usage never caught up: {usage}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let quota = usage["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["quota"] == "tasks_per_day")
        .unwrap();
    assert_eq!(
        (quota["used"].as_f64(), quota["limit"].as_f64()),
        (Some(5.0), Some(5.0))
    );
    assert_eq!(quota["level"], "exhausted");
    assert!(usage["total"]["ws_connection_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(usage["months"].as_array().unwrap().len(), 1);

    let (status, csv) = app
        .call(
            Method::GET,
            &format!("{base}/usage.csv"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let csv = csv.as_str().unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("period,agent_seconds,submitted")
    );
    let today = lines.next().unwrap();
    assert_eq!(today.split(',').nth(2), Some("5"), "{csv}");
    let (status, _) = app
        .call(
            Method::GET,
            &format!("{base}/usage.csv?period=week"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 400);
}
