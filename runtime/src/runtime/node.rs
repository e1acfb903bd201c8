//! The runtime as a node of a cluster: workspaces taken and kept under Redis leases,
//! subscriptions to workspaces other nodes own, and the requests nodes send each other.

use std::sync::Arc;

use agenthq_protocol::{Resume, ServerMessage, Topic, WorkspaceId};

use super::Runtime;
use crate::bus::{Bus, SendBudget};
use crate::cluster::{Cluster, Lease, Take};
use crate::error::RuntimeError;
use crate::supervisor::RootMsg;
use crate::workspace::{TopicSubscription, WorkspaceMsg};

/// The first byte of a request between nodes: what it is for.
const SNAPSHOT_REQUEST: u8 = b'S';
const APP_REQUEST: u8 = b'A';
/// How long a snapshot from another node may take.
const FORWARD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Answers other nodes' requests: snapshots here, the rest to the application.
struct NodeRequests {
    runtime: Runtime,
    app: Arc<dyn crate::cluster::RequestHandler>,
}

#[async_trait::async_trait]
impl crate::cluster::RequestHandler for NodeRequests {
    async fn handle(&self, body: bytes::Bytes) -> bytes::Bytes {
        match body.first() {
            Some(&APP_REQUEST) => self.app.handle(body.slice(1..)).await,
            Some(&SNAPSHOT_REQUEST) => {
                let answer = match std::str::from_utf8(&body[1..])
                    .ok()
                    .and_then(|t| t.parse::<Topic>().ok())
                {
                    Some(topic) => match self.runtime.snapshot_here(topic).await {
                        Ok(snapshot) => snapshot,
                        Err(err) => ServerMessage::Error {
                            code: match err {
                                RuntimeError::UnknownWorkspace(_)
                                | RuntimeError::UnknownAgent(_) => {
                                    agenthq_protocol::ErrorCode::NotFound
                                }
                                _ => agenthq_protocol::ErrorCode::Internal,
                            },
                            message: err.to_string(),
                            topic: Some(topic),
                        },
                    },
                    None => ServerMessage::Error {
                        code: agenthq_protocol::ErrorCode::Malformed,
                        message: "not a topic".into(),
                        topic: None,
                    },
                };
                agenthq_protocol::Codec::MessagePack
                    .encode(&answer)
                    .map(bytes::Bytes::from)
                    .unwrap_or_default()
            }
            _ => bytes::Bytes::new(),
        }
    }
}

impl Runtime {
    /// Takes a workspace's lease and loads it, unless another node owns it.
    pub(super) async fn take(&self, id: WorkspaceId) -> Result<(), RuntimeError> {
        let Some(cluster) = &self.shared.cluster else {
            return Ok(());
        };
        let _one_at_a_time = self.taking.lock().await;
        if self.directory.contains_key(&id) {
            return Ok(());
        }
        let record = self
            .shared
            .store
            .workspace(id)
            .await?
            .ok_or(RuntimeError::UnknownWorkspace(id))?;
        let take = cluster.leases.take(id, record.epoch).await.map_err(|err| {
            tracing::warn!(workspace_id = %id, error = %err, "cannot take a workspace lease");
            RuntimeError::Unavailable(id)
        })?;
        match take {
            Take::Granted(lease) => {
                if let Err(err) = self.load(id, lease.fence).await {
                    let _ = cluster.leases.release(&lease).await;
                    return Err(err);
                }
                tracing::info!(workspace_id = %id, fence = lease.fence, "workspace taken");
                self.leases.insert(id, lease.clone());
                self.tracker
                    .spawn(self.clone().keep(cluster.clone(), lease));
                Ok(())
            }
            // Held under an earlier grant to this node: it lapses soon, then retry.
            Take::Held(holder) if &holder.node == cluster.leases.node() => {
                Err(RuntimeError::Unavailable(id))
            }
            Take::Held(holder) => Err(RuntimeError::NotOwner {
                workspace: id,
                node: holder.node,
            }),
        }
    }

    /// Renews a lease until the runtime stops; if it is lost (or cannot be renewed before
    /// it would lapse), the workspace stops here at once.
    async fn keep(self, cluster: Cluster, mut lease: Lease) {
        let id = lease.workspace;
        let every = cluster.leases.renew_every();
        loop {
            let wake = (tokio::time::Instant::now() + every).min(lease.valid_until);
            tokio::select! {
                // Stopping: `shutdown` gives the lease back after the last write; `kill`
                // leaves it to lapse.
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep_until(wake) => {}
            }
            if !self.directory.contains_key(&id) {
                let _ = cluster.leases.release(&lease).await;
                self.leases.remove(&id);
                return;
            }
            match cluster.leases.renew(&mut lease).await {
                Ok(true) => {
                    self.leases.insert(id, lease.clone());
                    continue;
                }
                Ok(false) => {}
                Err(err) if lease.is_valid() => {
                    tracing::warn!(workspace_id = %id, error = %err, "cannot renew a lease; retrying");
                    continue;
                }
                Err(_) => {}
            }
            tracing::warn!(workspace_id = %id, "workspace lease lost; stopping it here");
            self.leases.remove(&id);
            self.unload(id).await;
            return;
        }
    }

    /// Stops the workspace on this node: its queued writes are fenced off first, so
    /// nothing more of this incarnation reaches the store.
    pub(super) async fn unload(&self, id: WorkspaceId) {
        let Some(entry) = self.directory.get(&id).map(|e| e.clone()) else {
            return;
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let epoch = match entry.actor.cast(WorkspaceMsg::Stats(tx.into())) {
            Ok(()) => rx.await.ok().map(|s| s.epoch),
            Err(_) => None,
        };
        if let Some(epoch) = epoch {
            let _ = self.shared.writer.fence(id, epoch + 1).await;
        }
        if let Some(cluster) = &self.shared.cluster {
            cluster
                .bus
                .stop_publishing(|topic| self.workspace_of(topic).is_ok_and(|ws| ws == id));
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self
            .root
            .cast(RootMsg::Unload {
                id,
                reply: tx.into(),
            })
            .is_ok()
        {
            let _ = rx.await;
        }
    }

    /// Follows the topic from Redis, registers the subscriber, and only then asks the
    /// owner for a snapshot: every diff after the snapshot reaches the subscriber, and
    /// those before it (seq not above the snapshot's) are skipped by the connection.
    pub(super) async fn subscribe_remote(
        &self,
        cluster: &Cluster,
        owner: &crate::cluster::NodeId,
        workspace: WorkspaceId,
        topic: Topic,
        budget: Option<SendBudget>,
    ) -> Result<TopicSubscription, RuntimeError> {
        let unavailable = |_| RuntimeError::Unavailable(workspace);
        cluster.bus.follow(topic).await.map_err(unavailable)?;
        let (_, stream) = cluster
            .bus
            .subscribe(topic, None, Resume { epoch: 0, seq: 0 }, budget);
        let mut request = vec![SNAPSHOT_REQUEST];
        request.extend_from_slice(topic.to_string().as_bytes());
        let answer = cluster
            .bus
            .call(owner, request.into(), FORWARD_TIMEOUT)
            .await
            .map_err(|_| RuntimeError::Unavailable(workspace))?;
        let snapshot: ServerMessage = agenthq_protocol::Codec::MessagePack
            .decode(&answer)
            .map_err(|_| RuntimeError::Unavailable(workspace))?;
        match snapshot {
            ServerMessage::Snapshot { .. } => Ok(TopicSubscription {
                opening: crate::workspace::Opening::Snapshot(snapshot),
                stream,
            }),
            ServerMessage::Error {
                code: agenthq_protocol::ErrorCode::NotFound,
                ..
            } => Err(RuntimeError::UnknownWorkspace(workspace)),
            _ => Err(RuntimeError::Unavailable(workspace)),
        }
    }

    /// Lets this node answer other nodes: snapshots of the topics it owns here, and
    /// `app`'s requests (the server's forwarded API requests) — see [`Runtime::forward`].
    pub fn serve_requests(&self, app: Arc<dyn crate::cluster::RequestHandler>) {
        if let Some(cluster) = &self.shared.cluster {
            cluster.bus.serve(Some(Arc::new(NodeRequests {
                runtime: self.clone(),
                app,
            })));
        }
    }

    /// Sends an application request (a forwarded API request) to another node's `app`
    /// handler (see [`Runtime::serve_requests`]).
    pub async fn forward(
        &self,
        node: &crate::cluster::NodeId,
        body: bytes::Bytes,
        timeout: std::time::Duration,
    ) -> Result<bytes::Bytes, crate::cluster::RpcError> {
        let Some(cluster) = &self.shared.cluster else {
            return Err(crate::cluster::RpcError::Unreachable(node.clone()));
        };
        let mut request = Vec::with_capacity(body.len() + 1);
        request.push(APP_REQUEST);
        request.extend_from_slice(&body);
        cluster.bus.call(node, request.into(), timeout).await
    }

    /// The topic's state as a snapshot, only if this node owns its workspace now (a
    /// request from another node must not make this one take the workspace).
    async fn snapshot_here(&self, topic: Topic) -> Result<ServerMessage, RuntimeError> {
        let workspace = self.resolve_workspace(&topic).await?;
        if !self.directory.contains_key(&workspace) {
            return Err(RuntimeError::Unavailable(workspace));
        }
        self.snapshot(topic).await
    }
}
