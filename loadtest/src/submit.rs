//! Task submitters: each posts tasks to one workspace at a steady rate over the HTTP API
//! with the workspace's API key, as an integration would.
//!
//! Every task carries an idempotency key. A submission that gets no answer, or a 5xx
//! (a node died, or could not reach the workspace's owner), is sent again with the same
//! key to the next node, as a careful client would: it is accepted once, whichever node
//! answers. The ids of accepted tasks are kept, so a run can check afterwards that every
//! one of them was kept and finished ([`verify`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agenthq_protocol::{TaskStatus, WorkspaceId};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// Submissions accepted and refused (429 queue full, errors), shared by all submitters.
#[derive(Debug, Default)]
pub struct Tally {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    /// Submissions sent again (to the next node) after no answer or a 5xx.
    pub retried: AtomicU64,
    /// Every accepted task, when the run checks them afterwards.
    pub ids: Mutex<Vec<(WorkspaceId, String)>>,
    /// Failed attempts by kind (`503`, `connect`, `timeout`, ...), retried or not.
    pub failures: Mutex<std::collections::BTreeMap<String, u64>>,
    keep_ids: bool,
}

impl Tally {
    fn failed(&self, kind: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        *failures.entry(kind.to_owned()).or_default() += 1;
    }

    /// A tally that keeps the accepted tasks' ids (for [`verify`]).
    pub fn keeping_ids() -> Self {
        Self {
            keep_ids: true,
            ..Self::default()
        }
    }
}

/// Submissions one submitter may have in flight; past it, ticks wait (the rate drops and
/// the report shows it) rather than requests piling up.
pub const IN_FLIGHT: usize = 32;

/// How long one submission keeps trying other nodes before it counts as refused.
const RETRY_FOR: Duration = Duration::from_secs(30);
const RETRY_AFTER: Duration = Duration::from_millis(250);

/// Where a submitter sends its tasks.
#[derive(Debug, Clone)]
pub struct Target {
    /// Every node's base URL; the submitter starts at `first` and moves on when one fails.
    pub urls: Arc<Vec<String>>,
    pub first: usize,
    pub workspace: WorkspaceId,
    pub key: String,
}

/// Posts tasks every `1 / per_sec` seconds until `stop`, without waiting for one answer
/// before sending the next (up to [`IN_FLIGHT`]).
pub async fn submitter(target: Target, per_sec: f64, tally: Arc<Tally>, stop: CancellationToken) {
    if per_sec <= 0.0 || target.urls.is_empty() {
        return;
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let target = Arc::new(target);
    let node = Arc::new(AtomicU64::new(target.first as u64));
    let run = uuid::Uuid::new_v4().simple().to_string();
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
        let body = serde_json::json!({
            "title": format!("Load-test task {n}"),
            "idempotency_key": format!("{run}-{n}"),
        });
        let (client, target, node, tally) = (
            client.clone(),
            Arc::clone(&target),
            Arc::clone(&node),
            Arc::clone(&tally),
        );
        tokio::spawn(async move {
            submit_one(&client, &target, &node, &body, &tally).await;
            drop(slot);
        });
    }
}

async fn submit_one(
    client: &reqwest::Client,
    target: &Target,
    node: &AtomicU64,
    body: &serde_json::Value,
    tally: &Tally,
) {
    let deadline = tokio::time::Instant::now() + RETRY_FOR;
    loop {
        let turn = node.load(Ordering::Relaxed);
        let at = turn as usize % target.urls.len();
        let url = format!(
            "{}/api/v1/workspaces/{}/tasks",
            target.urls[at], target.workspace
        );
        let answer = client
            .post(url)
            .bearer_auth(&target.key)
            .json(body)
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => {
                if tally.keep_ids
                    && let Ok(task) = r.json::<TaskHead>().await
                {
                    let mut ids = tally.ids.lock().unwrap_or_else(|e| e.into_inner());
                    ids.push((target.workspace, task.id));
                }
                tally.accepted.fetch_add(1, Ordering::Relaxed);
                return;
            }
            // Refused for good (queue full, bad request): not the node's fault.
            Ok(r) if !r.status().is_server_error() => {
                tally.failed(r.status().as_str());
                break;
            }
            // No answer, or the node could not serve it now: the next node, same key.
            failed => {
                tally.failed(&match failed {
                    Ok(r) => r.status().as_str().to_owned(),
                    Err(e) if e.is_timeout() => "timeout".into(),
                    Err(e) if e.is_connect() => "connect".into(),
                    Err(_) => "transport".into(),
                });
                // Moves on once, however many of its submissions found this node down.
                let _ = node.compare_exchange(turn, turn + 1, Ordering::Relaxed, Ordering::Relaxed);
            }
        }
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        tally.retried.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(RETRY_AFTER).await;
    }
    tally.refused.fetch_add(1, Ordering::Relaxed);
}

/// What the API answers about a task, as far as the checks here need.
#[derive(Debug, Deserialize)]
struct TaskHead {
    id: String,
    #[serde(default)]
    status: Option<TaskStatus>,
}

#[derive(Debug, Deserialize)]
struct TaskPage {
    items: Vec<TaskHead>,
    next_cursor: Option<String>,
}

/// What became of the accepted tasks, read back from the servers after the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub accepted: u64,
    /// Accepted and found in a terminal status.
    pub finished: u64,
    /// Accepted and found, but still queued or running when the check gave up.
    pub unfinished: u64,
    /// Accepted and not found at all: lost.
    pub lost: u64,
    /// Seconds the check waited for the last tasks to finish.
    pub waited_secs: u64,
}

/// Reads every workspace's tasks back (from the first node that answers) until every
/// accepted task is terminal or `drain` has passed.
pub async fn verify(
    urls: &[String],
    keys: &[(WorkspaceId, String)],
    tally: &Tally,
    drain: Duration,
) -> Verification {
    let accepted: Vec<(WorkspaceId, String)> =
        tally.ids.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let started = tokio::time::Instant::now();
    loop {
        let mut seen: std::collections::HashMap<String, Option<TaskStatus>> =
            std::collections::HashMap::new();
        for (workspace, key) in keys {
            for (id, status) in list_all(&client, urls, *workspace, key).await {
                seen.insert(id, status);
            }
        }
        let mut check = Verification {
            accepted: accepted.len() as u64,
            waited_secs: started.elapsed().as_secs(),
            ..Verification::default()
        };
        for (_, id) in &accepted {
            match seen.get(id) {
                None => check.lost += 1,
                Some(Some(s)) if s.is_terminal() => check.finished += 1,
                Some(_) => check.unfinished += 1,
            }
        }
        if check.unfinished == 0 || started.elapsed() >= drain {
            return check;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Every task of a workspace (id and status), page by page, from the first node that
/// answers each page.
async fn list_all(
    client: &reqwest::Client,
    urls: &[String],
    workspace: WorkspaceId,
    key: &str,
) -> Vec<(String, Option<TaskStatus>)> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page = None;
        for base in urls {
            let mut request = client
                .get(format!("{base}/api/v1/workspaces/{workspace}/tasks"))
                .bearer_auth(key)
                .query(&[("limit", "200")]);
            if let Some(c) = &cursor {
                request = request.query(&[("cursor", c.as_str())]);
            }
            if let Ok(r) = request.send().await
                && r.status().is_success()
                && let Ok(p) = r.json::<TaskPage>().await
            {
                page = Some(p);
                break;
            }
        }
        let Some(page) = page else { return all };
        all.extend(page.items.into_iter().map(|t| (t.id, t.status)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}
