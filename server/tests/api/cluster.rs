//! Nodes of a cluster, in-process, on one PostgreSQL database and one Redis: a command
//! sent to any node gets the owner's answer (forwarded over Redis, no sticky sessions),
//! and a watcher on any node follows the owner's office.
//!
//! PostgreSQL is `AGENTHQ_TEST_DATABASE_URL`, Redis `AGENTHQ_TEST_REDIS_URL`; under
//! `CI=true` both must be reachable, elsewhere the test says so and skips.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, on_model, spawn_app_with};

fn required(what: &str, url: &str, err: &dyn std::fmt::Display) -> Option<String> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {what} at {url} is unreachable: {err}");
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!("skipping cluster test: {what} at {url} unreachable ({err})");
    }
    None
}

/// A fresh database for the test's cluster.
pub(crate) async fn database() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("AGENTHQ_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(err) => return required("PostgreSQL", &admin, &err),
    };
    // Named like the runtime tests' databases (a UUIDv7, so its time): their clean-up
    // drops the ones older than an hour.
    let name = format!("agenthq_test_{}", uuid_like());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    Some(format!("{base}/{name}"))
}

fn uuid_like() -> String {
    agenthq_protocol::WorkspaceId::new()
        .to_string()
        .replace('-', "")
}

pub(crate) async fn redis() -> Option<String> {
    let url =
        std::env::var("AGENTHQ_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let ping = async {
        let client = redis::Client::open(url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    match ping.await {
        Ok(_) => Some(url),
        Err(err) => required("Redis", &url, &err),
    }
}

async fn node(database: &str, redis: &str) -> TestApp {
    node_with(database, redis, |_| {}).await
}

async fn node_with(
    database: &str,
    redis: &str,
    tweak: impl FnOnce(&mut agenthq_server::settings::Settings),
) -> TestApp {
    let (database, redis) = (database.to_owned(), redis.to_owned());
    spawn_app_with(move |settings| {
        settings.database_url = Some(database);
        settings.redis_url = Some(redis);
        settings.jwt_secret = Some(agenthq_server::settings::Secret::new(
            "a secret every node of this cluster shares, 32+ chars",
        ));
        // Buckets live in the shared Redis, and every test (and every run within the
        // minute) comes from 127.0.0.1: the per-address ones would be shared.
        settings.rate_limits.ip_per_minute = 1_000_000;
        settings.rate_limits.auth_ip_per_minute = 1_000_000;
        tweak(settings);
    })
    .await
}

/// Whether the task at `path` reads `succeeded` on `app` within 10 s (polled).
async fn succeeded(app: &TestApp, token: &str, path: &str) -> bool {
    for _ in 0..500 {
        let (_, task) = app.call(Method::GET, path, Some(token), None).await;
        if task["status"] == "succeeded" {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

/// A WebSocket client of `app`: hello with `token`, then a subscription to `topic`;
/// answers the client, the answer to hello, and the subscription's opening message.
async fn watch(
    app: &TestApp,
    token: &str,
    topic: agenthq_protocol::Topic,
) -> (
    crate::helpers::WsClient,
    agenthq_protocol::ServerMessage,
    agenthq_protocol::ServerMessage,
) {
    watch_in(app, token, topic, None).await
}

/// [`watch`], asking for `codec`'s subprotocol.
async fn watch_in(
    app: &TestApp,
    token: &str,
    topic: agenthq_protocol::Topic,
    codec: Option<agenthq_protocol::Codec>,
) -> (
    crate::helpers::WsClient,
    agenthq_protocol::ServerMessage,
    agenthq_protocol::ServerMessage,
) {
    use agenthq_protocol::ClientMessage;
    let mut client = crate::helpers::WsClient::connect(app, codec).await;
    client
        .send(&ClientMessage::Hello {
            token: Some(token.to_owned()),
        })
        .await;
    let welcome = client.recv().await;
    client
        .send(&ClientMessage::Subscribe {
            topic,
            resume: None,
        })
        .await;
    let opening = client.recv().await;
    (client, welcome, opening)
}

#[tokio::test]
async fn a_command_sent_to_any_node_gets_the_owners_answer() {
    let (Some(database), Some(redis)) = (database().await, redis().await) else {
        return;
    };
    let a = node(&database, &redis).await;
    let b = node(&database, &redis).await;
    for app in [&a, &b] {
        let (status, ready) = app.call(Method::GET, "/readyz", None, None).await;
        assert_eq!(
            (status, ready["redis"].as_str()),
            (200, Some("ok")),
            "{ready}"
        );
    }
    let owner = a.register("ada@example.com").await;
    // Created on A: A holds its lease from now on.
    let ws = a.create_workspace(&owner.access, "Generic Corp").await;

    // Through B: an agent, then a task; the owner runs both.
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let agent = json!({ "name": "Sable", "executor": { "kind": "sim", "params": { "steps": 1, "step_ms": 1 } } });
    let (status, created) = b
        .call(Method::POST, &agents, Some(&owner.access), Some(agent))
        .await;
    assert_eq!(status, 201, "{created}");
    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let task = json!({ "title": "from node B", "idempotency_key": "b-1" });
    let (status, first) = b
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(task.clone()),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    // The same answer as the owner gives: a repeat is 200 with the same task, either way.
    let (status, again) = b
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(task.clone()),
        )
        .await;
    assert_eq!((status, &again["id"]), (200, &first["id"]));
    let (status, on_owner) = a
        .call(Method::POST, &tasks, Some(&owner.access), Some(task))
        .await;
    assert_eq!((status, &on_owner["id"]), (200, &first["id"]));

    // Executed by the owner, visible from both nodes.
    let path = format!("{tasks}/{}", first["id"].as_str().unwrap());
    for app in [&a, &b] {
        assert!(succeeded(app, &owner.access, &path).await);
    }
    // The agent was made on A (through B), which B's runtime never saw: B still finds its
    // workspace for a watcher of its activity, and opens it with A's snapshot.
    let agent_id: agenthq_protocol::AgentId = created["id"].as_str().unwrap().parse().unwrap();
    let topic = agenthq_protocol::Topic::AgentActivity(agent_id);
    let (_watcher, _, opening) = watch(&b, &owner.access, topic).await;
    assert!(
        matches!(&opening, agenthq_protocol::ServerMessage::Snapshot { topic: t, state, .. }
            if *t == topic && !state.activity.is_empty()),
        "{opening:?}"
    );

    // Errors come back as the owner says them too.
    let (status, missing) = b
        .call(
            Method::POST,
            &format!("{tasks}/{}/cancel", agenthq_protocol::TaskId::new()),
            Some(&owner.access),
            None,
        )
        .await;
    assert_eq!(status, 404, "{missing}");
}

#[tokio::test]
async fn three_nodes_a_watcher_on_b_follows_the_office_a_owns_while_c_submits() {
    use agenthq_protocol::{Codec, ServerMessage, Topic, compact, diff};
    let (Some(database), Some(redis)) = (database().await, redis().await) else {
        return;
    };
    let a = node(&database, &redis).await;
    let b = node(&database, &redis).await;
    let c = node(&database, &redis).await;
    let owner = a.register("ada@example.com").await;
    let ws = a.create_workspace(&owner.access, "Generic Corp").await;
    let agents = format!("/api/v1/workspaces/{ws}/agents");
    let agent = json!({ "name": "Sable", "executor": { "kind": "sim", "params": { "steps": 3, "step_ms": 5 } } });
    let (status, _) = a
        .call(Method::POST, &agents, Some(&owner.access), Some(agent))
        .await;
    assert_eq!(status, 201);

    // The watchers are on B (one JSON, one compact); A owns the workspace.
    let topic = Topic::Workspace(ws);
    let mut watchers = Vec::new();
    for codec in [None, Some(Codec::Compact)] {
        let (watcher, welcome, opening) = watch_in(&b, &owner.access, topic, codec).await;
        assert!(matches!(welcome, ServerMessage::Welcome { .. }));
        let ServerMessage::Snapshot {
            epoch, seq, state, ..
        } = opening
        else {
            panic!("a snapshot from the owner first")
        };
        watchers.push((watcher, epoch, seq, state));
    }

    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let mut ids = Vec::new();
    for n in 0..5 {
        let (status, task) = c
            .call(
                Method::POST,
                &tasks,
                Some(&owner.access),
                Some(json!({ "title": format!("task {n}") })),
            )
            .await;
        assert_eq!(status, 201, "{task}");
        ids.push(task["id"].as_str().unwrap().to_owned());
    }
    // Once every task has succeeded on the owner, each watcher on B, applying each diff
    // in turn from the snapshot, holds exactly the owner's office at the owner's seq.
    for id in &ids {
        let path = format!("{tasks}/{id}");
        for app in [&a, &b, &c] {
            let done = succeeded(app, &owner.access, &path).await;
            assert!(done, "task {id} succeeded, as every node says");
        }
    }
    let ServerMessage::Snapshot {
        seq: owner_seq,
        state: truth,
        ..
    } = a
        .runtime
        .snapshot(topic)
        .await
        .expect("the owner's snapshot")
    else {
        unreachable!()
    };
    for (mut watcher, epoch, mut at, mut state) in watchers {
        let mut by_ids = 0;
        while at < owner_seq {
            let diff = watcher.recv().await;
            by_ids += compact::encode(&diff, &compact::ByIds).unwrap().len();
            match diff {
                ServerMessage::Diff {
                    epoch: e,
                    seq: s,
                    ops,
                    ..
                } => {
                    assert_eq!((e, s), (epoch, at + 1), "in order, no gap");
                    at = s;
                    diff::apply(&mut state, &ops).expect("the diff follows the state");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(state, truth, "the watcher holds the owner's office");
        if watcher.codec == Codec::Compact {
            // The owner numbered the frames and B passed them on as they came.
            assert!(
                watcher.diff_bytes < by_ids,
                "numbered: {} bytes, against {by_ids} naming every entity by id",
                watcher.diff_bytes
            );
        }
    }
}

#[tokio::test]
async fn a_decision_sent_over_a_socket_to_another_node_reaches_the_owner() {
    use agenthq_protocol::{ClientMessage, Decision, ServerMessage, Verdict};
    use agenthq_runtime::testing::{Answer, ModelServer, Turn};
    let (Some(database), Some(redis)) = (database().await, redis().await) else {
        return;
    };
    let model = ModelServer::start(vec![
        Answer::Reply(Turn::call(
            "call_ask",
            "request_approval",
            json!({"action": "Send the launch email"}),
        )),
        Answer::Reply(Turn::text(&["Sent."])),
    ])
    .await;
    let a = node_with(&database, &redis, |s| on_model(&model, s)).await;
    let b = node_with(&database, &redis, |s| on_model(&model, s)).await;
    let owner = a.register("kim@example.com").await;
    let ws = a.create_workspace(&owner.access, "Generic Corp").await;
    let agent = json!({ "name": "Marcus", "executor": { "kind": "llm",
        "params": { "tools": ["request_approval"] } } });
    let (status, agent) = a
        .call(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/agents"),
            Some(&owner.access),
            Some(agent),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let (status, task) = a
        .call(
            Method::POST,
            &tasks,
            Some(&owner.access),
            Some(json!({ "title": "Launch", "agent": agent["id"] })),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let pending = format!("/api/v1/workspaces/{ws}/approvals?status=pending");
    let mut request = None;
    for _ in 0..500 {
        let (_, page) = a
            .call(Method::GET, &pending, Some(&owner.access), None)
            .await;
        if let Some(first) = page["items"].as_array().and_then(|i| i.first()) {
            request = Some(first["id"].as_str().unwrap().parse().unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let approval = request.expect("the agent asked");

    // Decided on B, which does not run the workspace: B sends it to A.
    let mut socket = crate::helpers::WsClient::connect(&b, None).await;
    socket.hello(&owner.access).await;
    socket
        .send(&ClientMessage::Decide {
            approval,
            verdict: Verdict::Approve,
            comment: Some("From node B.".into()),
        })
        .await;
    assert_eq!(
        socket.recv().await,
        ServerMessage::Decided {
            approval,
            decision: Decision::Approved
        }
    );
    let path = format!("{tasks}/{}", task["id"].as_str().unwrap());
    assert!(succeeded(&a, &owner.access, &path).await);
    socket
        .send(&ClientMessage::Decide {
            approval,
            verdict: Verdict::Reject,
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
        "the owner's conflict comes back through B"
    );
}

#[tokio::test]
async fn rate_limits_hold_across_nodes_and_a_forwarded_request_counts_once() {
    let (Some(database), Some(redis)) = (database().await, redis().await) else {
        return;
    };
    let limits = |s: &mut agenthq_server::settings::Settings| {
        s.rate_limits.credential_per_minute = 1_000;
        s.rate_limits.login_per_account_per_hour = 2;
        s.tiers.free.requests_per_hour = 4;
    };
    let a = node_with(&database, &redis, limits).await;
    let b = node_with(&database, &redis, limits).await;
    // Fresh names: the buckets outlive the test in Redis.
    let email = format!("ada-{}@example.com", uuid_like());
    let owner = a.register(&email).await;
    let ws = a.create_workspace(&owner.access, "Generic Corp").await; // A owns it.

    // The workspace's 4 requests an hour, spent through both nodes; B's are forwarded to
    // A and counted on B only.
    let tasks = format!("/api/v1/workspaces/{ws}/tasks");
    let task = json!({ "title": "through B", "input": { "steps": 1, "step_ms": 1 } });
    for (i, node) in [&a, &b, &a, &b].into_iter().enumerate() {
        let (status, body) = if i == 3 {
            node.call(
                Method::POST,
                &tasks,
                Some(&owner.access),
                Some(task.clone()),
            )
            .await
        } else {
            node.call(Method::GET, &tasks, Some(&owner.access), None)
                .await
        };
        assert!(
            status == 200 || status == 201,
            "request {i}: {status} {body}"
        );
    }
    for node in [&a, &b] {
        let (status, body) = node
            .call(Method::GET, &tasks, Some(&owner.access), None)
            .await;
        assert_eq!(status, 429, "{body}");
    }

    // Two logins an hour for the account, wherever they are tried.
    let login = json!({ "email": email, "password": PASSWORD_FOR_CLUSTER });
    for node in [&a, &b] {
        let (status, _) = node
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(login.clone()),
            )
            .await;
        assert_eq!(status, 200);
    }
    let (status, body) = a
        .call(Method::POST, "/api/v1/auth/login", None, Some(login))
        .await;
    assert_eq!(status, 429, "{body}");
}

const PASSWORD_FOR_CLUSTER: &str = crate::helpers::PASSWORD;
