//! The buckets of a cluster, in Redis: one Lua script checks (and, if all pass, takes
//! from) every bucket of a request atomically, on Redis's clock, so nodes agree.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use tokio::sync::Mutex;

use super::{Bucket, Rule, Standing};

/// GCRA over several keys. KEYS: the buckets; ARGV: per bucket its interval and burst
/// (microseconds, requests). Answers per bucket: allowed (1/0), then remaining (or the
/// wait in microseconds when refused), then microseconds until full. Writes only when
/// every bucket allows.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out, tats, all = {}, {}, true
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  tats[i] = new_tat
  if allow_at > now then
    all = false
    table.insert(out, 0); table.insert(out, allow_at - now); table.insert(out, tat - now)
  else
    table.insert(out, 1)
    table.insert(out, math.floor((now - allow_at) / interval))
    table.insert(out, new_tat - now)
  end
end
if all then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, string.format('%d', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + 1)
  end
end
return out
";

/// Keys are `agenthq:rl:<bucket>`.
const PREFIX: &str = "agenthq:rl:";

pub(super) struct RedisBuckets {
    client: redis::Client,
    script: redis::Script,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl std::fmt::Debug for RedisBuckets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBuckets").finish_non_exhaustive()
    }
}

/// A Redis call this long is given up and the node's own buckets count.
const TIMEOUT: Duration = Duration::from_millis(250);

impl RedisBuckets {
    pub(super) fn new(url: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            script: redis::Script::new(SCRIPT),
            connection: Mutex::new(None),
        })
    }

    async fn connection(&self) -> Result<MultiplexedConnection, redis::RedisError> {
        let mut slot = self.connection.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT));
        let c = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *slot = Some(c.clone());
        Ok(c)
    }

    pub(super) async fn check(
        &self,
        buckets: &[(Bucket, Rule)],
    ) -> Result<Vec<Standing>, redis::RedisError> {
        let mut connection = self.connection().await?;
        let mut invocation = self.script.prepare_invoke();
        for (bucket, rule) in buckets {
            invocation
                .key(format!("{PREFIX}{}", bucket.key()))
                .arg(rule.interval().as_micros().max(1) as u64)
                .arg(rule.limit.max(1));
        }
        let answer: Result<Vec<i64>, _> = invocation.invoke_async(&mut connection).await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(err) => {
                // Connect again next time.
                *self.connection.lock().await = None;
                return Err(err);
            }
        };
        let micros = |n: i64| Duration::from_micros(n.max(0) as u64);
        Ok(buckets
            .iter()
            .zip(answer.chunks_exact(3))
            .map(|((_, rule), a)| {
                if a[0] == 1 {
                    Standing {
                        limit: rule.limit,
                        remaining: a[1].clamp(0, i64::from(u32::MAX)) as u32,
                        reset: micros(a[2]),
                        retry_after: None,
                    }
                } else {
                    Standing {
                        limit: rule.limit,
                        remaining: 0,
                        reset: micros(a[2]),
                        retry_after: Some(micros(a[1])),
                    }
                }
            })
            .collect())
    }
}
