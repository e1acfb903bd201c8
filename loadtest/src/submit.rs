//! Task submitters: each posts tasks to one workspace at a steady rate over the HTTP API
//! with the workspace's API key, as an integration would.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use agenthq_protocol::WorkspaceId;
use tokio_util::sync::CancellationToken;

/// Submissions accepted and refused (429 queue full, errors), shared by all submitters.
#[derive(Debug, Default)]
pub struct Tally {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
}

/// Posts tasks to `workspace` every `1 / per_sec` seconds until `stop`.
pub async fn submitter(
    base: String,
    workspace: WorkspaceId,
    key: String,
    per_sec: f64,
    tally: Arc<Tally>,
    stop: CancellationToken,
) {
    if per_sec <= 0.0 {
        return;
    }
    let client = reqwest::Client::new();
    let url = format!("{base}/api/v1/workspaces/{workspace}/tasks");
    let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / per_sec));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0u64;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        n += 1;
        let body = serde_json::json!({ "title": format!("Load-test task {n}") });
        let sent = client.post(&url).bearer_auth(&key).json(&body).send().await;
        let counter = match sent {
            Ok(r) if r.status().is_success() => &tally.accepted,
            _ => &tally.refused,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}
