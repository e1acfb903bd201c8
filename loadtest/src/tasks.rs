//! Durable task throughput, submit → succeeded, over the HTTP API: N no-op tasks into one
//! workspace whose agents run them at a given concurrency, timed from the first
//! submission to the last success (read from the workspace's usage). The BullMQ anchor
//! (`loadtest/anchors/bullmq`) runs the same count of no-op jobs at the same concurrency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Submissions in flight at once.
const IN_FLIGHT: usize = 64;

/// One throughput measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub jobs: u64,
    pub concurrency: u32,
    pub seconds: f64,
    pub jobs_per_sec: f64,
}

async fn ok(response: reqwest::Response, what: &str) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "{what}: {status}: {body}");
    Ok(body)
}

/// Runs `jobs` no-op tasks through the server at `base` with `concurrency` agents, one
/// request per task, or `batch` tasks per request (`POST .../tasks/batch`, the
/// counterpart of BullMQ's `addBulk`) when `batch` > 1.
pub async fn agenthq(
    base: &str,
    jobs: u64,
    concurrency: u32,
    batch: usize,
) -> anyhow::Result<Throughput> {
    let client = reqwest::Client::new();
    let api = format!("{base}/api/v1");
    let email = format!("tasks-{}@example.com", uuid::Uuid::new_v4().simple());
    let session = ok(
        client
            .post(format!("{api}/auth/register"))
            .json(&json!({ "email": email, "password": uuid::Uuid::new_v4().simple().to_string() }))
            .send()
            .await?,
        "register",
    )
    .await?;
    let token = session["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let ws = ok(
        client
            .post(format!("{api}/workspaces"))
            .bearer_auth(&token)
            .json(&json!({ "name": "task throughput" }))
            .send()
            .await?,
        "create a workspace",
    )
    .await?;
    let id = ws["id"].as_str().unwrap_or_default().to_owned();
    let running = ws["max_running"].as_u64().unwrap_or(1) as u32;
    anyhow::ensure!(
        concurrency <= running,
        "the workspace runs at most {running} tasks at once (its tier); ask for --concurrency {running} or less"
    );
    for n in 0..concurrency {
        ok(
            client
                .post(format!("{api}/workspaces/{id}/agents"))
                .bearer_auth(&token)
                .json(&json!({ "name": format!("Runner {n}"), "executor": { "kind": "sim", "params": { "steps": 1, "step_ms": 0 } } }))
                .send()
                .await?,
            "create an agent",
        )
        .await?;
    }
    let started = Instant::now();
    if batch > 1 {
        submit_batches(
            &client,
            &format!("{api}/workspaces/{id}/tasks/batch"),
            &token,
            jobs,
            batch,
        )
        .await?;
    } else {
        submit_one_by_one(
            &client,
            &format!("{api}/workspaces/{id}/tasks"),
            &token,
            jobs,
        )
        .await?;
    }
    // The last successes: the usage the workspace records at each tick.
    let usage = format!("{api}/workspaces/{id}/usage");
    loop {
        let u = ok(
            client.get(&usage).bearer_auth(&token).send().await?,
            "usage",
        )
        .await?;
        if u["total"]["succeeded"].as_u64().unwrap_or(0) >= jobs {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "tasks did not finish in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Throughput {
        jobs,
        concurrency,
        seconds,
        jobs_per_sec: jobs as f64 / seconds,
    })
}

/// `batch` tasks a request, one request at a time; tasks answered 429 (the workspace's
/// queue is full) go again in the next request.
async fn submit_batches(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    jobs: u64,
    batch: usize,
) -> anyhow::Result<()> {
    let mut pending: std::collections::VecDeque<u64> = (0..jobs).collect();
    while !pending.is_empty() {
        let chunk: Vec<u64> = pending.drain(..batch.min(pending.len())).collect();
        let tasks: Vec<Value> = chunk
            .iter()
            .map(|n| json!({ "title": format!("Load-test task {n}"), "idempotency_key": format!("t{n}") }))
            .collect();
        let answer = ok(
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "tasks": tasks }))
                .send()
                .await?,
            "submit a batch",
        )
        .await?;
        let results = answer["results"].as_array().cloned().unwrap_or_default();
        let mut refused = false;
        for (n, r) in chunk.iter().zip(&results) {
            match r["status"].as_u64() {
                Some(200 | 201) => {}
                Some(429) => {
                    pending.push_back(*n);
                    refused = true;
                }
                other => anyhow::bail!("task {n}: {other:?} {r}"),
            }
        }
        if refused {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    Ok(())
}

async fn submit_one_by_one(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    jobs: u64,
) -> anyhow::Result<()> {
    let url = Arc::new(url.to_owned());
    let token = Arc::new(token.to_owned());
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut sent = Vec::with_capacity(jobs as usize);
    for n in 0..jobs {
        let permit = Arc::clone(&slots).acquire_owned().await?;
        let (client, url, token) = (client.clone(), Arc::clone(&url), Arc::clone(&token));
        sent.push(tokio::spawn(async move {
            let body = json!({ "title": format!("Load-test task {n}"), "idempotency_key": format!("t{n}") });
            // A full queue (429) is the workspace's cap, not a failure: wait and try again.
            loop {
                let r = client.post(url.as_str()).bearer_auth(token.as_str()).json(&body).send().await;
                match r {
                    Ok(r) if r.status().is_success() => break,
                    Ok(r) if r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Ok(r) => return Err(anyhow::anyhow!("submit: {}", r.status())),
                    Err(e) => return Err(e.into()),
                }
            }
            drop(permit);
            Ok(())
        }));
    }
    for s in sent {
        s.await??;
    }
    Ok(())
}

/// Runs the BullMQ anchor (installing its packages first) against the Redis at `redis`.
pub fn bullmq(jobs: u64, concurrency: u32, redis: &str) -> anyhow::Result<Throughput> {
    let anchors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("anchors");
    let install = std::process::Command::new(anchors.join("install.sh")).status()?;
    anyhow::ensure!(install.success(), "installing the anchors failed");
    let out = std::process::Command::new("node")
        .current_dir(anchors.join("bullmq"))
        .args([
            "bench.mjs",
            &jobs.to_string(),
            &concurrency.to_string(),
            redis,
        ])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "the BullMQ anchor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let line = line.lines().last().unwrap_or_default();
    Ok(serde_json::from_str(line)?)
}
