//! `agenthq demo`: the Generic Corp office, alive. Creates (once) the public workspace
//! "Generic Corp" with its five agents, then keeps a seeded, continuous stream of
//! believable tasks flowing (planning, coding, reviews, deploys, incidents), run by the
//! `sim` executor with progress, activity, and the occasional retry or failure. With
//! `--llm` the five run on the configured model endpoint (`llm` executor) instead, with a
//! task every 20-40 s.

mod view;

use std::future::Future;
use std::time::Duration;

use agenthq_protocol::{AgentId, ServerMessage, Tier, Topic, WorkspaceId};
use agenthq_runtime::{
    Delivery, ExecutorConfig, NewAgent, NewTask, NewWorkspace, Opening, Runtime, RuntimeError,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use tokio_util::sync::CancellationToken;

pub use view::draw_office;

use crate::settings::Settings;
use crate::startup::{Application, StartupError};

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("cannot set up the demo office: {0}")]
    Seed(#[from] RuntimeError),
    #[error("cannot make the demo API key: {0}")]
    Key(#[from] agenthq_runtime::StoreError),
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
    #[error(
        "agenthq demo --llm needs a model endpoint: set AGENTHQ_LLM_PROVIDER, AGENTHQ_LLM_MODEL \
         (and AGENTHQ_LLM_API_KEY or AGENTHQ_LLM_BASE_URL); see docs/agents.md"
    )]
    NoModel,
}

/// The name of the key the demo makes at each start (and of those it revokes).
pub const DEMO_KEY_NAME: &str = "demo";

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Draw the office in the terminal every two seconds.
    pub view: bool,
    /// Agents when the office is first created (at least the five of Generic Corp).
    pub agents: usize,
    /// A short task every `pace` (a busy office, for load tests); `None`: a longer task
    /// every 0.5-1.5 s (every 20-40 s with `llm`).
    pub pace: Option<Duration>,
    /// The five Generic Corp agents run on the model endpoint (`llm`), not `sim`.
    pub llm: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            view: true,
            agents: AGENTS.len(),
            pace: None,
            llm: false,
        }
    }
}

/// Runs the server with the demo office until `shutdown`.
pub async fn run(
    settings: Settings,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), DemoError> {
    // A mistake in the model settings is the build's to report; here only their absence.
    let no_model = matches!(settings.llm_settings(),
        Ok(llm) if !llm.endpoints.contains_key(&llm.default_endpoint));
    if options.llm && no_model {
        return Err(DemoError::NoModel);
    }
    let app = Application::build(settings).await?;
    let runtime = app.runtime().clone();
    let (ws, agents) = seed(&runtime, options.agents).await?;
    cast(&runtime, ws, options.llm).await?;
    let key = demo_key(&app, ws).await?;
    let stop = CancellationToken::new();
    tokio::spawn(run_task_stream(
        runtime.clone(),
        ws,
        agents,
        42,
        options.pace,
        options.llm,
        stop.clone(),
    ));
    if options.view {
        tokio::spawn(watch(runtime.clone(), ws, stop.clone()));
    }
    announce(app.port(), ws, &key);
    let served = app.run_until_stopped(shutdown).await;
    stop.cancel();
    Ok(served?)
}

/// What a person starting the demo needs, on the console. Written in one go, and a
/// closed stdout (`agenthq demo | head`) is no reason to stop serving.
fn announce(port: u16, ws: WorkspaceId, key: &str) {
    let base = format!("http://127.0.0.1:{port}");
    let text = format!(
        "AgentHQ demo: the {WORKSPACE_NAME} office is live.
  office     {base}/   (open it in a browser, or run agenthq-viewer)
  API        {base}/api/v1   (OpenAPI: /openapi.json)
  API key    {key}
             (role member in this workspace; a new key each start, the last one revoked)
  submit     curl -X POST {base}/api/v1/workspaces/{ws}/tasks \\
             -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\
             -d '{{\"title\":\"Write the launch post\"}}'
  WebSocket  ws://127.0.0.1:{port}/ws   (subprotocol agenthq.v1.json, agenthq.v1.msgpack or agenthq.v1.compact)
  workspace  {ws}
  follow it  {{\"type\":\"hello\"}} then {{\"type\":\"subscribe\",\"topic\":\"workspace/{ws}\"}}
  health     {base}/healthz
"
    );
    let mut out = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, text.as_bytes());
    let _ = std::io::Write::flush(&mut out);
}

/// Revokes the keys earlier demo runs made and makes a new one (role member), so the
/// console always shows a key that works and old ones stop working.
async fn demo_key(app: &Application, ws: WorkspaceId) -> Result<String, DemoError> {
    let store = app.runtime().store();
    let now = agenthq_runtime::task::now_ms();
    for old in store.api_keys(ws).await? {
        if old.name == DEMO_KEY_NAME && old.created_by.is_none() && old.revoked_at.is_none() {
            store.revoke_api_key(ws, old.id, now).await?;
        }
    }
    let new = app
        .auth()
        .create_api_key(
            ws,
            DEMO_KEY_NAME,
            agenthq_runtime::store::Role::Member,
            None,
        )
        .await?;
    Ok(new.secret)
}

/// Follows the office like any client (snapshot, then diffs) and draws it.
async fn watch(runtime: Runtime, ws: WorkspaceId, stop: CancellationToken) {
    let Ok(sub) = runtime.subscribe(Topic::Workspace(ws), None).await else {
        return;
    };
    let Opening::Snapshot(ServerMessage::Snapshot { mut state, .. }) = sub.opening else {
        return;
    };
    let mut stream = sub.stream;
    let mut frame = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            delivery = stream.recv() => match delivery {
                Some(Delivery::Publication(p)) => {
                    if let ServerMessage::Diff { ops, .. } = &p.message {
                        let _ = agenthq_protocol::diff::apply(&mut state, ops);
                    }
                }
                // Fell behind or the workspace restarted: start again from a snapshot.
                _ => return Box::pin(watch(runtime, ws, stop)).await,
            },
            _ = frame.tick() => draw_office(&state),
        }
    }
}

pub const WORKSPACE_NAME: &str = "Generic Corp";

/// Name, role, personality.
pub const AGENTS: [(&str, &str, &str); 5] = [
    (
        "Marcus Bell",
        "CEO",
        "decisive; turns vague goals into a plan for the week",
    ),
    (
        "Sable Chen",
        "Principal engineer",
        "careful; reads every log before touching code",
    ),
    (
        "DeVonte Jackson",
        "Full-stack developer",
        "fast prototyper; ships, then polishes",
    ),
    (
        "Yuki Tanaka",
        "SRE",
        "calm under pressure; automates what hurts twice",
    ),
    (
        "Graham Sutton",
        "Data engineer",
        "meticulous about numbers and their sources",
    ),
];

/// (title, which agent by index, or `None` for anyone), by kind of work.
const WORK: &[(&str, Option<usize>)] = &[
    ("Plan the Q3 roadmap", Some(0)),
    ("Write the investor update", Some(0)),
    ("Prioritise the feature requests", Some(0)),
    ("Review the billing service design", Some(1)),
    ("Refactor the session store", Some(1)),
    ("Review pull request #482", None),
    ("Build the onboarding checklist UI", Some(2)),
    ("Fix the flaky checkout test", Some(2)),
    ("Add dark mode to the dashboard", Some(2)),
    ("Deploy api v2.14 to production", Some(3)),
    ("Investigate elevated 5xx on the gateway", Some(3)),
    ("Rotate the database credentials", Some(3)),
    ("Backfill last month's usage events", Some(4)),
    ("Build the churn dashboard", Some(4)),
    ("Audit the revenue numbers", Some(4)),
    ("Answer the customer escalation", None),
    ("Write the incident postmortem", None),
];

/// The demo workspace: found by name among public workspaces, or created with its five
/// agents and, up to `agents`, generalists.
pub async fn seed(
    runtime: &Runtime,
    agents: usize,
) -> Result<(WorkspaceId, Vec<AgentId>), RuntimeError> {
    let existing = runtime
        .store()
        .workspaces()
        .await?
        .into_iter()
        .find(|w| w.public && w.name == WORKSPACE_NAME);
    let ws = match existing {
        Some(ws) => ws.id,
        None => {
            let caps = agenthq_runtime::WorkspaceCaps {
                max_running: agents.max(16) as u32,
                max_queued: 1_000,
            };
            let new = NewWorkspace {
                name: WORKSPACE_NAME.into(),
                // The installation's own showcase, up to the largest offices.
                tier: Tier::Enterprise,
                caps: Some(caps),
                public: true,
            };
            let ws = runtime.create_workspace(new).await?.id;
            let generalists: Vec<(String, &str, &str)> = (AGENTS.len()..agents)
                .map(|n| {
                    (
                        format!("Agent {}", n + 1),
                        "Generalist",
                        "helps wherever the queue is longest",
                    )
                })
                .collect();
            let everyone = AGENTS
                .iter()
                .map(|(n, r, t)| (n.to_string(), *r, *t))
                .chain(generalists);
            for (name, role, traits) in everyone {
                let executor = sim_executor();
                let personality = format!("{role}; {traits}");
                runtime
                    .create_agent(
                        ws,
                        NewAgent {
                            name,
                            personality,
                            executor,
                            max_concurrent: 1,
                        },
                    )
                    .await?;
            }
            ws
        }
    };
    let agents = runtime
        .store()
        .agents(ws)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    Ok((ws, agents))
}

/// What the five are told when they run on a model: who they work for, and to be brief
/// (each answer is paid for).
const LLM_INSTRUCTIONS: &str = "You work at Generic Corp, a small software company, with four \
    colleagues. Answer in at most five short lines: what you would do, and the first \
    concrete step. If a colleague should know, send them one short message first.";

/// Puts the five Generic Corp agents on the model endpoint (`llm`) or back on `sim`, so
/// the same office runs either way.
pub async fn cast(runtime: &Runtime, ws: WorkspaceId, llm: bool) -> Result<(), RuntimeError> {
    let executor = if llm {
        ExecutorConfig {
            kind: "llm".into(),
            params: serde_json::json!({
                "instructions": LLM_INSTRUCTIONS,
                "max_steps": 3,
                "tools": ["message"],
            }),
        }
    } else {
        sim_executor()
    };
    for agent in runtime.store().agents(ws).await? {
        let five = AGENTS.iter().any(|(name, ..)| *name == agent.name);
        if five && agent.executor != executor {
            let new = NewAgent {
                name: agent.name,
                personality: agent.personality,
                executor: executor.clone(),
                max_concurrent: agent.max_concurrent,
            };
            runtime.update_agent(ws, agent.id, new).await?;
        }
    }
    Ok(())
}

fn sim_executor() -> ExecutorConfig {
    ExecutorConfig {
        kind: "sim".into(),
        params: serde_json::json!({ "steps": 6, "step_ms": 600, "message_rate": 0.3 }),
    }
}

/// Submits a believable task every 0.5-1.5 s (or a short one every `pace`) until `stop`;
/// the same seed gives the same stream. A full queue just skips a beat. With `llm`, a task
/// for one of the five every 20-40 s (or `pace`), its title the prompt.
pub async fn run_task_stream(
    runtime: Runtime,
    ws: WorkspaceId,
    agents: Vec<AgentId>,
    seed: u64,
    pace: Option<Duration>,
    llm: bool,
    stop: CancellationToken,
) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let five = AGENTS.len().min(agents.len());
    loop {
        let pause = pace.unwrap_or_else(|| {
            if llm {
                Duration::from_secs(rng.random_range(20..40))
            } else {
                Duration::from_millis(rng.random_range(500..1500))
            }
        });
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
        let (title, who) = WORK[rng.random_range(0..WORK.len())];
        if llm && five > 0 {
            let who = who.unwrap_or_else(|| rng.random_range(0..five));
            let task = NewTask {
                agent: agents.get(who).copied(),
                title: title.into(),
                max_attempts: Some(2),
                ..NewTask::default()
            };
            match runtime.submit(ws, task).await {
                Ok(_) | Err(RuntimeError::QueueFull { .. }) => {}
                Err(err) => tracing::warn!(error = %err, "demo task refused"),
            }
            continue;
        }
        let task = NewTask {
            agent: who.and_then(|i| agents.get(i).copied()),
            title: title.into(),
            input: serde_json::json!({
                "steps": rng.random_range(4..10),
                "step_ms": if pace.is_some() { rng.random_range(30..80) } else { rng.random_range(300..900) },
                "fail_rate": if title.contains("flaky") || title.contains("Investigate") { 0.3 } else { 0.05 },
            }),
            priority: if title.contains("Investigate") {
                5
            } else {
                rng.random_range(0..3)
            },
            max_attempts: Some(3),
            ..NewTask::default()
        };
        match runtime.submit(ws, task).await {
            Ok(_) | Err(RuntimeError::QueueFull { .. }) => {}
            Err(err) => tracing::warn!(error = %err, "demo task refused"),
        }
    }
}
