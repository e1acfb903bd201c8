//! Tiers (the table, setting a workspace's tier at run time) and quotas (tasks per day,
//! with their warnings and refusals, and the usage that shows them).

use std::time::Duration;

use agenthq_protocol::{ClientMessage, ServerMessage, Topic, WorkspaceId};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

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
