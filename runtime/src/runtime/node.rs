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
/// "Take this workspace": another node hands it over (rebalancing).
const TAKE_REQUEST: u8 = b'T';
/// How long a snapshot from another node may take.
const FORWARD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Answers other nodes' requests: snapshots here, the rest to the application.
struct NodeRequests {
    runtime: Runtime,
    /// The application's handler for its own requests, once it has set one.
    app: Option<Arc<dyn crate::cluster::RequestHandler>>,
}

#[async_trait::async_trait]
impl crate::cluster::RequestHandler for NodeRequests {
    async fn handle(&self, body: bytes::Bytes) -> bytes::Bytes {
        match body.first() {
            Some(&TAKE_REQUEST) => {
                let taken = match std::str::from_utf8(&body[1..])
                    .ok()
                    .and_then(|id| id.parse::<WorkspaceId>().ok())
                {
                    Some(id) => self.runtime.take(id).await.map_err(|e| e.to_string()),
                    None => Err("not a workspace id".into()),
                };
                match taken {
                    Ok(()) => bytes::Bytes::from_static(b"ok"),
                    Err(err) => bytes::Bytes::from(err),
                }
            }
            Some(&APP_REQUEST) => match &self.app {
                Some(app) => app.handle(body.slice(1..)).await,
                None => bytes::Bytes::new(),
            },
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
        if self
            .handed_off
            .get(&id)
            .is_some_and(|until| tokio::time::Instant::now() < *until)
        {
            // Handed to another node just now: it takes it; this node does not take it
            // back (its own watchers, resubscribing, would otherwise).
            return match cluster.leases.holder(id).await {
                Ok(Some(holder)) => Err(RuntimeError::NotOwner {
                    workspace: id,
                    node: holder.node,
                }),
                _ => Err(RuntimeError::Unavailable(id)),
            };
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
                // Its watchers here followed another owner until now.
                cluster
                    .bus
                    .resync_local(|topic| self.workspace_of(topic).is_ok_and(|ws| ws == id));
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

    /// Renews a lease until the runtime stops. A lease found lost (another node holds it,
    /// or it lapsed and cannot be reclaimed) stops the workspace here at once. While Redis
    /// cannot be reached the workspace keeps running: nobody can be granted the lease then,
    /// and if another node that still reaches Redis takes it over, the store refuses this
    /// node's writes and the workspace stops here (see [`Runtime::stop_fenced_off`]).
    async fn keep(self, cluster: Cluster, mut lease: Lease) {
        let id = lease.workspace;
        let every = cluster.leases.renew_every();
        let mut confirmed = true;
        loop {
            let mut wake = tokio::time::Instant::now() + every;
            if confirmed {
                wake = wake.min(lease.valid_until);
            }
            tokio::select! {
                // Stopping: `shutdown` gives the lease back after the last write; `kill`
                // leaves it to lapse.
                () = self.shutdown.cancelled() => break,
                () = tokio::time::sleep_until(wake) => {}
            }
            if !self.directory.contains_key(&id) {
                let _ = cluster.leases.release(&lease).await;
                self.leases.remove(&id);
                break;
            }
            let held = match cluster.leases.renew(&mut lease).await {
                Ok(true) => Ok(true),
                Ok(false) => self.reclaim(&cluster, &mut lease).await,
                Err(err) => Err(err.to_string()),
            };
            match held {
                Ok(true) => {
                    if !confirmed {
                        tracing::info!(workspace_id = %id, fence = lease.fence, "workspace lease confirmed again");
                        metrics::gauge!("agenthq_leases_unconfirmed").decrement(1.0);
                        confirmed = true;
                    }
                    self.leases.insert(id, lease.clone());
                }
                Ok(false) => {
                    tracing::warn!(workspace_id = %id, "workspace lease lost; stopping it here");
                    metrics::counter!("agenthq_lease_changes_total", "change" => "lost")
                        .increment(1);
                    self.leases.remove(&id);
                    self.unload(id).await;
                    break;
                }
                Err(err) => {
                    if confirmed {
                        tracing::warn!(workspace_id = %id, error = %err,
                            "cannot reach Redis to renew a lease; keeping the workspace and retrying");
                        metrics::gauge!("agenthq_leases_unconfirmed").increment(1.0);
                        confirmed = false;
                    }
                }
            }
        }
        if !confirmed {
            metrics::gauge!("agenthq_leases_unconfirmed").decrement(1.0);
        }
    }

    /// Takes a lapsed lease back under the same fence, unless a newer owner loaded the
    /// workspace from the store meanwhile or Redis granted it to another node.
    async fn reclaim(&self, cluster: &Cluster, lease: &mut Lease) -> Result<bool, String> {
        let Some(epoch) = self.epoch_here(lease.workspace).await else {
            return Ok(false);
        };
        match self.shared.store.workspace(lease.workspace).await {
            Ok(Some(record)) if record.epoch <= epoch => {}
            Ok(_) => return Ok(false),
            Err(err) => return Err(err.to_string()),
        }
        cluster
            .leases
            .reclaim(lease)
            .await
            .map_err(|e| e.to_string())
    }

    /// The epoch of the workspace's incarnation on this node, if it runs here.
    async fn epoch_here(&self, id: WorkspaceId) -> Option<u64> {
        let entry = self.directory.get(&id).map(|e| e.clone())?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        entry.actor.cast(WorkspaceMsg::Stats(tx.into())).ok()?;
        rx.await.ok().map(|s| s.epoch)
    }

    /// Takes over the workspaces this node's clients watch whose owner is gone (its lease
    /// lapsed): without it, a workspace nobody sends commands to would stay ownerless after
    /// its node died, and its watchers would wait for diffs that never come. Once taken
    /// here, its diffs carry a new epoch and the watchers resync.
    pub(super) async fn sweep(self, cluster: Cluster) {
        let every = cluster.leases.renew_every();
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            // One lease lookup per workspace, however many of its topics are watched.
            let watched: std::collections::BTreeSet<WorkspaceId> = cluster
                .bus
                .followed_topics()
                .iter()
                .filter_map(|topic| self.workspace_of(topic).ok())
                .collect();
            for id in watched {
                if self.directory.contains_key(&id)
                    || !matches!(cluster.leases.holder(id).await, Ok(None))
                {
                    continue;
                }
                match self.take(id).await {
                    Ok(()) => {
                        tracing::info!(workspace_id = %id, "took over a watched workspace whose owner is gone");
                    }
                    Err(err) => {
                        tracing::debug!(workspace_id = %id, error = %err, "cannot take over a watched workspace");
                    }
                }
            }
        }
    }

    /// Reports this node's load every renewal period and, while it owns more workspaces
    /// than a fair share, hands one per period to the least loaded node: stops it here
    /// (writes flushed and fenced, lease given back), then asks that node to take it. Its
    /// watchers here resync and follow the new owner.
    pub(super) async fn rebalance(self, cluster: Cluster) {
        let every = cluster.leases.renew_every();
        let members = crate::cluster::members::Members::new(
            cluster.leases.link().clone(),
            cluster.leases.node().clone(),
            every * 3,
        );
        loop {
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
            let loads = match members.report(self.leases.len()).await {
                Ok(loads) => loads,
                Err(err) => {
                    tracing::debug!(error = %err, "cannot report this node's load");
                    continue;
                }
            };
            let Some(to) = crate::cluster::members::hand_over_to(cluster.leases.node(), &loads)
            else {
                continue;
            };
            let Some(lease) = self.leases.iter().next().map(|e| e.value().clone()) else {
                continue;
            };
            self.hand_over(&cluster, lease, to.clone()).await;
        }
    }

    async fn hand_over(&self, cluster: &Cluster, lease: Lease, to: crate::cluster::NodeId) {
        let id = lease.workspace;
        tracing::info!(workspace_id = %id, to = %to, "handing a workspace over (rebalancing)");
        self.handed_off
            .insert(id, tokio::time::Instant::now() + cluster.leases.ttl() * 2);
        self.handed_off
            .retain(|_, until| tokio::time::Instant::now() < *until);
        self.leases.remove(&id);
        // `unload` commits the workspace's queued writes and fences it before it returns.
        self.unload(id).await;
        let _ = cluster.leases.release(&lease).await;
        metrics::counter!("agenthq_lease_changes_total", "change" => "handed_over").increment(1);
        let mut request = vec![TAKE_REQUEST];
        request.extend_from_slice(id.to_string().as_bytes());
        match cluster.bus.call(&to, request.into(), FORWARD_TIMEOUT).await {
            Ok(answer) if &answer[..] == b"ok" => {}
            Ok(answer) => {
                tracing::warn!(workspace_id = %id, to = %to, answer = %String::from_utf8_lossy(&answer),
                    "the node did not take the workspace; the next node to need it will");
            }
            Err(err) => {
                tracing::warn!(workspace_id = %id, to = %to, error = %err,
                    "the node did not answer; the next node to need the workspace will take it");
            }
        }
    }

    /// The workspaces this node owns now.
    pub fn owned_workspaces(&self) -> Vec<WorkspaceId> {
        self.directory.iter().map(|e| *e.key()).collect()
    }

    /// Stops the workspaces whose writes the store refused (a newer incarnation holds
    /// them): at once, whatever the lease says. A node of a cluster leaves them to their
    /// new owner; a single node (whose database another process also runs the workspace
    /// from: a misconfiguration) reloads them from the store.
    pub(super) async fn stop_fenced_off(self) {
        let fenced_off = self.shared.writer.fenced_off().clone();
        loop {
            let workspaces = tokio::select! {
                () = self.shutdown.cancelled() => return,
                workspaces = fenced_off.next() => workspaces,
            };
            for id in workspaces {
                if !self.directory.contains_key(&id) {
                    continue;
                }
                self.unload(id).await;
                if self.shared.cluster.is_some() {
                    tracing::warn!(workspace_id = %id, "another node took this workspace over; stopped it here");
                } else {
                    tracing::error!(workspace_id = %id,
                        "another process runs this workspace from the same database; reloading it \
                         (run several nodes as a cluster: AGENTHQ_REDIS_URL)");
                    if let Err(err) = self.load(id, 0).await {
                        tracing::error!(workspace_id = %id, error = %err, "cannot reload the workspace");
                    }
                }
            }
        }
    }

    /// Stops the workspace on this node: its queued writes are fenced off first, so
    /// nothing more of this incarnation reaches the store.
    pub(super) async fn unload(&self, id: WorkspaceId) {
        if !self.directory.contains_key(&id) {
            return;
        }
        if let Some(epoch) = self.epoch_here(id).await {
            let _ = self.shared.writer.fence(id, epoch + 1).await;
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
        if let Some(cluster) = &self.shared.cluster {
            cluster
                .bus
                .stop_publishing(|topic| self.workspace_of(topic).is_ok_and(|ws| ws == id));
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

    /// Lets this node answer other nodes: snapshots of the topics it owns here (from the
    /// start), and with `app`, the application's requests (the server's forwarded API
    /// requests) — see [`Runtime::forward`].
    pub fn serve_requests(&self, app: Option<Arc<dyn crate::cluster::RequestHandler>>) {
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
