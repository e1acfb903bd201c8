//! The audit log: what owners, members and keys did, who, when and from where.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn every_change_is_logged_with_who_what_and_where_and_only_owners_read_it() {
    let app = spawn_app().await;
    let owner = app.register("ada@generic.example").await;
    let bob = app.register("bob@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let base = format!("/api/v1/workspaces/{ws}");
    let call = |method: Method, path: String, token: String, body: Option<Value>| {
        let app = &app;
        async move {
            let (status, body) = app.call(method, &path, Some(&token), body).await;
            assert!(status < 300, "{path}: {status} {body}");
            body
        }
    };
    call(
        Method::POST,
        format!("{base}/members"),
        owner.access.clone(),
        Some(json!({ "email": "bob@generic.example", "role": "member" })),
    )
    .await;
    let key = app.api_key(&owner.access, ws, "member").await;
    let agent = call(
        Method::POST,
        format!("{base}/agents"),
        key.clone(),
        Some(json!({ "name": "Sable", "executor": { "kind": "sim", "params": {} } })),
    )
    .await;
    let task = call(
        Method::POST,
        format!("{base}/tasks"),
        bob.access.clone(),
        Some(json!({ "title": "quarterly report", "input": { "steps": 600, "step_ms": 1000 } })),
    )
    .await;
    call(
        Method::POST,
        format!("{base}/tasks/{}/cancel", task["id"].as_str().unwrap()),
        bob.access.clone(),
        None,
    )
    .await;
    let keys = call(
        Method::GET,
        format!("{base}/api-keys"),
        owner.access.clone(),
        None,
    )
    .await;
    let key_id = keys[0]["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("{base}/api-keys/{key_id}"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 204);

    let log = call(
        Method::GET,
        format!("{base}/audit"),
        owner.access.clone(),
        None,
    )
    .await;
    let items = log["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "api_key.revoke",
            "task.cancel",
            "task.submit",
            "agent.create",
            "api_key.create",
            "member.add",
            "workspace.create",
        ],
        "newest first"
    );
    let by = |action: &str| items.iter().find(|i| i["action"] == action).unwrap();
    assert_eq!(by("member.add")["actor"]["name"], "ada@generic.example");
    assert_eq!(by("member.add")["detail"]["role"], "member");
    assert_eq!(by("member.add")["target"], bob.user_id.to_string());
    assert_eq!(by("agent.create")["actor"]["kind"], "api_key");
    assert_eq!(by("agent.create")["actor"]["name"], "key member key");
    assert_eq!(by("agent.create")["target"], agent["id"]);
    assert_eq!(by("task.submit")["actor"]["name"], "bob@generic.example");
    assert_eq!(by("task.submit")["detail"]["title"], "quarterly report");
    assert_eq!(by("task.cancel")["target"], task["id"]);
    assert_eq!(by("api_key.revoke")["target"], key_id.as_str());
    for item in items {
        assert_eq!(item["ip"], "127.0.0.1", "{item}");
        assert!(item["at"].as_i64().unwrap() > 1_700_000_000_000);
    }

    // A page at a time.
    let first = call(
        Method::GET,
        format!("{base}/audit?limit=3"),
        owner.access.clone(),
        None,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = call(
        Method::GET,
        format!("{base}/audit?limit=3&cursor={cursor}"),
        owner.access.clone(),
        None,
    )
    .await;
    assert_eq!(second["items"][0]["action"], "agent.create");

    // Owners only; strangers learn nothing.
    let (status, _) = app
        .call(
            Method::GET,
            &format!("{base}/audit"),
            Some(&bob.access),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let eve = app.register("eve@elsewhere.example").await;
    let (status, _) = app
        .call(
            Method::GET,
            &format!("{base}/audit"),
            Some(&eve.access),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .call(
            Method::GET,
            &format!("{base}/audit?cursor=nope"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
}
