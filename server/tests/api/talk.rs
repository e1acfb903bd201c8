//! Messages and approvals through the API and the WebSocket: a person writes to an agent
//! and lists what agents wrote; an agent's approval request is listed, approved over HTTP
//! (a second decision is a conflict), and another one rejected over the socket.

use agenthq_protocol::{ApprovalId, ClientMessage, Decision, ServerMessage, TaskId, Verdict};
use agenthq_runtime::testing::{Answer, ModelServer, Turn};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn asks(action: &str) -> Answer {
    Answer::Reply(Turn::call(
        "call_ask",
        "request_approval",
        json!({"action": action, "details": "To: all customers"}),
    ))
}

/// Polls the pending approvals until one is there (bounded).
async fn pending(app: &TestApp, token: &str, ws: agenthq_protocol::WorkspaceId) -> Value {
    let path = format!("/api/v1/workspaces/{ws}/approvals?status=pending");
    for _ in 0..1000 {
        let (status, page) = app.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(status, 200, "{page}");
        if let Some(first) = page["items"].as_array().and_then(|i| i.first()) {
            return first.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no approval request arrived");
}

/// The tool result the model got for `request_approval` in request `n` (OpenAI wire).
fn tool_answer(model: &ModelServer, n: usize) -> String {
    let sent = model.received();
    let messages = sent[n].body["messages"].as_array().unwrap();
    let tool = messages.iter().find(|m| m["role"] == "tool").unwrap();
    tool["content"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn people_approve_over_http_reject_over_websocket_and_write_to_agents() {
    let model = ModelServer::start(vec![
        asks("Send the launch email"),
        Answer::Reply(Turn::text(&["Sent."])),
        asks("Post the price change"),
        Answer::Reply(Turn::text(&["Not posted."])),
    ])
    .await;
    let app = spawn_app_with(|s| on_model(&model, s)).await;
    let owner = app.register("kim@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let body = json!({ "name": "Ada", "executor": { "kind": "llm",
        "params": { "tools": ["request_approval", "message"] } } });
    let (status, agent) = app
        .call(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/agents"),
            Some(&owner.access),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let submit = |title: &'static str| {
        let body = json!({ "title": title, "agent": agent["id"] });
        let app = &app;
        let tasks = &tasks;
        let token = owner.access.clone();
        async move {
            let (status, task) = app
                .call(Method::POST, tasks, Some(&token), Some(body))
                .await;
            assert_eq!(status, 201, "{task}");
            task["id"].as_str().unwrap().parse::<TaskId>().unwrap()
        }
    };

    // Approved over HTTP.
    let first = submit("Launch email").await;
    let request = pending(&app, &owner.access, ws).await;
    assert_eq!(request["action"], "Send the launch email");
    assert_eq!(request["status"], "pending");
    // The task's new status reaches the store with the writer's next batch (bounded poll).
    let mut status = Value::Null;
    for _ in 0..500 {
        let (_, task) = app
            .call(
                Method::GET,
                &format!("{tasks}/{first}"),
                Some(&owner.access),
                None,
            )
            .await;
        status = task["status"].clone();
        if status == "awaiting_approval" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status, "awaiting_approval");
    let decision = format!(
        "/api/v1/workspaces/{ws}/approvals/{}/decision",
        request["id"].as_str().unwrap()
    );
    let (status, decided) = app
        .call(
            Method::POST,
            &decision,
            Some(&owner.access),
            Some(json!({ "verdict": "approve", "comment": "Go." })),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["decided_by"], "kim@generic.example");
    let (status, again) = app
        .call(
            Method::POST,
            &decision,
            Some(&owner.access),
            Some(json!({ "verdict": "reject" })),
        )
        .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "already_settled");
    let (status, bad) = app
        .call(
            Method::POST,
            &decision,
            Some(&owner.access),
            Some(json!({ "verdict": "maybe" })),
        )
        .await;
    assert!(status == 400 || status == 422, "{status} {bad}");
    finished(&app, ws, first).await;
    assert_eq!(
        tool_answer(&model, 1),
        "Approved by kim@generic.example. Their comment: \"Go.\". Go ahead."
    );

    // Rejected over the WebSocket.
    let second = submit("Price change").await;
    let request = pending(&app, &owner.access, ws).await;
    let id: ApprovalId = request["id"].as_str().unwrap().parse().unwrap();
    let mut socket = WsClient::connect(&app, None).await;
    socket.hello(&owner.access).await;
    socket
        .send(&ClientMessage::Decide {
            approval: id,
            verdict: Verdict::Reject,
            comment: Some("Not this week.".into()),
        })
        .await;
    assert_eq!(
        socket.recv().await,
        ServerMessage::Decided {
            approval: id,
            decision: Decision::Rejected
        }
    );
    socket
        .send(&ClientMessage::Decide {
            approval: id,
            verdict: Verdict::Approve,
            comment: None,
        })
        .await;
    assert!(
        matches!(
            socket.recv().await,
            ServerMessage::Error {
                code: agenthq_protocol::ErrorCode::Conflict,
                ..
            }
        ),
        "a second decision over the socket is a conflict"
    );
    socket
        .send(&ClientMessage::Decide {
            approval: ApprovalId::new(),
            verdict: Verdict::Approve,
            comment: None,
        })
        .await;
    assert!(matches!(
        socket.recv().await,
        ServerMessage::Error {
            code: agenthq_protocol::ErrorCode::NotFound,
            ..
        }
    ));
    finished(&app, ws, second).await;
    assert_eq!(
        tool_answer(&model, 3),
        "Rejected by kim@generic.example. Their comment: \"Not this week.\". Do not do it; finish or change course."
    );
    let (_, all) = app
        .call(
            Method::GET,
            &format!("/api/v1/workspaces/{ws}/approvals"),
            Some(&owner.access),
            None,
        )
        .await;
    let statuses: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["rejected", "approved"], "newest first");

    // A person writes to the agent; messages are listed with their author.
    let messages = format!("/api/v1/workspaces/{ws}/messages");
    let (status, sent) = app
        .call(
            Method::POST,
            &messages,
            Some(&owner.access),
            Some(json!({ "to": agent["id"], "text": "Thanks, Ada." })),
        )
        .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["author"], "kim@generic.example");
    assert_eq!(
        sent["delivered_at"],
        Value::Null,
        "unread until Ada's next turn"
    );
    let (status, listed) = app
        .call(Method::GET, &messages, Some(&owner.access), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed["items"][0]["text"], "Thanks, Ada.");
    let cases = [
        (json!({ "to": TaskId::new(), "text": "hello?" }), 404),
        (json!({ "text": "x".repeat(4001) }), 422),
        (json!({ "text": "  " }), 422),
        (json!({ "text": "hi", "cc": "everyone" }), 422),
    ];
    for (body, want) in cases {
        let (status, answer) = app
            .call(
                Method::POST,
                &messages,
                Some(&owner.access),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, want, "{body} → {answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_key_revoked_while_its_socket_is_open_decides_nothing() {
    let app = spawn_app().await;
    let owner = app.register("kim@generic.example").await;
    let ws = app.create_workspace(&owner.access, "Generic Corp").await;
    let key = app.api_key(&owner.access, ws, "member").await;
    let mut socket = WsClient::connect(&app, None).await;
    socket.hello(&key).await;
    let decide = ClientMessage::Decide {
        approval: ApprovalId::new(),
        verdict: Verdict::Approve,
        comment: None,
    };
    socket.send(&decide).await;
    assert!(
        matches!(
            socket.recv().await,
            ServerMessage::Error {
                code: agenthq_protocol::ErrorCode::NotFound,
                ..
            }
        ),
        "a live member key gets as far as looking the request up"
    );
    let keys = format!("/api/v1/workspaces/{ws}/api-keys");
    let (_, listed) = app
        .call(Method::GET, &keys, Some(&owner.access), None)
        .await;
    let id = listed[0]["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("{keys}/{id}"),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 204);
    socket.send(&decide).await;
    assert!(
        matches!(
            socket.recv().await,
            ServerMessage::Error {
                code: agenthq_protocol::ErrorCode::Unauthorized,
                ..
            }
        ),
        "revoked: refused at once, on the open socket too"
    );
}
