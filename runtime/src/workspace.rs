//! The workspace actor: the single writer of one workspace's live state on this node.
//!
//! It owns the task queue (priority, then FIFO), admission against the workspace's caps,
//! assignment to its agents, the retry timers, and the office state it publishes once per
//! tick. Its agents are linked children: when one crashes, this actor puts the agent's
//! attempts through the retry policy and restarts it, or marks it faulted after too many
//! restarts in a window.
//!
//! Every message is handled to completion before the next, so the state needs no locks.
//! Store writes leave through the group-commit writer; a submission is answered only after
//! its task is committed.

mod office;
mod scheduler;
mod state;

use std::sync::Arc;

use agenthq_protocol::{AgentId, Resume, ServerMessage, TaskId, Topic};
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tokio_util::sync::CancellationToken;

pub(crate) use state::WorkspaceState;
pub use state::{
    ApprovalRequest, ApprovalTicket, MAX_ACTION_CHARS, MAX_DETAIL_CHARS, MAX_MESSAGE_CHARS,
    Outgoing,
};

use crate::agent::Report;
use crate::bus::{Publication, Subscription};
use crate::error::RuntimeError;
use crate::runtime::Shared;
use crate::store::{AgentRecord, InsertOutcome, StoreError};
use crate::task::{NewTask, Submitted, TaskRecord};
use agenthq_protocol::AgentView;

/// How a subscription opens: a snapshot, or the diffs the client missed (maybe none).
#[derive(Debug)]
pub enum Opening {
    Snapshot(ServerMessage),
    Replay(Vec<Arc<Publication>>),
}

/// A live subscription to a topic: send `opening` first, then what `stream` yields.
#[derive(Debug)]
pub struct TopicSubscription {
    pub opening: Opening,
    pub stream: Subscription,
}

/// Counters of a workspace at one instant (for tests, metrics and the API).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceStats {
    pub epoch: u64,
    pub running: u32,
    /// Queued, waiting out a backoff, or being persisted.
    pub waiting: u32,
    pub agents: u32,
    pub faulted: u32,
    /// Agents with a running actor (idle agents' actors are stopped after a while).
    pub live_actors: u32,
}

pub(crate) enum WorkspaceMsg {
    Submit {
        tasks: Vec<NewTask>,
        reply: RpcReplyPort<Vec<Result<Submitted, RuntimeError>>>,
    },
    /// The writer committed (or failed) a batch of submitted tasks.
    Persisted {
        batch: u64,
        tasks: Vec<TaskRecord>,
        outcome: Result<Vec<InsertOutcome>, StoreError>,
    },
    /// Answers `None` when the task is not live here (finished, or unknown).
    Cancel {
        task: TaskId,
        reply: RpcReplyPort<Result<Option<TaskRecord>, RuntimeError>>,
    },
    /// Puts a failed or dead task back in the queue with fresh attempts.
    Requeue {
        task: Box<TaskRecord>,
        reply: RpcReplyPort<Result<TaskRecord, RuntimeError>>,
    },
    AddAgent {
        agent: Box<AgentRecord>,
        reply: RpcReplyPort<Result<AgentView, RuntimeError>>,
    },
    RemoveAgent {
        agent: AgentId,
        reply: RpcReplyPort<Result<(), RuntimeError>>,
    },
    /// The workspace's tier changed (stored already).
    SetTier {
        tier: agenthq_protocol::Tier,
        caps: crate::config::WorkspaceCaps,
        reply: RpcReplyPort<()>,
    },
    /// Clears an agent's faulted status and starts it again.
    ResetAgent {
        agent: AgentId,
        reply: RpcReplyPort<Result<(), RuntimeError>>,
    },
    Subscribe {
        topic: Topic,
        resume: Option<Resume>,
        budget: Option<crate::bus::SendBudget>,
        reply: RpcReplyPort<Result<TopicSubscription, RuntimeError>>,
    },
    Snapshot {
        topic: Topic,
        reply: RpcReplyPort<Result<ServerMessage, RuntimeError>>,
    },
    Stats(RpcReplyPort<WorkspaceStats>),
    /// Store and show a message.
    Send {
        message: Box<Outgoing>,
        reply: RpcReplyPort<Result<crate::store::MessageRecord, RuntimeError>>,
    },
    /// An attempt asks for a person's approval.
    RequestApproval {
        request: Box<ApprovalRequest>,
        reply: RpcReplyPort<Result<ApprovalTicket, RuntimeError>>,
    },
    /// A person approves or rejects.
    Decide {
        approval: agenthq_protocol::ApprovalId,
        verdict: agenthq_protocol::Verdict,
        by: String,
        comment: Option<String>,
        reply: RpcReplyPort<Result<crate::store::ApprovalRecord, RuntimeError>>,
    },
    /// An approval request's time is up.
    ExpireApproval(agenthq_protocol::ApprovalId),
    /// How attempts of an agent ended.
    Finished {
        agent: AgentId,
        reports: Vec<Report>,
    },
    /// An attempt has new progress or activity to read.
    Signals(TaskId),
    /// Publish this tick's diffs.
    Tick,
    /// A retry backoff may have run out.
    Wake,
    /// Stop the actors of agents idle past `agent_idle_timeout`.
    SweepIdle,
    /// Fault injection for tests and drills: the actor fails as a bug would make it.
    Crash,
}

impl std::fmt::Debug for WorkspaceMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            WorkspaceMsg::Submit { .. } => "Submit",
            WorkspaceMsg::Persisted { .. } => "Persisted",
            WorkspaceMsg::Cancel { .. } => "Cancel",
            WorkspaceMsg::Requeue { .. } => "Requeue",
            WorkspaceMsg::AddAgent { .. } => "AddAgent",
            WorkspaceMsg::RemoveAgent { .. } => "RemoveAgent",
            WorkspaceMsg::ResetAgent { .. } => "ResetAgent",
            WorkspaceMsg::SetTier { .. } => "SetTier",
            WorkspaceMsg::Subscribe { .. } => "Subscribe",
            WorkspaceMsg::Snapshot { .. } => "Snapshot",
            WorkspaceMsg::Stats(_) => "Stats",
            WorkspaceMsg::Send { .. } => "Send",
            WorkspaceMsg::RequestApproval { .. } => "RequestApproval",
            WorkspaceMsg::Decide { .. } => "Decide",
            WorkspaceMsg::ExpireApproval(_) => "ExpireApproval",
            WorkspaceMsg::Finished { .. } => "Finished",
            WorkspaceMsg::Signals(_) => "Signals",
            WorkspaceMsg::Tick => "Tick",
            WorkspaceMsg::Wake => "Wake",
            WorkspaceMsg::SweepIdle => "SweepIdle",
            WorkspaceMsg::Crash => "Crash",
        };
        f.write_str(name)
    }
}

#[derive(Debug)]
pub(crate) struct WorkspaceActor;

pub(crate) struct WorkspaceArgs {
    pub id: agenthq_protocol::WorkspaceId,
    /// The new incarnation's epoch is at least this (a cluster lease's fence).
    pub floor: u64,
    pub shared: Arc<Shared>,
    /// Cancelled when this incarnation ends (stop, crash or shutdown): stops its attempts.
    pub shutdown: CancellationToken,
}

impl Actor for WorkspaceActor {
    type Msg = WorkspaceMsg;
    type State = WorkspaceState;
    type Arguments = WorkspaceArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<WorkspaceMsg>,
        args: WorkspaceArgs,
    ) -> Result<WorkspaceState, ActorProcessingErr> {
        Ok(WorkspaceState::load(myself, args).await?)
    }

    async fn post_start(
        &self,
        myself: ActorRef<WorkspaceMsg>,
        state: &mut WorkspaceState,
    ) -> Result<(), ActorProcessingErr> {
        state.after_message(&myself).await?;
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<WorkspaceMsg>,
        msg: WorkspaceMsg,
        state: &mut WorkspaceState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            WorkspaceMsg::Submit { tasks, reply } => state.submit(&myself, tasks, reply),
            WorkspaceMsg::Persisted {
                batch,
                tasks,
                outcome,
            } => state.persisted(batch, tasks, outcome),
            WorkspaceMsg::Cancel { task, reply } => {
                let _ = reply.send(Ok(state.cancel(task)));
            }
            WorkspaceMsg::Requeue { task, reply } => state.requeue(*task, reply),
            WorkspaceMsg::AddAgent { agent, reply } => {
                let _ = reply.send(state.add_agent(*agent));
            }
            WorkspaceMsg::RemoveAgent { agent, reply } => {
                let _ = reply.send(state.remove_agent(agent));
            }
            WorkspaceMsg::SetTier { tier, caps, reply } => {
                state.set_tier(tier, caps);
                let _ = reply.send(());
            }
            WorkspaceMsg::ResetAgent { agent, reply } => {
                let _ = reply.send(state.reset_agent(agent));
            }
            WorkspaceMsg::Subscribe {
                topic,
                resume,
                budget,
                reply,
            } => {
                let _ = reply.send(state.subscribe(topic, resume, budget));
            }
            WorkspaceMsg::Snapshot { topic, reply } => {
                let _ = reply.send(state.snapshot(topic));
            }
            WorkspaceMsg::Stats(reply) => {
                let _ = reply.send(state.stats());
            }
            WorkspaceMsg::Send { message, reply } => {
                let _ = reply.send(state.send_message(*message).await);
            }
            WorkspaceMsg::RequestApproval { request, reply } => {
                let _ = reply.send(state.request_approval(*request).await);
            }
            WorkspaceMsg::Decide {
                approval,
                verdict,
                by,
                comment,
                reply,
            } => {
                let _ = reply.send(state.decide(approval, verdict, by, comment).await);
            }
            WorkspaceMsg::ExpireApproval(id) => {
                if let Err(e) = state.expire_approval(id).await {
                    // The store failed: try again in a while rather than lose the expiry.
                    tracing::warn!(approval_id = %id, error = %e, "could not expire an approval; retrying");
                    myself.send_after(std::time::Duration::from_secs(5), move || {
                        WorkspaceMsg::ExpireApproval(id)
                    });
                }
            }
            WorkspaceMsg::Finished { agent, reports } => {
                for (task, attempt, outcome) in reports {
                    state.finished(agent, task, attempt, outcome);
                }
            }
            WorkspaceMsg::Signals(task) => state.read_signals(task),
            WorkspaceMsg::Tick => state.tick(),
            WorkspaceMsg::Wake => state.wake(),
            WorkspaceMsg::SweepIdle => state.sweep_idle(),
            WorkspaceMsg::Crash => return Err("crash injected".into()),
        }
        state.after_message(&myself).await?;
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<WorkspaceMsg>,
        evt: SupervisionEvent,
        state: &mut WorkspaceState,
    ) -> Result<(), ActorProcessingErr> {
        match evt {
            SupervisionEvent::ActorFailed(cell, err) => {
                state.agent_failed(cell.get_id(), &err.to_string());
            }
            SupervisionEvent::ActorTerminated(cell, _, _) => state.agent_stopped(cell.get_id()),
            _ => {}
        }
        state.after_message(&myself).await?;
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<WorkspaceMsg>,
        state: &mut WorkspaceState,
    ) -> Result<(), ActorProcessingErr> {
        state.stop().await;
        Ok(())
    }
}
