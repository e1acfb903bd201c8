//! Runtime settings: caps, retry policy, supervision limits and timings.

use std::time::Duration;

use crate::tier::Tiers;

/// Caps of one workspace; its tier gives them (see [`crate::TierLimits::caps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkspaceCaps {
    /// Most tasks running at once across the workspace's agents.
    pub max_running: u32,
    /// Most tasks waiting (queued, or waiting out a retry backoff). A submission past it is
    /// refused with `QueueFull`; nothing is buffered beyond it.
    pub max_queued: u32,
}

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; after the last failed one the task is dead.
    pub max_attempts: u32,
    /// Delay before the second attempt; doubles for each attempt after.
    pub backoff_base: Duration,
    /// No delay is longer than this.
    pub backoff_max: Duration,
    /// Each delay is scaled by a random factor in `[1 - jitter, 1]` ("equal jitter" style),
    /// so that tasks failing together do not retry together.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            jitter: 0.5,
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `next_attempt` (2 for the first retry), given a uniform random
    /// number `unit` in `[0, 1)`.
    pub fn backoff(&self, base: Duration, next_attempt: u32, unit: f64) -> Duration {
        let exp = next_attempt.saturating_sub(2).min(30);
        let raw = base.saturating_mul(1 << exp).min(self.backoff_max);
        raw.mul_f64(1.0 - self.jitter * unit.clamp(0.0, 1.0))
    }
}

/// Settings of a [`crate::Runtime`].
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// How often a workspace publishes its coalesced diffs (at most one per topic per tick).
    pub tick: Duration,
    /// Diffs kept per topic for resume; a client further behind gets a snapshot.
    pub history_len: usize,
    /// Publications buffered per subscriber; a subscriber that falls further behind is told
    /// to resync (its buffer is dropped), never silently skipped.
    pub subscriber_buffer: usize,
    /// Commands (submit, cancel, ...) in flight per workspace; further callers wait for a
    /// slot, so an actor's mailbox never grows without bound.
    pub max_pending_commands: usize,
    /// An agent restarted more than this many times within `restart_window` is faulted.
    pub max_restarts: u32,
    pub restart_window: Duration,
    pub retry: RetryPolicy,
    /// Timeout of one attempt when the task does not set one.
    pub default_timeout: Duration,
    /// Store writes buffered for the group-commit writer (backpressure past it).
    pub writer_queue: usize,
    /// Most rows one store transaction writes.
    pub writer_batch: usize,
    /// An agent's actor is stopped after this long without work, and started again with
    /// its next task, so idle agents cost memory for their state only. `None` keeps every
    /// actor running.
    pub agent_idle_timeout: Option<Duration>,
    /// Activity lines an executor may buffer between two reads by its workspace; past it
    /// the oldest are dropped and counted.
    pub activity_buffer: usize,
    /// What a workspace of each tier may use: caps, quotas, model budget.
    pub tiers: Tiers,
    /// How long an agent's approval request waits for a person; then it expires and the
    /// agent is told nobody approved. The wait does not count against the task's timeout.
    pub approval_timeout: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            approval_timeout: Duration::from_secs(3600),
            tick: Duration::from_millis(50),
            history_len: 256,
            subscriber_buffer: 1024,
            max_pending_commands: 1024,
            max_restarts: 5,
            restart_window: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            default_timeout: Duration::from_secs(300),
            writer_queue: 16_384,
            writer_batch: 2_048,
            agent_idle_timeout: Some(Duration::from_secs(30)),
            activity_buffer: 64,
            tiers: Tiers::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_until_the_cap_and_jitter_only_shortens() {
        let policy = RetryPolicy {
            backoff_max: Duration::from_secs(4),
            ..RetryPolicy::default()
        };
        let base = Duration::from_secs(1);
        assert_eq!(policy.backoff(base, 2, 0.0), Duration::from_secs(1));
        assert_eq!(policy.backoff(base, 3, 0.0), Duration::from_secs(2));
        assert_eq!(policy.backoff(base, 4, 0.0), Duration::from_secs(4));
        assert_eq!(policy.backoff(base, 9, 0.0), Duration::from_secs(4));
        assert_eq!(policy.backoff(base, 3, 1.0), Duration::from_secs(1));
    }
}
