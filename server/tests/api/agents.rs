//! Agents of kind `llm` through the API: refused with a clear error where no model
//! endpoint is configured; on a configured one, a task runs against the model and its
//! tokens show in the workspace's usage.

use agenthq_protocol::TaskId;
use agenthq_runtime::executor::Provider;
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
    let base = format!("{}/v1", model.base);
    let app = spawn_app_with(|s| {
        s.llm_provider = Some(Provider::Openai);
        s.llm_base_url = Some(base);
        s.llm_model = Some("local-test".into());
    })
    .await;
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

    let usage = format!("/api/v1/workspaces/{ws}/usage");
    let mut total = json!(null);
    for _ in 0..500 {
        // Usage reaches the store with the workspace's next write: poll, bounded.
        let (_, body) = app
            .call(Method::GET, &usage, Some(&owner.access), None)
            .await;
        total = body["total"].clone();
        if total["tokens_in"] == 100 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(
        (total["tokens_in"].clone(), total["tokens_out"].clone()),
        (json!(100), json!(20)),
        "{total}"
    );
}
