//! Which nodes are alive and how many workspaces each owns, for rebalancing.
//!
//! Each node that rebalances reports itself every period: its id in a sorted set scored
//! by when the report lapses (`agenthq:nodes`), and its count of owned workspaces in a
//! hash (`agenthq:load`). One script does it and answers every live node's count, after
//! dropping the nodes whose reports lapsed (a node that died leaves within three periods).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{NodeId, RedisLink};

const NODES_KEY: &str = "agenthq:nodes";
const LOAD_KEY: &str = "agenthq:load";

const REPORT: &str = r"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
for _, node in ipairs(gone) do redis.call('HDEL', KEYS[2], node) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
local answer = {}
for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  table.insert(answer, node)
  table.insert(answer, redis.call('HGET', KEYS[2], node) or '0')
end
return answer
";

/// One node's view of the cluster's membership.
#[derive(Clone)]
pub struct Members {
    redis: RedisLink,
    node: NodeId,
    lapse: Duration,
    report: redis::Script,
}

impl std::fmt::Debug for Members {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Members")
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Members {
    /// A node's report counts for `lapse` (three of its periods, say).
    pub fn new(redis: RedisLink, node: NodeId, lapse: Duration) -> Self {
        Self {
            redis,
            node,
            lapse,
            report: redis::Script::new(REPORT),
        }
    }

    /// Reports this node alive with `owned` workspaces; answers every live node and its
    /// count (this one included).
    pub async fn report(&self, owned: usize) -> redis::RedisResult<Vec<(NodeId, u64)>> {
        let now = now_ms();
        let until = now + self.lapse.as_millis() as u64;
        let answer: Vec<String> = self
            .redis
            .query(|| {
                async |c| {
                    self.report
                        .key(NODES_KEY)
                        .key(LOAD_KEY)
                        .arg(self.node.as_str())
                        .arg(until)
                        .arg(owned)
                        .arg(now)
                        .invoke_async(c)
                        .await
                }
            })
            .await?;
        Ok(answer
            .chunks(2)
            .filter_map(|pair| match pair {
                [node, count] => Some((NodeId::from(node.as_str()), count.parse().ok()?)),
                _ => None,
            })
            .collect())
    }
}

/// What a node with `mine` workspaces should hand over, given every live node's count:
/// one workspace to the least loaded other node, when that makes the spread fairer (the
/// receiver stays below what this node keeps). `None` when it is fair enough.
pub fn hand_over_to<'a>(me: &NodeId, loads: &'a [(NodeId, u64)]) -> Option<&'a NodeId> {
    let mine = loads.iter().find(|(n, _)| n == me)?.1;
    let (least, count) = loads
        .iter()
        .filter(|(n, _)| n != me)
        .min_by_key(|(n, c)| (*c, n.as_str().to_owned()))?;
    (count + 1 < mine).then_some(least)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loads(counts: &[(&str, u64)]) -> Vec<(NodeId, u64)> {
        counts.iter().map(|(n, c)| (NodeId::from(*n), *c)).collect()
    }

    #[test]
    fn a_node_hands_over_only_while_it_keeps_more_than_the_receiver_gets() {
        let me = NodeId::from("a");
        assert_eq!(
            hand_over_to(&me, &loads(&[("a", 4), ("b", 0)])),
            Some(&NodeId::from("b"))
        );
        assert_eq!(
            hand_over_to(&me, &loads(&[("a", 3), ("b", 1), ("c", 0)])),
            Some(&NodeId::from("c")),
            "to the least loaded"
        );
        assert_eq!(
            hand_over_to(&me, &loads(&[("a", 2), ("b", 1)])),
            None,
            "fair enough"
        );
        assert_eq!(
            hand_over_to(&me, &loads(&[("a", 1), ("b", 0)])),
            None,
            "no ping-pong"
        );
        assert_eq!(hand_over_to(&me, &loads(&[("a", 5)])), None, "alone");
        assert_eq!(
            hand_over_to(&me, &loads(&[("b", 5)])),
            None,
            "not reported yet"
        );
    }
}
