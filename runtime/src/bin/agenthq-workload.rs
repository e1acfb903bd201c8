//! Submits tasks to a runtime on a store and prints `ack <task id>` for each task whose
//! submission was acknowledged (so is durable). The crash tests kill it mid-run and check
//! that every acknowledged task reaches a terminal state after a restart; it also serves
//! for manual soak runs.
//!
//! Usage: `agenthq-workload <store-url> <workspace-id> <tasks> [batch]`

use std::io::Write;
use std::sync::Arc;

use agenthq_runtime::{ExecutorRegistry, MemoryBus, NewTask, Runtime, RuntimeConfig, store};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, workspace, tasks, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: agenthq-workload <store-url> <workspace-id> <tasks> [batch]");
    };
    let workspace = workspace.parse()?;
    let tasks: usize = tasks.parse()?;
    let batch: usize = rest.first().map_or(Ok(25), |b| b.parse())?;
    let config = RuntimeConfig::default();
    let bus = Arc::new(MemoryBus::new(config.history_len, config.subscriber_buffer));
    let runtime = Runtime::start(
        config,
        store::open(url).await?,
        bus,
        ExecutorRegistry::default(),
    )
    .await?;
    let mut stdout = std::io::stdout().lock();
    let mut sent = 0;
    while sent < tasks {
        let n = batch.min(tasks - sent);
        let new: Vec<NewTask> = (sent..sent + n)
            .map(|i| NewTask {
                title: format!("task {i}"),
                input: serde_json::json!({ "steps": 2, "step_ms": 2, "fail_rate": 0.2 }),
                priority: (i % 3) as i32,
                max_attempts: Some(3),
                backoff: Some(std::time::Duration::from_millis(5)),
                ..NewTask::default()
            })
            .collect();
        for answer in runtime.submit_many(workspace, new).await? {
            match answer {
                Ok(submitted) => writeln!(stdout, "ack {}", submitted.task.id)?,
                Err(err) => writeln!(stdout, "refused {err}")?,
            }
        }
        stdout.flush()?;
        sent += n;
    }
    writeln!(stdout, "done")?;
    stdout.flush()?;
    runtime.shutdown().await;
    Ok(())
}
