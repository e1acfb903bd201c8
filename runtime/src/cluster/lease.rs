//! Workspace ownership by Redis lease.
//!
//! A lease is one key per workspace, `agenthq:lease:{id}`, holding `"{node} {fence}"` with
//! an expiry; it is taken only if absent (`SET NX` semantics, in a script that also counts
//! the fence), renewed only by its holder, and lapses by itself when the holder stops
//! renewing. The fence comes from `agenthq:fence:{id}`, a counter raised at every grant,
//! and becomes the workspace's topic epoch: a later owner always has a higher one.
//!
//! Redis here may keep nothing on disk, so the counter can be lost with a restart: the
//! taker passes the highest epoch the shared store has seen as a floor, and the counter
//! is raised past it. Epochs therefore only grow, across Redis restarts too.
//!
//! The holder's view is conservative: a lease counts as held until `acquired + ttl -
//! margin` measured from *before* the request was sent, so it stops writing before Redis
//! can give the workspace to anyone else, whatever the network did to the answer.
//!
//! When Redis cannot be reached at all, the holder keeps its workspaces and keeps trying:
//! no node can be granted a lease while Redis is down, and when it is back the holder
//! takes its lapsed lease back under the same fence ([`Leases::reclaim`]) unless someone
//! was granted it meanwhile. Should only this node be cut off while others reach Redis,
//! another node may take the workspace over; the store's epoch check then refuses this
//! node's next write, and it stops the workspace (see `store::writer`). Redis decides who
//! owns a workspace; the store makes sure a replaced owner cannot write.

use std::time::Duration;

use agenthq_protocol::WorkspaceId;
use tokio::time::Instant;

use super::{NodeId, RedisLink};

/// How much earlier than its expiry a holder stops trusting its lease.
pub const SAFETY_MARGIN: Duration = Duration::from_millis(500);

const ACQUIRE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
local fence = redis.call('INCR', KEYS[2])
local floor = tonumber(ARGV[3])
if fence <= floor then
  fence = floor + 1
  redis.call('SET', KEYS[2], fence)
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. fence, 'PX', ARGV[2])
return {1, fence}
";

const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

// Ours again if still ours, or if it lapsed and nobody was granted it since (the counter
// has not passed our fence; a counter lost with a Redis restart is set back to it).
const RECLAIM: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder then
  if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return 0
end
local fence = tonumber(ARGV[3])
local counter = tonumber(redis.call('GET', KEYS[2]) or '0')
if counter > fence then return 0 end
if counter < fence then redis.call('SET', KEYS[2], fence) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A lease this node holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub workspace: WorkspaceId,
    /// The fencing counter at the grant: the workspace's epoch under this owner.
    pub fence: u64,
    /// Until when this node may act as the owner (already less the safety margin).
    pub valid_until: Instant,
}

impl Lease {
    /// Whether the holder may still write for the workspace.
    pub fn is_valid(&self) -> bool {
        Instant::now() < self.valid_until
    }
}

/// Who holds a workspace's lease now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub node: NodeId,
    pub fence: u64,
}

/// The answer to a take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Take {
    Granted(Lease),
    /// Another node (or this one, under an earlier grant) holds it.
    Held(Holder),
}

/// Takes, renews and gives back workspace leases for one node.
#[derive(Clone)]
pub struct Leases {
    redis: RedisLink,
    node: NodeId,
    ttl: Duration,
    acquire: redis::Script,
    renew: redis::Script,
    reclaim: redis::Script,
    release: redis::Script,
}

impl std::fmt::Debug for Leases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leases")
            .field("node", &self.node)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn lease_key(workspace: WorkspaceId) -> String {
    format!("agenthq:lease:{workspace}")
}

fn fence_key(workspace: WorkspaceId) -> String {
    format!("agenthq:fence:{workspace}")
}

impl Leases {
    /// `ttl` must leave room for the safety margin and a renewal or two (at least 2 s).
    pub fn new(redis: RedisLink, node: NodeId, ttl: Duration) -> Self {
        Self {
            redis,
            node,
            ttl: ttl.max(SAFETY_MARGIN * 4),
            acquire: redis::Script::new(ACQUIRE),
            renew: redis::Script::new(RENEW),
            reclaim: redis::Script::new(RECLAIM),
            release: redis::Script::new(RELEASE),
        }
    }

    pub fn node(&self) -> &NodeId {
        &self.node
    }

    /// The Redis connection the leases use.
    pub fn link(&self) -> &RedisLink {
        &self.redis
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Renew this often: three tries before a lease could lapse.
    pub fn renew_every(&self) -> Duration {
        (self.ttl - SAFETY_MARGIN) / 3
    }

    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)
    }

    fn value(&self, fence: u64) -> String {
        format!("{} {fence}", self.node)
    }

    /// Takes the workspace's lease if nobody holds it; the fence granted is above `floor`
    /// (the highest epoch the store has seen for it).
    pub async fn take(&self, workspace: WorkspaceId, floor: u64) -> redis::RedisResult<Take> {
        let asked = Instant::now();
        let (granted, answer): (i64, redis::Value) = self
            .redis
            .query(|| {
                async |c| {
                    self.acquire
                        .key(lease_key(workspace))
                        .key(fence_key(workspace))
                        .arg(self.node.as_str())
                        .arg(self.ttl_ms())
                        .arg(floor)
                        .invoke_async(c)
                        .await
                }
            })
            .await?;
        if granted == 1 {
            let fence: u64 = redis::from_redis_value(answer)?;
            metrics::counter!("agenthq_lease_changes_total", "change" => "taken").increment(1);
            return Ok(Take::Granted(Lease {
                workspace,
                fence,
                valid_until: asked + self.ttl - SAFETY_MARGIN,
            }));
        }
        let holder: String = redis::from_redis_value(answer)?;
        Ok(Take::Held(parse_holder(&holder)?))
    }

    /// Extends a held lease; `false` if it is no longer this node's (it lapsed, and maybe
    /// another node took it): the holder must stop writing at once.
    pub async fn renew(&self, lease: &mut Lease) -> redis::RedisResult<bool> {
        let asked = Instant::now();
        let renewed: i64 = self
            .redis
            .query(|| {
                async |c| {
                    self.renew
                        .key(lease_key(lease.workspace))
                        .arg(self.value(lease.fence))
                        .arg(self.ttl_ms())
                        .invoke_async(c)
                        .await
                }
            })
            .await?;
        if renewed == 1 {
            lease.valid_until = asked + self.ttl - SAFETY_MARGIN;
        }
        Ok(renewed == 1)
    }

    /// Takes a lapsed lease back under the same fence, if no node was granted it since
    /// (after a Redis outage, say, or a restart that lost every key); `true` if the lease
    /// is this node's again. The caller must also know that no newer owner loaded the
    /// workspace from the store (a grant whose counter Redis has since lost).
    pub async fn reclaim(&self, lease: &mut Lease) -> redis::RedisResult<bool> {
        let asked = Instant::now();
        let reclaimed: i64 = self
            .redis
            .query(|| {
                async |c| {
                    self.reclaim
                        .key(lease_key(lease.workspace))
                        .key(fence_key(lease.workspace))
                        .arg(self.value(lease.fence))
                        .arg(self.ttl_ms())
                        .arg(lease.fence)
                        .invoke_async(c)
                        .await
                }
            })
            .await?;
        if reclaimed == 1 {
            lease.valid_until = asked + self.ttl - SAFETY_MARGIN;
            metrics::counter!("agenthq_lease_changes_total", "change" => "reclaimed").increment(1);
        }
        Ok(reclaimed == 1)
    }

    /// Gives a lease back (at shutdown), so another node need not wait for it to lapse.
    pub async fn release(&self, lease: &Lease) -> redis::RedisResult<bool> {
        let released: i64 = self
            .redis
            .query(|| {
                async |c| {
                    self.release
                        .key(lease_key(lease.workspace))
                        .arg(self.value(lease.fence))
                        .invoke_async(c)
                        .await
                }
            })
            .await?;
        if released == 1 {
            metrics::counter!("agenthq_lease_changes_total", "change" => "released").increment(1);
        }
        Ok(released == 1)
    }

    /// Who holds the workspace now, if anyone.
    pub async fn holder(&self, workspace: WorkspaceId) -> redis::RedisResult<Option<Holder>> {
        let value: Option<String> = self
            .redis
            .query(|| {
                async |c| {
                    redis::cmd("GET")
                        .arg(lease_key(workspace))
                        .query_async(c)
                        .await
                }
            })
            .await?;
        value.as_deref().map(parse_holder).transpose()
    }
}

fn parse_holder(value: &str) -> redis::RedisResult<Holder> {
    let bad = || {
        redis::RedisError::from((
            redis::ErrorKind::Parse,
            "lease value is not \"node fence\"",
            value.to_owned(),
        ))
    };
    let (node, fence) = value.rsplit_once(' ').ok_or_else(bad)?;
    Ok(Holder {
        node: NodeId::from(node),
        fence: fence.parse().map_err(|_| bad())?,
    })
}
