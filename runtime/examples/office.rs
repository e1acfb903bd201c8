//! The Generic Corp office in a terminal: five agents working simulated tasks, drawn from
//! nothing but the diffs of the `workspace/{id}` topic, as any client would see them.
//!
//! `cargo run --release -p agenthq-runtime --example office [seconds]` (default 30; Ctrl-C
//! stops it early). Embedded defaults: in-memory store and bus, no external services.

use std::sync::Arc;
use std::time::Duration;

use agenthq_protocol::{AgentStatus, OfficeState, ServerMessage, Tier, Topic};
use agenthq_runtime::{
    Delivery, ExecutorConfig, ExecutorRegistry, MemoryBus, MemoryStore, NewAgent, NewTask,
    NewWorkspace, Opening, Runtime, RuntimeConfig,
};

const AGENTS: [(&str, &str); 5] = [
    ("Marcus", "decisive, plans the week"),
    ("Sable", "careful engineer, reads every log"),
    ("DeVonte", "fast prototyper"),
    ("Yuki", "researcher who cites sources"),
    ("Graham", "writer with an eye for detail"),
];

const WORK: [&str; 8] = [
    "the pricing page",
    "the onboarding email",
    "flaky login test",
    "competitor research",
    "Q3 roadmap",
    "the API changelog",
    "customer interview notes",
    "the billing migration",
];

#[tokio::main]
#[allow(clippy::print_stdout)]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args().nth(1).map_or(Ok(30), |s| s.parse())?;
    let config = RuntimeConfig::default();
    let bus = Arc::new(MemoryBus::new(config.history_len, config.subscriber_buffer));
    let runtime = Runtime::start(
        config,
        Arc::new(MemoryStore::default()),
        bus,
        ExecutorRegistry::default(),
    )
    .await?;
    let ws = runtime
        .create_workspace(NewWorkspace {
            name: "Generic Corp".into(),
            tier: Tier::Starter,
            caps: None,
            public: true,
        })
        .await?
        .id;
    for (name, personality) in AGENTS {
        let executor = ExecutorConfig {
            kind: "sim".into(),
            params: serde_json::json!({ "steps": 6, "step_ms": 500, "fail_rate": 0.1 }),
        };
        let agent = NewAgent {
            name: name.into(),
            personality: personality.into(),
            executor,
            max_concurrent: 1,
        };
        runtime.create_agent(ws, agent).await?;
    }

    let submitter = {
        let runtime = runtime.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let task = NewTask {
                    title: WORK[n % WORK.len()].into(),
                    priority: (n % 3) as i32,
                    ..NewTask::default()
                };
                if let Err(err) = runtime.submit(ws, task).await {
                    println!("  (submission refused: {err})");
                }
                tokio::time::sleep(Duration::from_millis(700)).await;
            }
        })
    };

    let sub = runtime.subscribe(Topic::Workspace(ws), None).await?;
    let Opening::Snapshot(ServerMessage::Snapshot { mut state, .. }) = sub.opening else {
        anyhow::bail!("a new subscription starts with a snapshot");
    };
    let mut stream = sub.stream;
    let mut frame = tokio::time::interval(Duration::from_secs(1));
    let deadline = tokio::time::sleep(Duration::from_secs(seconds));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            delivery = stream.recv() => match delivery {
                Some(Delivery::Publication(p)) => {
                    if let ServerMessage::Diff { ops, .. } = &p.message {
                        agenthq_protocol::diff::apply(&mut state, ops)?;
                    }
                }
                _ => anyhow::bail!("the office stream ended"),
            },
            _ = frame.tick() => draw(&state),
            () = &mut deadline => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    submitter.abort();
    runtime.shutdown().await;
    Ok(())
}

#[allow(clippy::print_stdout)]
fn draw(state: &OfficeState) {
    let queued = state
        .tasks
        .values()
        .filter(|t| t.status == agenthq_protocol::TaskStatus::Queued)
        .count();
    println!(
        "\n{} - {} agents, {queued} tasks waiting",
        state.workspace.as_ref().map_or("?", |w| w.name.as_str()),
        state.agents.len()
    );
    for agent in state.agents.values() {
        let task = agent.current_task.and_then(|id| state.tasks.get(&id));
        let progress = task.map_or(String::new(), |t| {
            let filled = usize::from(t.progress / 100);
            format!(
                "[{}{}] {}",
                "#".repeat(filled),
                ".".repeat(10 - filled.min(10)),
                t.title
            )
        });
        let said = state
            .activity
            .iter()
            .rev()
            .find(|l| l.agent == agent.id)
            .map_or("", |l| l.text.as_str());
        let status = match agent.status {
            AgentStatus::Idle => "idle",
            AgentStatus::Thinking => "thinking",
            AgentStatus::Working => "working",
            AgentStatus::AwaitingApproval => "awaiting approval",
            AgentStatus::Blocked => "blocked",
            AgentStatus::Faulted => "FAULTED",
        };
        println!("  {:<8} {:<9} {:<40} {said}", agent.name, status, progress);
    }
}
