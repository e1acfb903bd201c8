//! WebSocket credentials: `hello` with an access token or an API key opens the
//! workspaces where it has a role; refused credentials and credentials past their
//! connection limit are closed with their own codes.

use agenthq_protocol::{ClientMessage, ErrorCode, ServerMessage, Topic, WorkspaceId};
use reqwest::Method;

use crate::helpers::*;

/// Says hello with `token`; answers the first reply.
async fn hello_with(client: &mut WsClient, token: &str) -> ServerMessage {
    client
        .send(&ClientMessage::Hello {
            token: Some(token.to_owned()),
        })
        .await;
    client.recv().await
}

async fn subscribe(client: &mut WsClient, ws: WorkspaceId) -> ServerMessage {
    client
        .send(&ClientMessage::Subscribe {
            topic: Topic::Workspace(ws),
            resume: None,
        })
        .await;
    client.recv().await
}

#[tokio::test]
async fn members_and_keys_watch_their_private_workspace_and_strangers_cannot() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let viewer_key = app.api_key(&owner.access, ws, "viewer").await;
    let stranger = app.register("eve@example.com").await;
    app.create_workspace(&stranger.access, "Elsewhere").await;

    for token in [&owner.access, &viewer_key] {
        let mut client = WsClient::connect(&app, None).await;
        assert!(matches!(
            hello_with(&mut client, token).await,
            ServerMessage::Welcome { .. }
        ));
        let snapshot = subscribe(&mut client, ws).await;
        assert!(
            matches!(&snapshot, ServerMessage::Snapshot { topic, .. } if *topic == Topic::Workspace(ws)),
            "{snapshot:?}"
        );
    }

    let mut client = WsClient::connect(&app, None).await;
    assert!(matches!(
        hello_with(&mut client, &stranger.access).await,
        ServerMessage::Welcome { .. }
    ));
    let refused = subscribe(&mut client, ws).await;
    assert!(
        matches!(
            refused,
            ServerMessage::Error {
                code: ErrorCode::NotFound,
                ..
            }
        ),
        "another tenant's workspace looks like no workspace: {refused:?}"
    );

    let mut anonymous = WsClient::connect(&app, None).await;
    anonymous.send(&ClientMessage::Hello { token: None }).await;
    anonymous.recv().await;
    assert!(matches!(
        subscribe(&mut anonymous, ws).await,
        ServerMessage::Error {
            code: ErrorCode::NotFound,
            ..
        }
    ));
}

#[tokio::test]
async fn a_refused_credential_gets_an_error_then_close_4003() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let key = app.api_key(&owner.access, ws, "member").await;

    // The key works, then is revoked: the next connection with it is refused at once.
    let mut before = WsClient::connect(&app, None).await;
    assert!(matches!(
        hello_with(&mut before, &key).await,
        ServerMessage::Welcome { .. }
    ));
    let (_, me) = app.call(Method::GET, "/api/v1/me", Some(&key), None).await;
    let path = format!(
        "/api/v1/workspaces/{ws}/api-keys/{}",
        me["api_key"]["id"].as_str().unwrap()
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&owner.access), None)
            .await
            .0,
        204
    );

    for token in [
        key.as_str(),
        "not a token",
        "ahq_0190f5d28c4b7d3e9a1b2c3d4e5f6a7b_guess",
    ] {
        let mut client = WsClient::connect(&app, None).await;
        let reply = hello_with(&mut client, token).await;
        assert!(
            matches!(
                reply,
                ServerMessage::Error {
                    code: ErrorCode::Unauthorized,
                    ..
                }
            ),
            "{token}: {reply:?}"
        );
        assert!(
            matches!(client.next_frame().await, Frame::Closed(Some(4003))),
            "{token}: closed with 4003"
        );
    }
}

#[tokio::test]
async fn connections_past_the_per_credential_limit_are_closed_with_4004() {
    let app = spawn_app_with(|s| s.ws_max_connections_per_credential = 2).await;
    let owner = app.register("ada@example.com").await;
    let other = app.register("bob@example.com").await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut client = WsClient::connect(&app, None).await;
        assert!(matches!(
            hello_with(&mut client, &owner.access).await,
            ServerMessage::Welcome { .. }
        ));
        held.push(client);
    }
    let mut third = WsClient::connect(&app, None).await;
    let reply = hello_with(&mut third, &owner.access).await;
    assert!(
        matches!(
            reply,
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        ),
        "{reply:?}"
    );
    assert!(matches!(
        third.next_frame().await,
        Frame::Closed(Some(4004))
    ));

    // Another credential is not held back, and a slot comes back when a connection ends.
    let mut bob = WsClient::connect(&app, None).await;
    assert!(matches!(
        hello_with(&mut bob, &other.access).await,
        ServerMessage::Welcome { .. }
    ));
    drop(held.pop());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mut again = WsClient::connect(&app, None).await;
        if matches!(
            hello_with(&mut again, &owner.access).await,
            ServerMessage::Welcome { .. }
        ) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Held connections still answer.
    held[0].send(&ClientMessage::Ping).await;
    assert!(matches!(held[0].recv().await, ServerMessage::Pong));
}

#[tokio::test]
async fn a_second_hello_is_an_unexpected_message() {
    let app = spawn_app().await;
    let mut client = WsClient::connect(&app, None).await;
    client.send(&ClientMessage::Hello { token: None }).await;
    client.recv().await;
    let reply = hello_with(&mut client, "anything").await;
    assert!(
        matches!(
            reply,
            ServerMessage::Error {
                code: ErrorCode::UnexpectedMessage,
                ..
            }
        ),
        "{reply:?}"
    );
}

/// Every topic kind of a private workspace, and a decision on its approval ids, asked
/// for by another tenant's user and key and by an anonymous client: each answers
/// `not_found` like an id that does not exist, and nothing of the workspace reaches them
/// while it works.
#[tokio::test]
async fn no_topic_of_another_tenant_answers_anything_but_not_found() {
    use agenthq_protocol::{ApprovalId, Verdict};
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let ws = app
        .create_workspace(&owner.access, "Acme Secret Projects")
        .await;
    let (_, agent) = app
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/{ws}/agents"),
            Some(&owner.access),
            Some(serde_json::json!({ "name": "Quietly", "executor": { "kind": "sim", "params": {} } })),
        )
        .await;
    let agent: agenthq_protocol::AgentId = agent["id"].as_str().unwrap().parse().unwrap();
    let stranger = app.register("eve@example.com").await;
    let elsewhere = app.create_workspace(&stranger.access, "Elsewhere").await;
    let foreign_key = app.api_key(&stranger.access, elsewhere, "owner").await;

    let topics = [
        Topic::Workspace(ws),
        Topic::Tasks(ws),
        Topic::AgentActivity(agent),
        // And ids that exist nowhere, which must answer the same.
        Topic::Workspace(WorkspaceId::new()),
        Topic::AgentActivity(agenthq_protocol::AgentId::new()),
    ];
    for token in [Some(&stranger.access), Some(&foreign_key), None] {
        let mut client = WsClient::connect(&app, None).await;
        client
            .send(&ClientMessage::Hello {
                token: token.cloned(),
            })
            .await;
        assert!(matches!(client.recv().await, ServerMessage::Welcome { .. }));
        for topic in topics {
            for resume in [None, Some(agenthq_protocol::Resume { epoch: 1, seq: 0 })] {
                client
                    .send(&ClientMessage::Subscribe { topic, resume })
                    .await;
                match client.recv().await {
                    ServerMessage::Error { code, message, .. } => {
                        assert_eq!(code, ErrorCode::NotFound, "{topic}: {message}");
                        assert!(!message.contains("Acme") && !message.contains("Quietly"));
                    }
                    other => panic!("{topic} answered {other:?}"),
                }
            }
        }
        client
            .send(&ClientMessage::Decide {
                approval: ApprovalId::new(),
                verdict: Verdict::Approve,
                comment: None,
            })
            .await;
        match client.recv().await {
            ServerMessage::Error { code, .. } => assert!(
                matches!(code, ErrorCode::NotFound | ErrorCode::Unauthorized),
                "{code:?}"
            ),
            other => panic!("decide answered {other:?}"),
        }
        // The workspace works meanwhile; none of it reaches this client.
        app.call(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/{ws}/tasks"),
            Some(&owner.access),
            Some(serde_json::json!({ "title": "Acme merger memo" })),
        )
        .await;
        client.send(&ClientMessage::Ping).await;
        assert!(
            matches!(client.recv().await, ServerMessage::Pong),
            "only the pong, no diff"
        );
    }
}
