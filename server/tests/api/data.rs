//! Data rights: export a workspace as one JSON archive, delete it with everything in it,
//! and find nothing of it afterwards.

use agenthq_protocol::{ClientMessage, ErrorCode, ServerMessage, Topic};
use agenthq_runtime::TaskFilter;
use agenthq_runtime::store::{ApprovalFilter, MessageFilter};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn export_then_delete_then_export_again_finds_nothing() {
    let app = spawn_app().await;
    let owner = app.register("ada@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let keep = app.create_workspace(&owner.access, "Kept").await;
    let base = format!("/api/v1/workspaces/{ws}");
    let post = |path: String, body: Value| {
        let app = &app;
        let token = owner.access.clone();
        async move {
            let (status, body) = app
                .call(Method::POST, &path, Some(&token), Some(body))
                .await;
            assert!(status < 300, "{path}: {status} {body}");
            body
        }
    };
    let agent = post(
        format!("{base}/agents"),
        json!({ "name": "Sable", "executor": { "kind": "sim", "params": {} } }),
    )
    .await;
    for i in 0..3 {
        post(
            format!("{base}/tasks"),
            json!({ "title": format!("report {i}"), "input": { "steps": 600, "step_ms": 1000 } }),
        )
        .await;
    }
    post(
        format!("{base}/messages"),
        json!({ "to": agent["id"], "text": "Please look at the EU numbers." }),
    )
    .await;
    let key = app.api_key(&owner.access, ws, "member").await;
    post(
        format!("/api/v1/workspaces/{keep}/tasks"),
        json!({ "title": "elsewhere" }),
    )
    .await;

    // A watcher of the office, to see what deletion does to it.
    let mut watcher = WsClient::connect(&app, None).await;
    watcher.hello(&owner.access).await;
    let office = ClientMessage::Subscribe {
        topic: Topic::Workspace(ws),
        resume: None,
    };
    watcher.send(&office).await;
    assert!(matches!(
        watcher.recv().await,
        ServerMessage::Snapshot { .. }
    ));

    let response = app
        .request(
            Method::GET,
            &format!("{base}/export"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("agenthq-{ws}.json"))
    );
    let archive: Value = response
        .json()
        .await
        .expect("the archive is one JSON document");
    assert_eq!(archive["format"], "agenthq.export.v1");
    assert_eq!(archive["complete"], true);
    assert_eq!(archive["workspace"]["name"], "Generic Corp");
    assert_eq!(archive["members"][0]["email"], "ada@generic.example");
    assert_eq!(archive["agents"][0]["name"], "Sable");
    assert_eq!(archive["tasks"].as_array().unwrap().len(), 3);
    assert_eq!(archive["tasks"][0]["title"], "report 2", "newest first");
    assert_eq!(
        archive["messages"][0]["text"],
        "Please look at the EU numbers."
    );
    assert_eq!(archive["api_keys"].as_array().unwrap().len(), 1);
    let audit: Vec<&str> = archive["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        audit.contains(&"task.submit") && audit.contains(&"workspace.create"),
        "{audit:?}"
    );
    let text = archive.to_string();
    assert!(!text.contains(&key), "never a key's secret");
    assert!(!text.contains("elsewhere"), "nothing of another workspace");

    let (status, _) = app
        .call(Method::DELETE, &base, Some(&owner.access), None)
        .await;
    assert_eq!(status, 204);

    // Gone from the store, every table of it.
    let store = app.runtime.store();
    assert!(store.workspace(ws).await.unwrap().is_none());
    assert!(store.agents(ws).await.unwrap().is_empty());
    let all = TaskFilter {
        limit: 100,
        ..TaskFilter::default()
    };
    assert!(store.tasks(ws, &all).await.unwrap().is_empty());
    assert!(store.usage(ws).await.unwrap().is_empty());
    assert!(store.agent_usage(ws).await.unwrap().is_empty());
    assert!(store.members(ws).await.unwrap().is_empty());
    assert!(store.api_keys(ws).await.unwrap().is_empty());
    let messages = MessageFilter {
        limit: 100,
        ..MessageFilter::default()
    };
    assert!(store.messages(ws, &messages).await.unwrap().is_empty());
    let approvals = ApprovalFilter {
        limit: 100,
        ..ApprovalFilter::default()
    };
    assert!(store.approvals(ws, &approvals).await.unwrap().is_empty());
    assert!(store.audit(ws, None, 100).await.unwrap().is_empty());
    // ... and from the API: the export, the workspace, its key.
    for path in [
        format!("{base}/export"),
        base.clone(),
        format!("{base}/tasks"),
    ] {
        let (status, _) = app
            .call(Method::GET, &path, Some(&owner.access), None)
            .await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = app
        .call(Method::GET, "/api/v1/workspaces", Some(&key), None)
        .await;
    assert_eq!(status, 401, "its keys went with it");
    // A watcher following it again is told it is not there.
    watcher.send(&office).await;
    loop {
        match watcher.recv().await {
            ServerMessage::Error { code, .. } => {
                assert_eq!(code, ErrorCode::NotFound);
                break;
            }
            ServerMessage::Diff { .. } => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
    // The owner's other workspace is untouched.
    let (status, tasks) = app
        .call(
            Method::GET,
            &format!("/api/v1/workspaces/{keep}/tasks"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(tasks["items"].as_array().unwrap().len(), 1);
}
