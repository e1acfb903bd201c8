//! The operator commands, run as the `agenthq` binary against real installations:
//! `backup` while the server writes, `restore` (refused while it runs, then a round trip),
//! the lock that keeps a second server off a SQLite database, `doctor` on a healthy and a
//! broken setup, and `health`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agenthq_protocol::{Tier, WorkspaceId};
use reqwest::Method;
use serde_json::json;
use sqlx::Connection;

use crate::helpers::*;

/// The binary, with the settings of an installation whose data is in `data_dir`.
fn agenthq(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agenthq"));
    command
        .env("AGENTHQ_DATA_DIR", data_dir)
        .env_remove("AGENTHQ_DATABASE_URL")
        .env_remove("AGENTHQ_REDIS_URL")
        .env_remove("AGENTHQ_JWT_SECRET")
        .env("AGENTHQ_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn");
    command
}

/// Runs a command off the test's runtime, which also serves the in-process server the
/// command may talk to.
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The task ids a SQLite database file holds.
async fn task_ids(db: &Path) -> BTreeSet<String> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM tasks")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    ids.into_iter().map(|id| id.to_string()).collect()
}

async fn workspace_names(db: &Path) -> BTreeSet<String> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM workspaces")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    names.into_iter().collect()
}

/// Every task of `ws` as the API lists them.
async fn listed_task_ids(app: &TestApp, token: &str, ws: WorkspaceId) -> BTreeSet<String> {
    let (mut ids, mut cursor) = (BTreeSet::new(), None::<String>);
    loop {
        let mut path = format!("/api/v1/workspaces/{ws}/tasks?limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = app.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(status, 200, "{page}");
        for task in page["items"].as_array().unwrap() {
            ids.insert(task["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
}

fn enterprise(settings: &mut agenthq_server::Settings) {
    settings.default_tier = Tier::Enterprise;
}

#[tokio::test]
async fn a_backup_taken_while_tasks_arrive_restores_exactly_and_restore_waits_for_the_server_to_stop()
 {
    let (app, server) = build_app(enterprise).await;
    let data_dir = app.data_dir().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let app = Arc::new(app);
    let owner = app.register("ada@example.com").await;
    // No agents: the tasks stay queued, so the store holds every one.
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let submit = {
        let (app, token) = (app.clone(), owner.access.clone());
        move |n: usize| {
            let (app, token) = (app.clone(), token.clone());
            async move {
                let path = format!("/api/v1/workspaces/{ws}/tasks");
                let body = json!({ "title": format!("task {n}") });
                let (status, task) = app
                    .call(Method::POST, &path, Some(&token), Some(body))
                    .await;
                assert_eq!(status, 201, "{task}");
            }
        }
    };
    for n in 0..20 {
        submit(n).await;
    }

    // Submissions go on during the backup.
    let busy = Arc::new(AtomicBool::new(true));
    let writer = tokio::spawn({
        let (busy, submit) = (busy.clone(), submit.clone());
        async move {
            let mut n = 20;
            while busy.load(Ordering::Relaxed) {
                submit(n).await;
                n += 1;
            }
            n
        }
    });
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("agenthq-backup.db");
    let mut command = agenthq(&data_dir);
    command.args(["backup", file.to_str().unwrap()]);
    let output = run(command).await;
    busy.store(false, Ordering::Relaxed);
    let submitted = writer.await.unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("1 workspaces") && text(&output).contains("1 users"),
        "{}",
        text(&output)
    );
    let backed_up = task_ids(&file).await;
    assert!(
        (20..=submitted).contains(&backed_up.len()),
        "the backup holds the 20 tasks before it and at most the {submitted} submitted by its \
         end: {}",
        backed_up.len()
    );
    // A second backup to the same name is refused rather than overwritten.
    let again = agenthq(&data_dir)
        .args(["backup", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success() && text(&again).contains("--overwrite"));

    // Work after the backup, which the restore will undo.
    app.create_workspace(&owner.access, "After the backup")
        .await;
    let refused = agenthq(&data_dir)
        .args(["restore", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("a server is running on"),
        "{}",
        text(&refused)
    );
    let db = data_dir.join("agenthq.db");

    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
    let before = task_ids(&db).await;
    assert_eq!(before.len(), submitted, "every accepted task was stored");
    let restored = agenthq(&data_dir)
        .args(["restore", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(restored.status.success(), "{}", text(&restored));
    assert!(text(&restored).contains("agenthq.db.before-restore"));
    // The replaced database is kept, whole, with the work after the backup.
    let kept = data_dir.join("agenthq.db.before-restore");
    assert!(workspace_names(&kept).await.contains("After the backup"));
    assert_eq!(task_ids(&kept).await, before);

    // A server started on the restored database serves exactly the backup.
    let app = spawn_app_with(move |s| {
        enterprise(s);
        s.data_dir = data_dir;
    })
    .await;
    let (status, session) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": "ada@example.com", "password": PASSWORD })),
        )
        .await;
    assert_eq!(status, 200, "{session}");
    let token = session["access_token"].as_str().unwrap();
    let (status, list) = app
        .call(Method::GET, "/api/v1/workspaces", Some(token), None)
        .await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme"]);
    assert_eq!(listed_task_ids(&app, token, ws).await, backed_up);
}

#[tokio::test]
async fn restore_refuses_what_is_not_an_agenthq_backup_and_changes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let junk = files.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database, just some bytes").unwrap();
    let foreign = files.path().join("foreign.db");
    let mut conn =
        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", foreign.display()))
            .await
            .unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    for (file, says) in [
        (&junk, "is not a SQLite database"),
        (&foreign, "not an AgentHQ one"),
        (&files.path().join("missing.db"), "cannot be restored"),
    ] {
        let output = agenthq(data.path())
            .args(["restore", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(
            text(&output).contains(says) && text(&output).contains("nothing was changed"),
            "{}",
            text(&output)
        );
    }
    assert!(
        !data.path().join("agenthq.db").exists(),
        "no database was made"
    );

    let postgres = agenthq(data.path())
        .env(
            "AGENTHQ_DATABASE_URL",
            "postgres://agenthq@db.internal/agenthq",
        )
        .args(["backup", "x.db"])
        .output()
        .unwrap();
    assert!(!postgres.status.success());
    assert!(text(&postgres).contains("pg_dump"), "{}", text(&postgres));
}

#[tokio::test]
async fn a_second_server_on_the_same_sqlite_database_is_refused_until_the_first_stops() {
    let (first, server) = build_app(|_| {}).await;
    let data_dir = first.data_dir().to_owned();
    let settings = agenthq_server::Settings {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data_dir.clone(),
        ..agenthq_server::Settings::default()
    };
    let err = agenthq_server::Application::build(settings.clone())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("another AgentHQ server is using"),
        "{err}"
    );
    // Stopped, it lets go.
    server
        .run_until_stopped(std::future::ready(()))
        .await
        .unwrap();
    let second = agenthq_server::Application::build(settings).await.unwrap();
    drop(second);
}

async fn doctor(data_dir: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let mut command = agenthq(data_dir);
    command.arg("doctor");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = run(command).await;
    (output.status.success(), text(&output))
}

#[tokio::test]
async fn doctor_passes_a_healthy_single_node_and_a_healthy_cluster_node() {
    let data = tempfile::tempdir().unwrap();
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), "<!doctype html>").unwrap();
    let web_dir = web.path().to_str().unwrap();
    let (ok, report) = doctor(
        data.path(),
        &[
            ("AGENTHQ_LISTEN", "127.0.0.1:0"),
            ("AGENTHQ_WEB_DIR", web_dir),
        ],
    )
    .await;
    assert!(ok, "{report}");
    assert!(
        report.contains("no database yet") && report.contains("not configured: a single node"),
        "{report}"
    );
    assert!(!report.contains("PROBLEM"), "{report}");
    assert!(
        !data.path().join("agenthq.db").exists(),
        "doctor changes nothing"
    );

    // A running server: its port and its database are in use, by AgentHQ.
    let app = spawn_app_with({
        let dir = data.path().to_owned();
        move |s| s.data_dir = dir
    })
    .await;
    let listen = format!("127.0.0.1:{}", app.port);
    let (ok, report) = doctor(
        data.path(),
        &[("AGENTHQ_LISTEN", &listen), ("AGENTHQ_WEB_DIR", web_dir)],
    )
    .await;
    assert!(ok, "{report}");
    assert!(
        report.contains("an AgentHQ server is already running there")
            && report.contains("schema")
            && report.contains("a server is running on it"),
        "{report}"
    );

    let (Some(database), Some(redis)) = (
        crate::cluster::database().await,
        crate::cluster::redis().await,
    ) else {
        return;
    };
    // The database exists but has no schema yet.
    let (ok, report) = doctor(
        data.path(),
        &[
            ("AGENTHQ_LISTEN", "127.0.0.1:0"),
            ("AGENTHQ_WEB_DIR", web_dir),
            ("AGENTHQ_DATABASE_URL", &database),
            ("AGENTHQ_REDIS_URL", &redis),
            (
                "AGENTHQ_JWT_SECRET",
                "a secret every node of this cluster shares, 32+ chars",
            ),
        ],
    )
    .await;
    assert!(ok, "{report}");
    assert!(
        report.contains("PostgreSQL at") && report.contains("Redis 7"),
        "{report}"
    );
}

#[tokio::test]
async fn doctor_names_each_problem_of_a_broken_setup_and_fails() {
    let data = tempfile::tempdir().unwrap();
    // Something else on the port.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = squatter.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in squatter.incoming() {
            drop(stream); // Not an HTTP server: hangs up.
        }
    });
    let (ok, report) = doctor(
        data.path(),
        &[
            ("AGENTHQ_LISTEN", &taken),
            ("AGENTHQ_WEB_DIR", "/nonexistent/web"),
            (
                "AGENTHQ_DATABASE_URL",
                "postgres://postgres@127.0.0.1:1/test",
            ),
            ("AGENTHQ_REDIS_URL", "redis://127.0.0.1:1"),
            ("AGENTHQ_WS_MAX_CONNECTIONS", "10000000"),
        ],
    )
    .await;
    assert!(!ok, "{report}");
    for says in [
        "PROBLEM  listen",
        "is taken by another program",
        "PROBLEM  store",
        "is PostgreSQL running",
        "PROBLEM  redis",
        "must share AGENTHQ_JWT_SECRET",
        "warning  web",
        "warning  files",
        "problem(s) to fix",
    ] {
        assert!(report.contains(says), "{says:?} missing from:\n{report}");
    }

    // A SQLite store with Redis: a cluster cannot share a file.
    let (ok, report) = doctor(
        data.path(),
        &[
            ("AGENTHQ_LISTEN", "127.0.0.1:0"),
            ("AGENTHQ_REDIS_URL", "redis://127.0.0.1:1"),
        ],
    )
    .await;
    assert!(!ok);
    assert!(report.contains("share one PostgreSQL store"), "{report}");

    // Settings that do not load are reported, not a crash.
    let (ok, report) = doctor(data.path(), &[("AGENTHQ_TICK_MS", "often")]).await;
    assert!(!ok);
    assert!(
        report.contains("PROBLEM  settings") && report.contains("TICK_MS"),
        "{report}"
    );
}

#[tokio::test]
async fn health_says_ready_for_a_running_server_and_fails_for_a_stopped_one() {
    let (app, server) = build_app(|_| {}).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let health = async || {
        let mut command = agenthq(Path::new("unused"));
        command.args(["health", "--url", &app.address]);
        let output = run(command).await;
        (output.status.success(), text(&output))
    };
    let (ok, said) = health().await;
    assert!(ok && said.contains("\"status\":\"ready\""), "{said}");
    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
    let (ok, said) = health().await;
    assert!(!ok && said.contains("cannot reach"), "{said}");
}
