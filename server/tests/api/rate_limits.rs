//! Rate limits: per address, credential, workspace, auth endpoint and login account;
//! WebSocket messages per connection and seats per workspace.

use std::net::Ipv4Addr;

use agenthq_protocol::{ClientMessage, ErrorCode, ServerMessage, Topic};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

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
