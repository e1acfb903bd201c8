//! The agent actor: runs the attempts its workspace assigns, each in its own tokio task,
//! and reports how they ended.
//!
//! An attempt ends by returning, by timing out, by cancellation (its future is dropped at
//! once, so cancellation is prompt even for an executor that never checks), or by
//! panicking. A panic crashes this actor: its workspace sees the failure, puts the attempts
//! it was running through the retry policy and restarts it (or marks it faulted). Dropping
//! the actor's state cancels every attempt still running, so a crashed agent leaves no
//! orphaned work behind.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use agenthq_protocol::{AgentId, TaskId};
use futures::FutureExt;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio_util::sync::CancellationToken;

use crate::executor::{ExecContext, ExecError, Executor, Notify, Signals};
use crate::store::ExecutorConfig;
use crate::task::TaskRecord;
use crate::workspace::WorkspaceMsg;

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    Succeeded(serde_json::Value),
    Failed(ExecError),
    TimedOut,
    Cancelled,
}

pub enum AgentMsg {
    /// Run an attempt of the task (its `attempts` is this attempt's number).
    Run {
        task: Arc<TaskRecord>,
        signals: Arc<Signals>,
    },
    /// Cancel the task's attempt, if running.
    Cancel(TaskId),
    /// An attempt's tokio task is done (sent by the agent to itself).
    Finished {
        task: TaskId,
        attempt: u32,
        outcome: Result<AttemptOutcome, String>,
    },
}

impl std::fmt::Debug for AgentMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentMsg::Run { task, .. } => write!(f, "Run({})", task.id),
            AgentMsg::Cancel(id) => write!(f, "Cancel({id})"),
            AgentMsg::Finished { task, attempt, .. } => write!(f, "Finished({task}, {attempt})"),
        }
    }
}

#[derive(Debug)]
pub struct AgentActor;

pub struct AgentArgs {
    pub id: AgentId,
    pub name: Arc<str>,
    pub config: Arc<ExecutorConfig>,
    pub executor: Arc<dyn Executor>,
    pub workspace: ActorRef<WorkspaceMsg>,
    /// Cancelled when the workspace incarnation ends.
    pub shutdown: CancellationToken,
}

pub struct AgentState {
    args: AgentArgs,
    notify: Notify,
    running: HashMap<TaskId, CancellationToken>,
}

impl Drop for AgentState {
    fn drop(&mut self) {
        for token in self.running.values() {
            token.cancel();
        }
    }
}

impl Actor for AgentActor {
    type Msg = AgentMsg;
    type State = AgentState;
    type Arguments = AgentArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<AgentMsg>,
        args: AgentArgs,
    ) -> Result<AgentState, ActorProcessingErr> {
        let workspace = args.workspace.clone();
        let notify: Notify = Arc::new(move |task| {
            let _ = workspace.cast(WorkspaceMsg::Signals(task));
        });
        Ok(AgentState {
            args,
            notify,
            running: HashMap::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<AgentMsg>,
        msg: AgentMsg,
        state: &mut AgentState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            AgentMsg::Run { task, signals } => state.start(myself, task, signals),
            AgentMsg::Cancel(task) => {
                if let Some(token) = state.running.get(&task) {
                    token.cancel();
                }
            }
            AgentMsg::Finished {
                task,
                attempt,
                outcome,
            } => {
                state.running.remove(&task);
                match outcome {
                    Ok(outcome) => {
                        let agent = state.args.id;
                        let _ = state.args.workspace.cast(WorkspaceMsg::Finished {
                            agent,
                            task,
                            attempt,
                            outcome,
                        });
                    }
                    // Crash on purpose: the workspace restarts us and retries the task.
                    Err(panic) => {
                        return Err(format!("executor panicked on task {task}: {panic}").into());
                    }
                }
            }
        }
        Ok(())
    }
}

impl AgentState {
    fn start(&mut self, myself: ActorRef<AgentMsg>, task: Arc<TaskRecord>, signals: Arc<Signals>) {
        let cancel = self.args.shutdown.child_token();
        self.running.insert(task.id, cancel.clone());
        let ctx = ExecContext::new(
            task.clone(),
            self.args.id,
            self.args.name.clone(),
            self.args.config.clone(),
            cancel.clone(),
            signals,
            self.notify.clone(),
        );
        let executor = self.args.executor.clone();
        tokio::spawn(async move {
            let run = AssertUnwindSafe(executor.run(&ctx)).catch_unwind();
            let outcome = tokio::select! {
                biased;
                () = cancel.cancelled() => Ok(AttemptOutcome::Cancelled),
                result = tokio::time::timeout(task.timeout(), run) => match result {
                    Err(_elapsed) => Ok(AttemptOutcome::TimedOut),
                    Ok(Err(panic)) => Err(panic_message(panic)),
                    Ok(Ok(Ok(value))) => Ok(AttemptOutcome::Succeeded(value)),
                    Ok(Ok(Err(error))) => Ok(AttemptOutcome::Failed(error)),
                },
            };
            cancel.cancel(); // Stops anything the executor spawned with the token.
            let _ = myself.cast(AgentMsg::Finished {
                task: task.id,
                attempt: task.attempts,
                outcome,
            });
        });
    }
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into())
}
