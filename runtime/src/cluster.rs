//! Scale-out over Redis: the pieces a node of a cluster uses.
//!
//! - [`lease`]: each workspace is owned by one node at a time through a Redis lease whose
//!   fencing counter is the workspace's epoch.
//! - [`bridge`]: [`RedisBus`], the bus of a cluster node: diffs of owned workspaces go
//!   out to Redis once per topic and tick; followed topics come in, are checked for gaps
//!   and fanned out locally.
//! - [`members`]: which nodes are alive and how many workspaces each owns (rebalancing).
//! - [`rpc`]: requests from one node to another (a command forwarded to a workspace's
//!   owner), with timeouts and bounds, on the bridge's connection.
//!
//! With no Redis configured none of this runs: a single node uses the [`MemoryBus`]
//! alone.
//!
//! [`MemoryBus`]: crate::MemoryBus

pub mod bridge;
pub mod lease;
pub mod members;
pub mod rpc;

pub use bridge::{BridgeConfig, BridgeError, RedisBus};
pub use lease::{Holder, Lease, Leases, Take};
pub use rpc::{RequestHandler, RpcError};

/// What a runtime needs to be a node of a cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub bus: RedisBus,
    pub leases: Leases,
    /// Hand workspaces to nodes that own fewer (nodes that join take their share).
    pub rebalance: bool,
}

/// A node's name in the cluster: unique per process (a fresh one at each start).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeId(String);

impl NodeId {
    /// A new random node id.
    pub fn generate() -> Self {
        Self(agenthq_protocol::id::new_v7().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for NodeId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A command connection to Redis that is replaced after any failure.
///
/// A connection can look alive and answer nothing (a half-dead network path): its
/// commands then time out, and the redis crate would keep it. Here a failed command drops
/// the connection, and the next command makes a fresh one.
#[derive(Clone)]
pub struct RedisLink {
    client: redis::Client,
    config: redis::AsyncConnectionConfig,
    current: std::sync::Arc<std::sync::Mutex<Option<redis::aio::MultiplexedConnection>>>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink").finish_non_exhaustive()
    }
}

impl RedisLink {
    /// Commands (and connecting) time out after `timeout`.
    pub fn new(url: &str, timeout: std::time::Duration) -> redis::RedisResult<Self> {
        Ok(Self {
            client: redis::Client::open(url)?,
            config: redis::AsyncConnectionConfig::new()
                .set_connection_timeout(Some(timeout))
                .set_response_timeout(Some(timeout)),
            current: std::sync::Arc::default(),
        })
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs a command (or a pipeline, or a script invocation) on the link's connection;
    /// a failure other than Redis answering with an error replaces the connection. A kept
    /// connection found dropped (Redis restarted since it was made) is replaced and the
    /// command sent once more on the new one: it cannot have run on the dead one. A
    /// timeout is not retried (the command may have run).
    ///
    /// `command` makes the command to run (once, or twice when retried).
    pub async fn query<T: redis::FromRedisValue, R>(
        &self,
        command: impl Fn() -> R,
    ) -> redis::RedisResult<T>
    where
        R: AsyncFnOnce(&mut redis::aio::MultiplexedConnection) -> redis::RedisResult<T>,
    {
        let kept = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(mut conn) = kept {
            match self.checked(command()(&mut conn).await) {
                Err(err) if err.is_connection_dropped() || err.is_connection_refusal() => {}
                answer => return answer,
            }
        }
        let mut conn = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
        self.checked(command()(&mut conn).await)
    }

    /// Forgets the connection after a failure that is not Redis's own answer.
    fn checked<T>(&self, answer: redis::RedisResult<T>) -> redis::RedisResult<T> {
        if let Err(err) = &answer
            && !matches!(err.kind(), redis::ErrorKind::Server(_))
        {
            *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        answer
    }
}
