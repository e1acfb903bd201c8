//! The account commands of the `agenthq` binary, and the API key the demo prints.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use agenthq_protocol::Tier;
use agenthq_runtime::NewWorkspace;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

fn agenthq(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agenthq"));
    command
        .env("AGENTHQ_DATA_DIR", data_dir)
        .env_remove("AGENTHQ_DATABASE_URL")
        .env("AGENTHQ_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn");
    command
}

/// `agenthq user create <args>` with the test password on standard input; its output.
fn create_user(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut child = agenthq(data_dir)
        .args(["user", "create"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn user_create_and_apikey_create_work_against_the_store() {
    let app = spawn_app().await;
    let ws = app
        .runtime
        .create_workspace(NewWorkspace {
            name: "Acme".into(),
            tier: Tier::Free,
            caps: None,
            public: false,
        })
        .await
        .unwrap()
        .id;

    let ws_id = ws.to_string();
    let output = create_user(
        app.data_dir(),
        &["--email", "root@example.com", "--workspace", &ws_id],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("owner of workspace"));

    let login = json!({ "email": "root@example.com", "password": PASSWORD });
    let (status, session) = app
        .call(Method::POST, "/api/v1/auth/login", None, Some(login))
        .await;
    assert_eq!(status, 200, "{session}");
    let token = session["access_token"].as_str().unwrap();
    let (_, me) = app.call(Method::GET, "/api/v1/me", Some(token), None).await;
    assert_eq!(me["workspaces"][0]["role"], "owner");

    let output = agenthq(app.data_dir())
        .args(["apikey", "create", "--role", "viewer", "--workspace"])
        .arg(ws.to_string())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let key = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let path = format!("/api/v1/workspaces/{ws}/tasks");
    assert_eq!(app.call(Method::GET, &path, Some(&key), None).await.0, 200);
    let submit = json!({ "title": "not allowed" });
    assert_eq!(
        app.call(Method::POST, &path, Some(&key), Some(submit))
            .await
            .0,
        403
    );

    let unknown = agenthq(app.data_dir())
        .args(["apikey", "create", "--workspace"])
        .arg(agenthq_protocol::WorkspaceId::new().to_string())
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no workspace"));
}

/// The demo's console lines: (base URL, workspace id, API key).
fn start_demo(data_dir: &std::path::Path) -> (Child, String, String, String) {
    let mut child = agenthq(data_dir)
        .args(["demo", "--quiet"])
        .env("AGENTHQ_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut api, mut ws, mut key) = (None, None, None);
    while api.is_none() || ws.is_none() || key.is_none() {
        let line = lines.next().expect("the demo prints its details").unwrap();
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["API", "key", k] => key = Some((*k).to_owned()),
            ["API", url, ..] => api = Some(url.trim_end_matches("/api/v1").to_owned()),
            ["workspace", id] => ws = Some((*id).to_owned()),
            _ => {}
        }
    }
    // Keep reading, so the demo never writes into a closed or full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, api.unwrap(), ws.unwrap(), key.unwrap())
}

#[tokio::test]
async fn the_demo_prints_an_api_key_that_submits_tasks_and_replaces_it_at_each_start() {
    let data = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let submit = |base: String, ws: String, key: String| {
        let client = client.clone();
        async move {
            client
                .post(format!("{base}/api/v1/workspaces/{ws}/tasks"))
                .bearer_auth(key)
                .json(&json!({ "title": "Write the launch post" }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    let (mut first, base, ws, old_key) = start_demo(data.path());
    assert_eq!(submit(base.clone(), ws.clone(), old_key.clone()).await, 201);
    first.kill().unwrap();
    first.wait().unwrap();

    let (mut second, base, ws_again, new_key) = start_demo(data.path());
    assert_eq!(ws_again, ws, "the same office");
    assert_ne!(new_key, old_key);
    assert_eq!(submit(base.clone(), ws.clone(), new_key).await, 201);
    assert_eq!(
        submit(base, ws, old_key).await,
        401,
        "the last run's key is revoked"
    );
    second.kill().unwrap();
    second.wait().unwrap();
}

#[tokio::test]
async fn an_operator_made_from_the_command_line_sets_a_tier_and_loses_the_right_with_revoke() {
    let app = spawn_app().await;
    let owner = app.register("ada@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let output = create_user(
        app.data_dir(),
        &["--email", "ops@example.com", "--operator"],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("ops@example.com is an operator"));

    let login = json!({ "email": "ops@example.com", "password": PASSWORD });
    let (_, session) = app
        .call(Method::POST, "/api/v1/auth/login", None, Some(login))
        .await;
    let ops = session["access_token"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/workspaces/{ws}/tier");
    let pro = json!({ "tier": "pro" });
    let (status, body) = app
        .call(Method::PUT, &path, Some(&ops), Some(pro.clone()))
        .await;
    assert_eq!(
        (status, body["tier"].as_str()),
        (200, Some("pro")),
        "{body}"
    );

    let output = agenthq(app.data_dir())
        .args(["user", "operator", "--email", "OPS@example.com", "--revoke"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let (status, _) = app.call(Method::PUT, &path, Some(&ops), Some(pro)).await;
    assert_eq!(status, 404, "no longer an operator, and no member of it");
    let output = agenthq(app.data_dir())
        .args(["user", "operator", "--email", "nobody@example.com"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no user nobody@example.com"));
}
