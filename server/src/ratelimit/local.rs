//! The buckets of one node, in memory: one [`governor`] keyed limiter per class.

use std::num::NonZeroU32;
use std::sync::Arc;

use dashmap::DashMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::{Bucket, Class, MAX_KEYS, Rule, Standing};

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

#[derive(Debug, Default)]
pub(super) struct LocalBuckets {
    classes: DashMap<Class, Arc<(Rule, Keyed)>>,
    clock: DefaultClock,
}

fn quota(rule: Rule) -> Quota {
    let burst = NonZeroU32::new(rule.limit.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(rule.interval().max(std::time::Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl LocalBuckets {
    fn limiter(&self, class: Class, rule: Rule) -> Arc<(Rule, Keyed)> {
        self.classes
            .entry(class)
            .or_insert_with(|| {
                let limiter: Keyed = RateLimiter::new(
                    quota(rule),
                    DefaultKeyedStateStore::default(),
                    self.clock.clone(),
                );
                Arc::new((rule, limiter))
            })
            .clone()
    }

    /// One standing per bucket; `None` when a class's table is full. A bucket checked
    /// before one that refuses has counted the request (governor takes as it checks).
    pub(super) fn check(&self, buckets: &[(Bucket, Rule)]) -> Option<Vec<Standing>> {
        let mut out = Vec::with_capacity(buckets.len());
        for (bucket, rule) in buckets {
            let entry = self.limiter(bucket.class(), *rule);
            let limiter = &entry.1;
            if limiter.len() >= MAX_KEYS {
                return None;
            }
            let standing = match limiter.check_key(&bucket.key()) {
                Ok(snapshot) => {
                    let remaining = snapshot.remaining_burst_capacity();
                    Standing {
                        limit: rule.limit,
                        remaining,
                        reset: rule.interval() * rule.limit.saturating_sub(remaining),
                        retry_after: None,
                    }
                }
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    Standing {
                        limit: rule.limit,
                        remaining: 0,
                        reset: rule.interval() * rule.limit,
                        retry_after: Some(wait),
                    }
                }
            };
            let refused = standing.retry_after.is_some();
            out.push(standing);
            if refused {
                break;
            }
        }
        Some(out)
    }

    /// Forgets buckets back at full capacity.
    pub(super) fn sweep(&self) {
        for entry in self.classes.iter() {
            entry.1.retain_recent();
            entry.1.shrink_to_fit();
        }
    }
}
