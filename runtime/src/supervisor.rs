//! The root of the supervision tree: one [`WorkspaceActor`] per loaded workspace.
//!
//! A workspace actor that fails (a bug, an injected crash) is restarted from the store as
//! a new incarnation: new epoch, its agents restarted, its running tasks re-queued. The
//! old incarnation's attempts are cancelled and its agents stopped first.

use std::collections::HashMap;
use std::sync::Arc;

use agenthq_protocol::WorkspaceId;
use dashmap::DashMap;
use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::error::RuntimeError;
use crate::runtime::Shared;
use crate::workspace::{WorkspaceActor, WorkspaceArgs, WorkspaceMsg};

/// How the runtime handle reaches a workspace: its current actor, and the permits that
/// bound the commands in flight to it (so its mailbox stays bounded).
#[derive(Debug, Clone)]
pub(crate) struct WorkspaceEntry {
    pub(crate) actor: ActorRef<WorkspaceMsg>,
    pub(crate) permits: Arc<Semaphore>,
}

pub(crate) type Directory = Arc<DashMap<WorkspaceId, WorkspaceEntry>>;

#[derive(Debug)]
pub(crate) struct RootSupervisor;

pub(crate) struct RootArgs {
    pub(crate) shared: Arc<Shared>,
    pub(crate) directory: Directory,
    pub(crate) shutdown: CancellationToken,
}

pub(crate) struct RootState {
    args: RootArgs,
    incarnations: HashMap<ractor::ActorId, (WorkspaceId, CancellationToken)>,
}

pub(crate) enum RootMsg {
    /// Starts the workspace's actor unless it runs already.
    Load {
        id: WorkspaceId,
        /// The epoch is raised at least to this (a cluster lease's fence; 0 otherwise).
        floor: u64,
        reply: RpcReplyPort<Result<(), RuntimeError>>,
    },
    /// Stops the workspace's actor (this node no longer owns it); nothing restarts it.
    Unload {
        id: WorkspaceId,
        reply: RpcReplyPort<()>,
    },
}

impl std::fmt::Debug for RootMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootMsg::Load { id, .. } => write!(f, "Load({id})"),
            RootMsg::Unload { id, .. } => write!(f, "Unload({id})"),
        }
    }
}

impl Actor for RootSupervisor {
    type Msg = RootMsg;
    type State = RootState;
    type Arguments = RootArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<RootMsg>,
        args: RootArgs,
    ) -> Result<RootState, ActorProcessingErr> {
        Ok(RootState {
            args,
            incarnations: HashMap::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<RootMsg>,
        msg: RootMsg,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            RootMsg::Load { id, floor, reply } => {
                let result = if state.args.directory.contains_key(&id) {
                    Ok(())
                } else {
                    state.spawn(&myself, id, floor).await
                };
                let _ = reply.send(result);
            }
            RootMsg::Unload { id, reply } => {
                if let Some((_, entry)) = state.args.directory.remove(&id) {
                    let cell = entry.actor.get_id();
                    if let Some((_, token)) = state.incarnations.remove(&cell) {
                        token.cancel();
                    }
                    entry.actor.stop(Some("workspace unloaded".into()));
                }
                let _ = reply.send(());
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<RootMsg>,
        evt: SupervisionEvent,
        state: &mut RootState,
    ) -> Result<(), ActorProcessingErr> {
        match evt {
            SupervisionEvent::ActorFailed(cell, err) => {
                let Some((id, token)) = state.incarnations.remove(&cell.get_id()) else {
                    return Ok(());
                };
                tracing::error!(workspace_id = %id, error = %err, "workspace actor failed; restarting from the store");
                token.cancel();
                cell.stop_children(Some("workspace restarting".into()));
                if state.args.shutdown.is_cancelled() {
                    state.args.directory.remove(&id);
                } else if let Err(err) = state.spawn(&myself, id, 0).await {
                    tracing::error!(workspace_id = %id, error = %err, "workspace restart failed; it is unavailable");
                    state.args.directory.remove(&id);
                }
            }
            SupervisionEvent::ActorTerminated(cell, _, _) => {
                if let Some((id, token)) = state.incarnations.remove(&cell.get_id()) {
                    token.cancel();
                    state
                        .args
                        .directory
                        .remove_if(&id, |_, e| e.actor.get_id() == cell.get_id());
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl RootState {
    async fn spawn(
        &mut self,
        myself: &ActorRef<RootMsg>,
        id: WorkspaceId,
        floor: u64,
    ) -> Result<(), RuntimeError> {
        let token = self.args.shutdown.child_token();
        let args = WorkspaceArgs {
            id,
            floor,
            shared: self.args.shared.clone(),
            shutdown: token.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, WorkspaceActor, args, myself.get_cell())
            .await
            .map_err(|e| match e {
                ractor::SpawnErr::StartupFailed(err) => match err.downcast::<RuntimeError>() {
                    Ok(err) => *err,
                    Err(err) => RuntimeError::Invalid(err.to_string()),
                },
                other => RuntimeError::Invalid(other.to_string()),
            })?;
        self.incarnations.insert(actor.get_id(), (id, token));
        let permits = self
            .args
            .directory
            .get(&id)
            .map(|e| e.permits.clone())
            .unwrap_or_else(|| {
                Arc::new(Semaphore::new(self.args.shared.config.max_pending_commands))
            });
        self.args
            .directory
            .insert(id, WorkspaceEntry { actor, permits });
        Ok(())
    }
}
