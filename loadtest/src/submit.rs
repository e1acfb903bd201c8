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

/// Submissions one submitter may have in flight; past it, ticks wait (the rate drops and
/// the report shows it) rather than requests piling up.
pub const IN_FLIGHT: usize = 32;

/// Posts tasks to `workspace` every `1 / per_sec` seconds until `stop`, without waiting
/// for one answer before sending the next (up to [`IN_FLIGHT`]).
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
    let url = Arc::new(format!("{base}/api/v1/workspaces/{workspace}/tasks"));
    let key = Arc::new(key);
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut every = tokio::time::interval(Duration::from_secs_f64(1.0 / per_sec));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut n = 0u64;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        n += 1;
        let body = serde_json::json!({ "title": format!("Load-test task {n}") });
        let request = client
            .post(url.as_str())
            .bearer_auth(key.as_str())
            .json(&body);
        let tally = Arc::clone(&tally);
        tokio::spawn(async move {
            let counter = match request.send().await {
                Ok(r) if r.status().is_success() => &tally.accepted,
                _ => &tally.refused,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            drop(slot);
        });
    }
}
