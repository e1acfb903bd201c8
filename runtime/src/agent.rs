//! The agent actor: runs the attempts its workspace assigns and reports how they ended.
//! An attempt is polled once in the actor; if it has to wait, it goes on in its own tokio
//! task.
//!
//! An attempt ends by returning, by timing out, by cancellation (its future is dropped at
//! once, so cancellation is prompt even for an executor that never checks), or by
//! panicking. A panic crashes this actor: its workspace sees the failure, puts the attempts
//! it was running through the retry policy and restarts it (or marks it faulted). Dropping
//! the actor's state cancels every attempt still running, so a crashed agent leaves no
//! orphaned work behind.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use agenthq_protocol::TaskId;
use futures::FutureExt;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use tokio_util::sync::CancellationToken;

use crate::executor::{ExecContext, ExecError, Executor, Identity, Notify, Signals, Workplace};
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

/// An attempt to run: the task (its `attempts` is this attempt's number) and where its
/// progress and activity go.
pub struct Attempt {
    pub task: Arc<TaskRecord>,
    pub signals: Arc<Signals>,
}

/// How one attempt ended: task, attempt number, outcome.
pub type Report = (TaskId, u32, AttemptOutcome);

pub enum AgentMsg {
    /// Run these attempts (all a dispatch round gave this agent: one message, not one each).
    Run(Vec<Attempt>),
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
            AgentMsg::Run(attempts) => write!(f, "Run({} attempts)", attempts.len()),
            AgentMsg::Cancel(id) => write!(f, "Cancel({id})"),
            AgentMsg::Finished { task, attempt, .. } => write!(f, "Finished({task}, {attempt})"),
        }
    }
}

#[derive(Debug)]
pub struct AgentActor;

pub struct AgentArgs {
    pub identity: Identity,
    /// The workspace: its budget and colleagues.
    pub workplace: Workplace,
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
            AgentMsg::Run(attempts) => {
                // Attempts that finish on their first poll are reported together.
                let mut done = Vec::new();
                let mut crashed = None;
                for Attempt { task, signals } in attempts {
                    if let Some(report) = state.start(&myself, task, signals) {
                        match report {
                            (task, attempt, Ok(outcome)) => done.push((task, attempt, outcome)),
                            (task, _, Err(panic)) => crashed = crashed.or(Some((task, panic))),
                        }
                    }
                }
                state.report(done);
                if let Some((task, panic)) = crashed {
                    return Err(state.crash(task, panic));
                }
            }
            AgentMsg::Cancel(task) => {
                if let Some(token) = state.running.get(&task) {
                    token.cancel();
                }
            }
            AgentMsg::Finished {
                task,
                attempt,
                outcome,
            } => state.finish(task, attempt, outcome)?,
        }
        Ok(())
    }
}

impl AgentState {
    /// Starts an attempt; returns its report if it finished on its first poll.
    fn start(
        &mut self,
        myself: &ActorRef<AgentMsg>,
        task: Arc<TaskRecord>,
        signals: Arc<Signals>,
    ) -> Option<(TaskId, u32, Result<AttemptOutcome, String>)> {
        let cancel = self.args.shutdown.child_token();
        self.running.insert(task.id, cancel.clone());
        let (id, attempt) = (task.id, task.attempts);
        let ctx = ExecContext::new(
            task,
            &self.args.identity,
            self.args.workplace.clone(),
            cancel.clone(),
            signals,
            self.notify.clone(),
        );
        let mut run = Box::pin(run_attempt(self.args.executor.clone(), ctx, cancel));
        // Poll once here: an attempt that completes without waiting (a zero-duration
        // simulation, a cached answer) then costs no task and no message of its own. If it
        // is pending, the spawned task polls it again and so registers its own waker.
        match run.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(outcome) => {
                self.running.remove(&id);
                Some((id, attempt, outcome))
            }
            Poll::Pending => {
                let myself = myself.clone();
                tokio::spawn(async move {
                    let outcome = run.await;
                    let _ = myself.cast(AgentMsg::Finished {
                        task: id,
                        attempt,
                        outcome,
                    });
                });
                None
            }
        }
    }

    fn finish(
        &mut self,
        task: TaskId,
        attempt: u32,
        outcome: Result<AttemptOutcome, String>,
    ) -> Result<(), ActorProcessingErr> {
        self.running.remove(&task);
        match outcome {
            Ok(outcome) => {
                self.report(vec![(task, attempt, outcome)]);
                Ok(())
            }
            Err(panic) => Err(self.crash(task, panic)),
        }
    }

    /// Tells the workspace how attempts ended.
    fn report(&self, reports: Vec<Report>) {
        if !reports.is_empty() {
            let agent = self.args.identity.id;
            let _ = self
                .args
                .workspace
                .cast(WorkspaceMsg::Finished { agent, reports });
        }
    }

    /// The error that crashes this actor on purpose after an executor panicked: the
    /// workspace restarts the agent and retries the attempts it was running.
    fn crash(&self, task: TaskId, panic: String) -> ActorProcessingErr {
        format!("executor panicked on task {task}: {panic}").into()
    }
}

/// One attempt: the executor under the task's timeout (its clock stopped while the attempt
/// waits for a person), stopped at once by cancellation,
/// with a panic caught and returned as `Err` (the agent then crashes on purpose).
async fn run_attempt(
    executor: Arc<dyn Executor>,
    ctx: ExecContext,
    cancel: CancellationToken,
) -> Result<AttemptOutcome, String> {
    let run = AssertUnwindSafe(executor.run(&ctx)).catch_unwind();
    let outcome = tokio::select! {
        biased;
        () = cancel.cancelled() => Ok(AttemptOutcome::Cancelled),
        () = ctx.clock.deadline(ctx.task.timeout()) => Ok(AttemptOutcome::TimedOut),
        result = run => match result {
            Err(panic) => Err(panic_message(panic)),
            Ok(Ok(value)) => Ok(AttemptOutcome::Succeeded(value)),
            Ok(Err(error)) => Ok(AttemptOutcome::Failed(error)),
        },
    };
    cancel.cancel(); // Stops anything the executor spawned with the token.
    outcome
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into())
}
