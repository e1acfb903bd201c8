//! Memory of agents: creates 100k agents in 1k workspaces and reports resident memory per
//! agent, first idle (an agent's slot in its workspace and its view in the office state;
//! idle agents have no actor), then with every agent's actor started (a supervised ractor
//! actor each, as while it works).
//!
//! `cargo bench -p agenthq-runtime --bench agents` (AGENTS_WORKSPACES / AGENTS_PER_WORKSPACE
//! change the shape). The store is SQLite in a temp dir, so stored rows are not counted as
//! process memory beyond SQLite's page cache.

use std::sync::Arc;
use std::time::Instant;

use agenthq_protocol::Tier;
use agenthq_runtime::{
    ExecutorRegistry, MemoryBus, NewAgent, NewTask, NewWorkspace, Runtime, RuntimeConfig,
    WorkspaceCaps, store,
};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm (Linux only)");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[allow(clippy::print_stdout)]
fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for a list; this bench has no cases to list.
    }
    let workspaces = env_or("AGENTS_WORKSPACES", 1_000);
    let per_workspace = env_or("AGENTS_PER_WORKSPACE", 100);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("agents.db").display());
    rt.block_on(async {
        // Actors started in the second phase stay up until measured.
        let config = RuntimeConfig { agent_idle_timeout: None, ..RuntimeConfig::default() };
        let bus = Arc::new(MemoryBus::new(config.history_len, config.subscriber_buffer));
        let runtime = Runtime::start(config, store::open(&url).await.expect("store"), bus, ExecutorRegistry::default())
            .await
            .expect("runtime");
        let base = rss_bytes();
        let started = Instant::now();
        let mut ids = Vec::with_capacity(workspaces);
        for w in 0..workspaces {
            let caps = Some(WorkspaceCaps { max_running: 64, max_queued: 1_000 });
            let ws = NewWorkspace { name: format!("ws {w}"), tier: Tier::Pro, caps, public: false };
            ids.push(runtime.create_workspace(ws).await.expect("workspace").id);
        }
        let with_workspaces = rss_bytes();
        let workspaces_took = started.elapsed();
        let started = Instant::now();
        for ws in &ids {
            for a in 0..per_workspace {
                let agent = NewAgent { name: format!("agent {a}"), personality: "diligent".into(), ..NewAgent::default() };
                runtime.create_agent(*ws, agent).await.expect("agent");
            }
        }
        let with_agents = rss_bytes();
        let agents = workspaces * per_workspace;
        let agents_took = started.elapsed();
        let stats = runtime.stats(ids[0]).await.expect("stats");
        assert_eq!((stats.agents as usize, stats.live_actors), (per_workspace, 0));

        // One zero-duration task per agent starts every agent's actor.
        let started = Instant::now();
        for ws in &ids {
            let agents = runtime.store().agents(*ws).await.expect("agents");
            let tasks = agents
                .iter()
                .map(|a| NewTask { agent: Some(a.id), input: serde_json::json!({ "steps": 0 }), ..NewTask::default() })
                .collect();
            runtime.submit_many(*ws, tasks).await.expect("submit");
        }
        for ws in &ids {
            loop {
                let stats = runtime.stats(*ws).await.expect("stats");
                if stats.live_actors as usize == per_workspace && stats.running == 0 && stats.waiting == 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
        runtime.flush().await.expect("flush");
        let with_actors = rss_bytes();
        let actors_took = started.elapsed();
        println!("idle agents: {agents} in {workspaces} workspaces");
        println!("  RSS at start                 {:>10.1} MiB", base as f64 / 1048576.0);
        println!("  RSS with workspaces          {:>10.1} MiB  ({:.0} bytes per workspace, {:.1?} to create)",
            with_workspaces as f64 / 1048576.0,
            (with_workspaces - base) as f64 / workspaces as f64,
            workspaces_took);
        println!("  RSS with agents              {:>10.1} MiB  ({:.1?} to create)", with_agents as f64 / 1048576.0, agents_took);
        println!("  RSS per idle agent           {:>10.0} bytes", (with_agents - with_workspaces) as f64 / agents as f64);
        println!("  RSS per idle agent, workspaces' share included {:>5.0} bytes", (with_agents - base) as f64 / agents as f64);
        println!("  RSS with every actor started {:>10.1} MiB  ({:.1?} to run one task each)", with_actors as f64 / 1048576.0, actors_took);
        println!("  RSS per agent with its actor {:>10.0} bytes", (with_actors - with_workspaces) as f64 / agents as f64);
        runtime.shutdown().await;
    });
}
