//! Metering of what the server sees per workspace: API requests on its routes, and the
//! time WebSocket connections spend watching it (each seat in a private workspace counts
//! its connection's time). Counted in memory and added to the workspace's usage of the
//! day once a second, through the runtime's store writer (so one row per workspace and
//! day, not one per request); the last second is written at shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::Runtime;
use agenthq_runtime::store::UsageDelta;
use dashmap::DashMap;
use tokio_util::sync::CancellationToken;

use crate::gateway::Tally;

/// How often counts are written.
pub const EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
struct Inner {
    requests: DashMap<WorkspaceId, u64>,
    last: std::sync::Mutex<Option<Instant>>,
}

/// Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Meter {
    inner: Arc<Inner>,
}

impl Meter {
    /// One API request on `workspace`'s routes.
    pub fn request(&self, workspace: WorkspaceId) {
        *self.inner.requests.entry(workspace).or_insert(0) += 1;
    }

    /// Adds what was counted since the last call to the workspaces' usage: the requests,
    /// and each workspace's seats × the time since the last call.
    pub async fn flush(&self, runtime: &Runtime, seats: &Tally) {
        let elapsed_ms = {
            let mut last = self.inner.last.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let elapsed = last.map_or(Duration::ZERO, |l| now - l);
            *last = Some(now);
            elapsed.as_millis() as u64
        };
        let mut deltas: std::collections::HashMap<WorkspaceId, UsageDelta> = Default::default();
        let keys: Vec<WorkspaceId> = self.inner.requests.iter().map(|e| *e.key()).collect();
        for ws in keys {
            if let Some((_, n)) = self.inner.requests.remove(&ws) {
                deltas.entry(ws).or_default().api_requests += n;
            }
        }
        for (ws, held) in seats.each() {
            deltas.entry(WorkspaceId::from_uuid(ws)).or_default().ws_ms += held as u64 * elapsed_ms;
        }
        for (ws, delta) in deltas {
            if delta.is_zero() {
                continue;
            }
            if let Err(err) = runtime.add_usage(ws, delta).await {
                tracing::warn!(workspace_id = %ws, error = %err, "metered usage not written");
            }
        }
    }

    /// Flushes every [`EVERY`] until `stop`.
    pub fn run_until(&self, runtime: Runtime, seats: Tally, stop: CancellationToken) {
        let meter = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(EVERY);
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = every.tick() => meter.flush(&runtime, &seats).await,
                }
            }
        });
    }
}
