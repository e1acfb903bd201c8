//! Agents of kind `llm` through the API: refused with a clear error where no model
//! endpoint is configured; on a configured one, a task runs against the model and its
//! tokens show in the workspace's usage.

use agenthq_protocol::TaskId;
use agenthq_runtime::testing::{Answer, ModelServer, Turn};
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_llm_agent_needs_a_model_endpoint() {
    let app = spawn_app().await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let body = json!({ "name": "Ada", "executor": { "kind": "llm" } });
    let (status, error) = app
        .call(Method::POST, &agents, Some(&owner.access), Some(body))
        .await;
    assert_eq!(status, 422, "{error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no model endpoint is configured"),
        "{message}"
    );
}

#[tokio::test]
async fn an_llm_agent_runs_its_task_on_the_configured_endpoint_and_its_tokens_are_counted() {
    let model = ModelServer::start(vec![Answer::Reply(Turn::text(&["Ship ", "on Friday."]))]).await;
    let app = spawn_app_with(|s| on_model(&model, s)).await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let body = json!({ "name": "Ada", "personality": "Decisive.", "executor": { "kind": "llm" } });
    let (status, agent) = app
        .call(Method::POST, &agents, Some(&owner.access), Some(body))
        .await;
    assert_eq!(status, 201, "{agent}");

    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let body = json!({ "title": "When do we launch?", "agent": agent["id"] });
    let (status, task) = app
        .call(Method::POST, &tasks, Some(&owner.access), Some(body))
        .await;
    assert_eq!(status, 201, "{task}");
    let id: TaskId = task["id"].as_str().unwrap().parse().unwrap();
    finished(&app, ws, id).await;
    let (_, done) = app
        .call(
            Method::GET,
            &format!("{tasks}/{id}"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["result"]["result"], "Ship on Friday.");
    assert_eq!(model.received()[0].body["model"], "local-test");

    let body = usage_when(&app, &owner.access, ws, |u| {
        u["total"]["tokens_in"] == 100 && u["agents"][0]["total"]["succeeded"] == 1
    })
    .await;
    let total = &body["total"];
    assert_eq!(
        (total["tokens_in"].clone(), total["tokens_out"].clone()),
        (json!(100), json!(20)),
        "{total}"
    );
    let ada = &body["agents"][0];
    assert_eq!(ada["agent"], agent["id"], "{body}");
    for period in ["month", "total"] {
        assert_eq!(
            (
                ada[period]["tokens_in"].clone(),
                ada[period]["tokens_out"].clone()
            ),
            (json!(100), json!(20)),
            "{ada}"
        );
    }
    assert_eq!(ada["month"]["day"], body["budget"]["month"]);
}

#[tokio::test]
async fn past_its_model_budget_a_workspace_gets_402_for_model_tasks_and_its_usage_says_why() {
    let model = ModelServer::start(vec![Answer::Reply(Turn::text(&["Done."]))]).await;
    let app = spawn_app_with(|s| {
        on_model(&model, s);
        // 100 tokens in and 20 out cost $0.002; a free workspace may spend $0.001.
        let price = agenthq_runtime::executor::Price {
            input: 10.0,
            output: 50.0,
        };
        s.llm_prices = [("local-test".to_owned(), price)].into();
        s.tiers.free.llm_budget_usd = 0.001;
    })
    .await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let (_, agent) = app
        .call(
            Method::POST,
            &agents,
            Some(&owner.access),
            Some(json!({ "name": "Ada", "executor": { "kind": "llm" } })),
        )
        .await;
    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let body = json!({ "title": "Spend it", "agent": agent["id"] });
    let (status, task) = app
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    finished(&app, ws, task["id"].as_str().unwrap().parse().unwrap()).await;

    let (status, refused) = app
        .call(Method::POST, &tasks, Some(&owner.access), Some(body))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (402, Some("budget_exceeded")),
        "{refused}"
    );
    let sim = json!({ "name": "Sable", "executor": { "kind": "sim" } });
    let (_, sim) = app
        .call(Method::POST, &agents, Some(&owner.access), Some(sim))
        .await;
    let (status, _) = app
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(json!({ "title": "No model", "agent": sim["id"] })),
        )
        .await;
    assert_eq!(status, 201, "tasks for agents that call no model still run");

    let body = usage_when(&app, &owner.access, ws, |u| {
        u["budget"]["level"] == "exhausted"
    })
    .await;
    assert_eq!(body["total"]["spend_usd"], 0.002);
    let budget = &body["budget"];
    assert_eq!(
        (&budget["level"], &budget["limit_usd"], &budget["spent_usd"]),
        (&json!("exhausted"), &json!(0.001), &json!(0.002)),
        "{budget}"
    );
}

/// The workspace's usage once `done` holds of it. Usage reaches the store with the
/// workspace's next write, so this polls, at most 5 s.
async fn usage_when(
    app: &TestApp,
    token: &str,
    ws: agenthq_protocol::WorkspaceId,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let path = format!("/api/v1/workspaces/{ws}/usage");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, usage) = app.call(Method::GET, &path, Some(token), None).await;
        if done(&usage) || tokio::time::Instant::now() >= deadline {
            return usage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
