//! Two nodes of a cluster, in-process, on one PostgreSQL database and one Redis: a command
//! sent to either node gets the owner's answer (forwarded over Redis, no sticky sessions).
//!
//! PostgreSQL is `AGENTHQ_TEST_DATABASE_URL`, Redis `AGENTHQ_TEST_REDIS_URL`; under
//! `CI=true` both must be reachable, elsewhere the test says so and skips.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_with};

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
async fn database() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("AGENTHQ_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(conn) => conn,
        Err(err) => return required("PostgreSQL", &admin, &err),
    };
    let name = format!("agenthq_cluster_{}", uuid_like());
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

async fn redis() -> Option<String> {
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
    let (database, redis) = (database.to_owned(), redis.to_owned());
    spawn_app_with(move |settings| {
        settings.database_url = Some(database);
        settings.redis_url = Some(redis);
        settings.jwt_secret = Some(agenthq_server::settings::Secret::new(
            "a secret every node of this cluster shares, 32+ chars",
        ));
    })
    .await
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
        let mut status_now = String::new();
        for _ in 0..500 {
            let (_, task) = app
                .call(Method::GET, &path, Some(&owner.access), None)
                .await;
            status_now = task["status"].as_str().unwrap_or_default().to_owned();
            if status_now == "succeeded" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(status_now, "succeeded");
    }
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
