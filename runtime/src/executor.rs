//! Executors run one attempt of a task. The runtime gives each attempt an [`ExecContext`]
//! for reporting progress and activity and for noticing cancellation.

mod llm;
mod sim;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use agenthq_protocol::{ActivityKind, AgentId, TaskId, WorkspaceId};
use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

pub use llm::{
    ApiKey, CallPolicy, Endpoint, HttpSettings, LlmExecutor, LlmSettings, Price, Provider,
    ShellSettings, ToolName, ToolSettings,
};
pub use sim::{SimExecutor, SimParams};

use crate::budget::{Budget, Level};
use crate::store::ExecutorConfig;
use crate::task::TaskRecord;

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExecError {
    pub message: String,
    /// `false` ends the task as failed at once, whatever attempts are left.
    pub retryable: bool,
}

impl ExecError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: true,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
        }
    }
}

/// Runs tasks. An executor that panics crashes its agent's actor, which its workspace
/// restarts; the task then goes through the retry policy.
#[async_trait]
pub trait Executor: Send + Sync + std::fmt::Debug + 'static {
    async fn run(&self, ctx: &ExecContext) -> Result<serde_json::Value, ExecError>;

    /// Whether this executor's attempts spend the workspace's model budget (tasks for its
    /// agents are refused once the budget is spent).
    fn spends(&self) -> bool {
        false
    }

    /// Checks an agent's executor config when the agent is created or changed, so a
    /// mistake is a clear error then rather than a failed task later.
    fn check(&self, _workspace: WorkspaceId, _config: &ExecutorConfig) -> Result<(), String> {
        Ok(())
    }
}

/// Executors by the name agents use in their [`ExecutorConfig::kind`].
#[derive(Debug, Clone)]
pub struct ExecutorRegistry {
    executors: HashMap<String, Arc<dyn Executor>>,
}

impl Default for ExecutorRegistry {
    /// The built-in executors: `sim`.
    fn default() -> Self {
        let mut registry = Self {
            executors: HashMap::new(),
        };
        registry.register("sim", Arc::new(SimExecutor));
        registry
    }
}

impl ExecutorRegistry {
    pub fn register(&mut self, kind: &str, executor: Arc<dyn Executor>) {
        self.executors.insert(kind.to_owned(), executor);
    }

    pub fn get(&self, kind: &str) -> Option<Arc<dyn Executor>> {
        self.executors.get(kind).cloned()
    }
}

/// Called (at most once until the workspace reads the signals) when an attempt has new
/// progress or activity.
pub(crate) type Notify = Arc<dyn Fn(TaskId) + Send + Sync>;

/// What one attempt reports, kept until its workspace reads it. Progress keeps only the
/// latest value; activity lines keep the newest `cap` (older ones are dropped and counted).
/// So an executor reporting in a tight loop costs one mailbox message per read, not one
/// per report.
#[derive(Debug)]
pub(crate) struct Signals {
    progress: AtomicU16,
    lines: Mutex<VecDeque<(ActivityKind, String)>>,
    dropped: AtomicU32,
    /// Model tokens used since the last read: in (prompt), out (completion).
    tokens_in: AtomicU64,
    tokens_out: AtomicU64,
    /// Micro-dollars spent since the last read.
    spend: AtomicU64,
    notified: AtomicBool,
    cap: usize,
}

/// Progress value meaning "none reported since the last read".
const NO_PROGRESS: u16 = u16::MAX;

impl Signals {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            progress: AtomicU16::new(NO_PROGRESS),
            lines: Mutex::new(VecDeque::new()),
            dropped: AtomicU32::new(0),
            tokens_in: AtomicU64::new(0),
            tokens_out: AtomicU64::new(0),
            spend: AtomicU64::new(0),
            notified: AtomicBool::new(false),
            cap: cap.max(1),
        }
    }

    /// Takes what was reported since the last call.
    pub(crate) fn take(&self) -> Reported {
        self.notified.store(false, Ordering::Release);
        let progress = self.progress.swap(NO_PROGRESS, Ordering::AcqRel);
        let lines = std::mem::take(&mut *self.lines.lock().unwrap_or_else(|e| e.into_inner()));
        Reported {
            progress: (progress != NO_PROGRESS).then_some(progress),
            lines: lines.into(),
            dropped: self.dropped.swap(0, Ordering::AcqRel),
            tokens_in: self.tokens_in.swap(0, Ordering::AcqRel),
            tokens_out: self.tokens_out.swap(0, Ordering::AcqRel),
            spend: self.spend.swap(0, Ordering::AcqRel),
        }
    }
}

/// What an attempt reported since its workspace last read its [`Signals`].
#[derive(Debug)]
pub(crate) struct Reported {
    pub progress: Option<u16>,
    pub lines: Vec<(ActivityKind, String)>,
    /// Lines dropped because the attempt reported faster than the workspace read.
    pub dropped: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub spend: u64,
}

/// The workspace an attempt runs in: its model budget, and a way to hand work to
/// colleagues (the workspace actor takes the submission like any other, caps included).
#[derive(Clone)]
pub struct Workplace {
    pub(crate) budget: Arc<Budget>,
    pub(crate) actor: Option<ractor::ActorRef<crate::workspace::WorkspaceMsg>>,
    pub(crate) store: Option<Arc<dyn crate::store::Store>>,
}

impl std::fmt::Debug for Workplace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workplace").finish_non_exhaustive()
    }
}

impl Workplace {
    /// A workplace with a budget and no colleagues (for executors run on their own).
    pub fn detached(budget: Arc<Budget>) -> Self {
        Self {
            budget,
            actor: None,
            store: None,
        }
    }
}

/// An attempt's timeout clock. It stops while the attempt waits for a person (an
/// approval): a task's timeout bounds its work, not how long its people take to answer.
#[derive(Debug)]
pub(crate) struct Clock {
    held: tokio::sync::watch::Sender<Held>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Held {
    since: Option<tokio::time::Instant>,
    total: std::time::Duration,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            held: tokio::sync::watch::Sender::new(Held::default()),
        }
    }
}

impl Clock {
    /// Stops the clock until the guard is dropped.
    fn hold(&self) -> HoldGuard<'_> {
        self.held.send_modify(|h| {
            h.since.get_or_insert_with(tokio::time::Instant::now);
        });
        HoldGuard(self)
    }

    /// Resolves once `timeout` of running time (time not held) has passed since the call.
    pub(crate) async fn deadline(&self, timeout: std::time::Duration) {
        let start = tokio::time::Instant::now();
        let mut changes = self.held.subscribe();
        loop {
            let held = *changes.borrow_and_update();
            if held.since.is_some() {
                // Held: wait for the release (the sender lives as long as `self`).
                let _ = changes.changed().await;
                continue;
            }
            let due = start + timeout + held.total;
            tokio::select! {
                () = tokio::time::sleep_until(due) => return,
                _ = changes.changed() => {}
            }
        }
    }
}

struct HoldGuard<'a>(&'a Clock);

impl Drop for HoldGuard<'_> {
    fn drop(&mut self) {
        self.0.held.send_modify(|h| {
            if let Some(since) = h.since.take() {
                h.total += since.elapsed();
            }
        });
    }
}

/// Longest activity line, in characters: the office shows a bubble, the API the whole text.
pub(crate) const LINE_CHARS: usize = 200;

/// `text` cut to [`LINE_CHARS`] characters, with an ellipsis if it was longer.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(LINE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Unread messages an agent takes into one turn; more wait for the next.
pub const INBOX_BATCH: u32 = 20;

/// How often [`ExecContext::wait_for`] looks at the store.
const WAIT_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// The agent an attempt runs as.
#[derive(Debug, Clone)]
pub struct Identity {
    pub id: AgentId,
    pub name: Arc<str>,
    /// The agent's personality, as its people wrote it.
    pub personality: Arc<str>,
    pub config: Arc<ExecutorConfig>,
}

/// What an executor gets for one attempt.
#[derive(Clone)]
pub struct ExecContext {
    pub task: Arc<TaskRecord>,
    pub agent: AgentId,
    pub agent_name: Arc<str>,
    /// The agent's personality, as its people wrote it.
    pub personality: Arc<str>,
    pub config: Arc<ExecutorConfig>,
    /// This attempt's number, from 1.
    pub attempt: u32,
    cancel: CancellationToken,
    signals: Arc<Signals>,
    notify: Notify,
    workplace: Workplace,
    pub(crate) clock: Arc<Clock>,
}

impl std::fmt::Debug for ExecContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecContext")
            .field("task", &self.task.id)
            .field("agent", &self.agent)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl ExecContext {
    pub(crate) fn new(
        task: Arc<TaskRecord>,
        agent: &Identity,
        workplace: Workplace,
        cancel: CancellationToken,
        signals: Arc<Signals>,
        notify: Notify,
    ) -> Self {
        let attempt = task.attempts;
        Self {
            task,
            agent: agent.id,
            agent_name: agent.name.clone(),
            personality: agent.personality.clone(),
            config: agent.config.clone(),
            attempt,
            cancel,
            signals,
            notify,
            workplace,
            clock: Arc::new(Clock::default()),
        }
    }

    /// Reports progress of this attempt, in per mille (clamped to 1000).
    pub fn progress(&self, per_mille: u16) {
        self.signals
            .progress
            .store(per_mille.min(1000), Ordering::Release);
        self.wake();
    }

    /// Adds a line to the agent's activity (shown in the office bubble).
    pub fn activity(&self, kind: ActivityKind, text: impl Into<String>) {
        {
            let mut lines = self.signals.lines.lock().unwrap_or_else(|e| e.into_inner());
            if lines.len() == self.signals.cap {
                lines.pop_front();
                self.signals.dropped.fetch_add(1, Ordering::Relaxed);
            }
            lines.push_back((kind, text.into()));
        }
        self.wake();
    }

    /// Meters a model call: its tokens, and what they cost in micro-dollars, into the
    /// workspace's usage; the cost counts against the budget at once.
    pub fn spend(&self, tokens_in: u64, tokens_out: u64, micros: u64) {
        self.workplace.budget.spend(micros);
        self.signals
            .tokens_in
            .fetch_add(tokens_in, Ordering::AcqRel);
        self.signals
            .tokens_out
            .fetch_add(tokens_out, Ordering::AcqRel);
        self.signals.spend.fetch_add(micros, Ordering::AcqRel);
        self.wake();
    }

    /// Whether the workspace's model budget for the month is spent: an attempt that calls
    /// a model stops before its next call.
    pub fn budget_exhausted(&self) -> bool {
        self.workplace.budget.level() == Level::Exhausted
    }

    /// The workspace's agents, from the store.
    pub async fn colleagues(&self) -> Result<Vec<crate::store::AgentRecord>, String> {
        let store = self.workplace.store.as_ref().ok_or("no colleagues here")?;
        store
            .agents(self.task.workspace)
            .await
            .map_err(|e| e.to_string())
    }

    /// Submits a task in this workspace (to a colleague); answered once it is durable.
    pub async fn submit(&self, task: crate::task::NewTask) -> Result<TaskRecord, String> {
        let answer = ractor::call!(self.actor()?, |reply| {
            crate::workspace::WorkspaceMsg::Submit {
                tasks: vec![task],
                reply,
            }
        })
        .map_err(|_| "the workspace is restarting; try again".to_owned())?;
        match answer.into_iter().next() {
            Some(Ok(submitted)) => Ok(submitted.task),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("the workspace did not answer".into()),
        }
    }

    fn actor(&self) -> Result<&ractor::ActorRef<crate::workspace::WorkspaceMsg>, String> {
        self.workplace
            .actor
            .as_ref()
            .ok_or_else(|| "no colleagues here".to_owned())
    }

    /// Sends a message from this agent to a colleague, or to the people (`None`);
    /// answered once it is stored.
    pub async fn send_message(
        &self,
        to: Option<AgentId>,
        text: String,
    ) -> Result<crate::store::MessageRecord, String> {
        let message = crate::workspace::Outgoing {
            from: Some(self.agent),
            to,
            author: self.agent_name.to_string(),
            text,
            task: Some(self.task.id),
        };
        ractor::call!(self.actor()?, |reply| {
            crate::workspace::WorkspaceMsg::Send {
                message: Box::new(message),
                reply,
            }
        })
        .map_err(|_| "the workspace is restarting; try again".to_owned())?
        .map_err(|e| e.to_string())
    }

    /// Takes this agent's unread messages (at most [`INBOX_BATCH`], oldest first): each
    /// is taken once, by the first turn that asks.
    pub async fn inbox(&self) -> Result<Vec<crate::store::MessageRecord>, String> {
        let Some(store) = self.workplace.store.as_ref() else {
            return Ok(Vec::new());
        };
        store
            .take_inbox(
                self.task.workspace,
                self.agent,
                INBOX_BATCH,
                crate::task::now_ms(),
            )
            .await
            .map_err(|e| e.to_string())
    }

    /// Asks a person to approve `action` and waits for the decision (or the request's
    /// expiry). The task shows `awaiting_approval` meanwhile, and its timeout stops.
    pub async fn request_approval(
        &self,
        action: String,
        detail: String,
    ) -> Result<crate::store::Settlement, String> {
        let request = crate::workspace::ApprovalRequest {
            task: self.task.id,
            agent: self.agent,
            action,
            detail,
        };
        let ticket = ractor::call!(self.actor()?, |reply| {
            crate::workspace::WorkspaceMsg::RequestApproval {
                request: Box::new(request),
                reply,
            }
        })
        .map_err(|_| "the workspace is restarting; try again".to_owned())?
        .map_err(|e| e.to_string())?;
        tracing::debug!(task_id = %self.task.id, approval_id = %ticket.record.id, "waiting for a person");
        let _held = self.clock.hold();
        ticket
            .settled
            .await
            .map_err(|_| "the workspace restarted before anyone decided; ask again".to_owned())
    }

    /// Waits until a task of this workspace has ended, and answers it as stored. Bounded
    /// by this attempt: its timeout or cancellation drops the wait.
    pub async fn wait_for(&self, task: TaskId) -> Result<TaskRecord, String> {
        let store = self.workplace.store.as_ref().ok_or("no colleagues here")?;
        loop {
            match store.task(self.task.workspace, task).await {
                Ok(Some(record)) if record.status.is_terminal() => return Ok(record),
                Ok(Some(_)) => {}
                Ok(None) => return Err(format!("task {task} not found")),
                Err(e) => return Err(e.to_string()),
            }
            tokio::time::sleep(WAIT_POLL).await;
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when the attempt is cancelled (by a person, a timeout or shutdown).
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }

    fn wake(&self) {
        if !self.signals.notified.swap(true, Ordering::AcqRel) {
            (self.notify)(self.task.id);
        }
    }
}

/// A context for running an executor alone in unit tests: a task with `input` on its
/// `attempt`, agent Ada, no budget and no colleagues; its signals hold what it reported.
#[cfg(test)]
pub(crate) fn test_context(input: serde_json::Value, attempt: u32) -> (ExecContext, Arc<Signals>) {
    let task = crate::task::TaskRecord {
        id: TaskId::from_bytes([3; 16]),
        workspace: agenthq_protocol::WorkspaceId::from_bytes([1; 16]),
        agent: None,
        assigned: None,
        title: "the quarterly report".into(),
        input,
        priority: 0,
        status: agenthq_protocol::TaskStatus::Running,
        attempts: attempt,
        max_attempts: 3,
        backoff_ms: 10,
        timeout_ms: 10_000,
        idempotency_key: None,
        result: None,
        error: None,
        created_at: 0,
        updated_at: 0,
        run_after: None,
    };
    let signals = Arc::new(Signals::new(64));
    let agent = Identity {
        id: AgentId::from_bytes([2; 16]),
        name: "Ada".into(),
        personality: "".into(),
        config: Arc::new(ExecutorConfig::default()),
    };
    let ctx = ExecContext::new(
        Arc::new(task),
        &agent,
        Workplace::detached(Arc::new(crate::budget::Budget::new(0, 0))),
        CancellationToken::new(),
        signals.clone(),
        Arc::new(|_| {}),
    );
    (ctx, signals)
}

#[cfg(test)]
mod clock_tests {
    use std::time::Duration;

    use super::Clock;

    #[tokio::test(start_paused = true)]
    async fn the_timeout_clock_stops_while_held_and_runs_on_after() {
        let clock = std::sync::Arc::new(Clock::default());
        let started = tokio::time::Instant::now();
        let deadline = tokio::spawn({
            let clock = clock.clone();
            async move { clock.deadline(Duration::from_secs(10)).await }
        });
        tokio::time::sleep(Duration::from_secs(4)).await;
        {
            let _held = clock.hold();
            // An hour waiting for a person: the 10 s are not up.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            assert!(!deadline.is_finished());
        }
        deadline.await.unwrap();
        // 4 s before the hold, 6 s after it.
        assert_eq!(started.elapsed(), Duration::from_secs(3610));
    }
}
