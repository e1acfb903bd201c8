//! Creating the offices a scenario needs, through the HTTP API as any user would: a user,
//! public workspaces (watchers need no credentials), `sim` agents, and an API key per
//! workspace for the task submitters.

use agenthq_protocol::WorkspaceId;
use serde_json::{Value, json};

use crate::scenario::Scenario;

/// A workspace made for the run.
#[derive(Debug, Clone)]
pub struct Made {
    pub id: WorkspaceId,
    pub key: String,
    pub agents: u32,
    /// The Socket.io anchor's room for it (the id, or `ws<n>` for the anchor's own office).
    pub room: String,
}

/// Setting up failed: what was asked and what the server said.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {detail}")]
pub struct SetupError {
    what: String,
    detail: String,
}

async fn call(what: &str, request: reqwest::RequestBuilder) -> Result<Value, SetupError> {
    let err = |detail: String| SetupError {
        what: what.into(),
        detail,
    };
    let response = request.send().await.map_err(|e| err(e.to_string()))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(err(format!("{status}: {body}")));
    }
    Ok(body)
}

/// Makes the scenario's workspaces on the server at `base` (`http://host:port`).
pub async fn offices(base: &str, scenario: &Scenario) -> Result<Vec<Made>, SetupError> {
    let client = reqwest::Client::new();
    let api = format!("{base}/api/v1");
    let email = format!("loadtest-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = uuid::Uuid::new_v4().simple().to_string();
    let session = call(
        "register a load-test user",
        client
            .post(format!("{api}/auth/register"))
            .json(&json!({ "email": email, "password": password })),
    )
    .await?;
    let token = session["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let office = &scenario.office;
    let mut made = Vec::new();
    for n in 0..office.workspaces {
        let ws = call(
            "create a workspace",
            client
                .post(format!("{api}/workspaces"))
                .bearer_auth(&token)
                .json(&json!({ "name": format!("{} {}", scenario.name, n + 1), "public": true })),
        )
        .await?;
        let id: WorkspaceId = ws["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| SetupError {
                what: "create a workspace".into(),
                detail: format!("no id in {ws}"),
            })?;
        let agents = office.agents_of(n);
        for a in 0..agents {
            call(
                "create an agent",
                client
                    .post(format!("{api}/workspaces/{id}/agents"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "name": format!("Agent {}", a + 1),
                        "executor": { "kind": "sim", "params": { "steps": office.task_steps, "step_ms": office.step_ms } },
                    })),
            )
            .await?;
        }
        let key = call(
            "create an API key",
            client
                .post(format!("{api}/workspaces/{id}/api-keys"))
                .bearer_auth(&token)
                .json(&json!({ "name": "loadtest", "role": "member" })),
        )
        .await?;
        let key = key["secret"].as_str().unwrap_or_default().to_owned();
        made.push(Made {
            id,
            key,
            agents,
            room: id.to_string(),
        });
    }
    Ok(made)
}
