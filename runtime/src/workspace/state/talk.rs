//! Messages and approval requests: what the workspace actor does with them.
//!
//! A message is stored, then shown (an op on the office topic and on the writer's and
//! reader's activity topics); its reader takes it from the store into its next turn.
//!
//! An approval request is stored `pending`; its task becomes `awaiting_approval` and its
//! agent shows it in the office while the attempt waits for the [`Settlement`]. It is
//! settled once: by a person (approve or reject), by its expiry timer, or as cancelled when
//! the attempt stops first. The store settles only a pending request, so a decision that
//! races the expiry loses cleanly with a conflict.

use agenthq_protocol::{
    ApprovalEvent, ApprovalId, ApprovalView, Decision, MessageId, MessageView, Verdict,
};
use tokio::sync::oneshot;

use super::*;
use crate::executor::clip;
use crate::store::{ApprovalRecord, ApprovalStatus, MessageRecord, Settlement};

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest approval action line and detail, in characters.
pub const MAX_ACTION_CHARS: usize = 200;
pub const MAX_DETAIL_CHARS: usize = 8000;

/// A message to send: from an agent or a person (`author`), to an agent or the people.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub from: Option<AgentId>,
    pub to: Option<AgentId>,
    pub author: String,
    pub text: String,
    pub task: Option<TaskId>,
}

/// What an agent asks a person to approve.
#[derive(Debug, Clone)]
pub struct ApprovalRequest {
    pub task: TaskId,
    pub agent: AgentId,
    pub action: String,
    pub detail: String,
}

/// A stored request, and where its settlement will arrive.
#[derive(Debug)]
pub struct ApprovalTicket {
    pub record: ApprovalRecord,
    pub settled: oneshot::Receiver<Settlement>,
}

/// A request waiting for a person, and the attempt waiting for it.
pub(crate) struct PendingApproval {
    record: ApprovalRecord,
    waiter: oneshot::Sender<Settlement>,
}

fn check_len(what: &str, text: &str, max: usize) -> Result<(), RuntimeError> {
    let n = text.chars().count();
    if n > max {
        return Err(RuntimeError::Invalid(format!(
            "{what} is {n} characters; at most {max}"
        )));
    }
    Ok(())
}

impl WorkspaceState {
    /// Stores a message and shows it; answered once it is durable.
    pub(crate) async fn send_message(
        &mut self,
        out: Outgoing,
    ) -> Result<MessageRecord, RuntimeError> {
        if out.text.trim().is_empty() {
            return Err(RuntimeError::Invalid("a message needs some text".into()));
        }
        check_len("the message", &out.text, MAX_MESSAGE_CHARS)?;
        for agent in out.from.iter().chain(&out.to) {
            if !self.agents.contains_key(agent) {
                return Err(RuntimeError::UnknownAgent(*agent));
            }
        }
        if out.from.is_some() && out.from == out.to {
            return Err(RuntimeError::Invalid(
                "an agent cannot write to itself".into(),
            ));
        }
        let record = MessageRecord {
            id: MessageId::new(),
            workspace: self.id,
            from: out.from,
            to: out.to,
            author: out.author,
            text: out.text,
            task: out.task,
            created_at: now_ms(),
            delivered_at: None,
        };
        self.shared.store.put_message(&record).await?;
        metrics::counter!("agenthq_messages_total").increment(1);
        if let (None, Some(to)) = (record.from, record.to) {
            // A person wrote to an agent: its bubble says so (an agent's own message shows
            // as its tool call already).
            let text = format!("message from {}: {}", record.author, record.text);
            self.line(to, None, ActivityKind::Status, clip(&text));
        }
        self.office.message(MessageView {
            id: record.id,
            from: record.from,
            to: record.to,
            author: record.author.clone(),
            text: record.text.clone(),
            task: record.task,
            at: record.created_at,
        });
        Ok(record)
    }

    /// Stores an approval request for a running task and puts the task on hold; the
    /// ticket's receiver hears how it was settled.
    pub(crate) async fn request_approval(
        &mut self,
        request: ApprovalRequest,
    ) -> Result<ApprovalTicket, RuntimeError> {
        check_len("the action", &request.action, MAX_ACTION_CHARS)?;
        check_len("the detail", &request.detail, MAX_DETAIL_CHARS)?;
        if request.action.trim().is_empty() {
            return Err(RuntimeError::Invalid(
                "say what needs approving in `action`".into(),
            ));
        }
        let task = self
            .tasks
            .get(&request.task)
            .ok_or(RuntimeError::UnknownTask(request.task))?;
        if task.record.assigned != Some(request.agent) || !task.record.status.is_running() {
            return Err(RuntimeError::InvalidState {
                task: request.task,
                status: task.record.status,
                action: "request approval",
            });
        }
        if task.record.status == TaskStatus::AwaitingApproval {
            return Err(RuntimeError::Invalid(
                "this task is already waiting for an approval".into(),
            ));
        }
        let now = now_ms();
        let timeout = self.shared.config.approval_timeout;
        let record = ApprovalRecord {
            id: ApprovalId::new(),
            workspace: self.id,
            task: request.task,
            agent: request.agent,
            action: request.action,
            detail: request.detail,
            status: ApprovalStatus::Pending,
            decided_by: None,
            comment: None,
            requested_at: now,
            expires_at: now.saturating_add(timeout.as_millis() as i64),
            decided_at: None,
        };
        self.shared.store.put_approval(&record).await?;
        metrics::counter!("agenthq_approvals_requested_total").increment(1);
        self.set_waiting(request.task, true);
        self.office.set_approval(ApprovalView {
            id: record.id,
            task: record.task,
            agent: record.agent,
            action: record.action.clone(),
            detail: record.detail.clone(),
            requested_at: record.requested_at,
            expires_at: record.expires_at,
        });
        let text = format!("asks for approval: {}", record.action);
        self.line(
            record.agent,
            Some(record.task),
            ActivityKind::Status,
            clip(&text),
        );
        let id = record.id;
        self.myself
            .send_after(timeout, move || WorkspaceMsg::ExpireApproval(id));
        let (waiter, settled) = oneshot::channel();
        self.approvals.insert(
            id,
            PendingApproval {
                record: record.clone(),
                waiter,
            },
        );
        Ok(ApprovalTicket { record, settled })
    }

    /// A person's decision. A request no longer pending is a conflict (someone decided,
    /// it expired, or its task stopped); one not in this workspace is unknown.
    pub(crate) async fn decide(
        &mut self,
        id: ApprovalId,
        verdict: Verdict,
        by: String,
        comment: Option<String>,
    ) -> Result<ApprovalRecord, RuntimeError> {
        if let Some(comment) = &comment {
            check_len("the comment", comment, MAX_MESSAGE_CHARS)?;
        }
        let settlement = Settlement {
            decision: verdict.decision(),
            by: Some(by),
            comment,
            at: now_ms(),
        };
        if self.approvals.contains_key(&id)
            && let Some(record) = self
                .shared
                .store
                .settle_approval(self.id, id, &settlement)
                .await?
        {
            self.settled(id, settlement);
            return Ok(record);
        }
        match self.shared.store.approval(self.id, id).await? {
            None => Err(RuntimeError::UnknownApproval(id)),
            Some(record) => Err(RuntimeError::ApprovalSettled {
                approval: id,
                status: match record.status {
                    // Pending in the store but not waited on here: its attempt stopped
                    // and the cancellation is on its way to the store.
                    ApprovalStatus::Pending => "cancelled",
                    ApprovalStatus::Settled(d) => d.as_str(),
                },
            }),
        }
    }

    /// The expiry timer of a request: settles it as expired if nobody decided.
    pub(crate) async fn expire_approval(&mut self, id: ApprovalId) -> Result<(), RuntimeError> {
        if !self.approvals.contains_key(&id) {
            return Ok(());
        }
        let settlement = Settlement {
            decision: Decision::Expired,
            by: None,
            comment: None,
            at: now_ms(),
        };
        self.shared
            .store
            .settle_approval(self.id, id, &settlement)
            .await?;
        self.settled(id, settlement);
        Ok(())
    }

    /// The attempt of `task` stopped: a request it was waiting on is cancelled (stored
    /// in the background; a restart cancels whatever is still pending).
    pub(super) fn cancel_approval_of(&mut self, task: TaskId) {
        let Some(id) = self
            .approvals
            .iter()
            .find(|(_, p)| p.record.task == task)
            .map(|(id, _)| *id)
        else {
            return;
        };
        let settlement = Settlement {
            decision: Decision::Cancelled,
            by: None,
            comment: Some("the task stopped before anyone decided".into()),
            at: now_ms(),
        };
        let (store, workspace) = (self.shared.store.clone(), self.id);
        let stored = settlement.clone();
        tokio::spawn(async move {
            if let Err(e) = store.settle_approval(workspace, id, &stored).await {
                tracing::warn!(workspace_id = %workspace, approval_id = %id, error = %e, "could not store a cancelled approval; the next load cancels it");
            }
        });
        self.settled(id, settlement);
    }

    /// What follows a settlement: the task goes on, the office shows how it ended, the
    /// waiting attempt hears it.
    fn settled(&mut self, id: ApprovalId, settlement: Settlement) {
        let Some(pending) = self.approvals.remove(&id) else {
            return;
        };
        let record = pending.record;
        metrics::counter!("agenthq_approvals_settled_total", "decision" => settlement.decision.as_str())
            .increment(1);
        self.set_waiting(record.task, false);
        let text = match (&settlement.by, &settlement.comment) {
            (Some(by), Some(c)) => format!("{} by {by}: {c}", settlement.decision.as_str()),
            (Some(by), None) => format!("{} by {by}", settlement.decision.as_str()),
            (None, _) => format!("approval {}", settlement.decision.as_str()),
        };
        self.line(
            record.agent,
            Some(record.task),
            ActivityKind::Status,
            clip(&text),
        );
        self.office.settle_approval(ApprovalEvent {
            id,
            task: record.task,
            agent: record.agent,
            decision: settlement.decision,
            by: settlement.by.clone(),
            comment: settlement.comment.clone(),
        });
        let _ = pending.waiter.send(settlement);
    }

    /// Puts a running task on hold for an approval (`true`) or back to running.
    fn set_waiting(&mut self, id: TaskId, waiting: bool) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let (from, to) = if waiting {
            (TaskStatus::Running, TaskStatus::AwaitingApproval)
        } else {
            (TaskStatus::AwaitingApproval, TaskStatus::Running)
        };
        if task.record.status != from {
            return;
        }
        task.record.status = to;
        task.record.updated_at = now_ms();
        let (record, agent) = (Arc::new(task.record.clone()), task.record.assigned);
        if let Some(view) = self.office.task_mut(id) {
            view.status = to;
        }
        self.persist(record, None);
        if let Some(agent) = agent {
            self.refresh_agent(agent);
        }
    }

    /// Whether any of the agent's attempts waits for an approval.
    pub(super) fn awaits_approval(&self, agent: AgentId) -> bool {
        self.agents.get(&agent).is_some_and(|slot| {
            slot.running.iter().any(|t| {
                self.tasks
                    .get(t)
                    .is_some_and(|t| t.record.status == TaskStatus::AwaitingApproval)
            })
        })
    }
}
