//! What a run measures, in a shape that merges: each worker process counts and records
//! on its own, the driver adds them up. Latency is an HDR histogram for the whole run
//! (exact percentiles after merging) and a coarse log-scale histogram per second for the
//! charts (small enough to keep an hour of them).

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Highest latency recorded, in microseconds (larger values are clamped to it).
pub const MAX_LATENCY_US: u64 = 60_000_000;

/// Counts of one run (or one worker's share of it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// WebSocket connections tried, made, and refused or broken on the way.
    pub attempted: u64,
    pub connected: u64,
    pub failed: u64,
    /// Connections open at the end (a worker reports its own; the driver adds them).
    pub held: u64,
    /// Frames and bytes received, all kinds.
    pub frames: u64,
    pub bytes: u64,
    pub snapshots: u64,
    pub diffs: u64,
    /// Updates delivered (a diff's ops; against Socket.io, each changed object emitted, or
    /// each change in a room's message) and the bytes of the frames that carried them.
    #[serde(default)]
    pub updates: u64,
    #[serde(default)]
    pub update_bytes: u64,
    /// Diffs of the watcher's epoch whose seq did not follow the last one (each answered
    /// by a resubscribe). The server promises in-order diffs or a resync notice, so any
    /// gap here is one the server let through silently.
    pub gaps: u64,
    /// Diffs of a new epoch (the workspace restarted, or another node took it over), each
    /// answered by a resubscribe, as the protocol asks.
    #[serde(default)]
    pub new_epochs: u64,
    /// Resubscriptions sent: after a gap, on `resync_required`, and on reconnect.
    pub resyncs: u64,
    /// Resumes answered by a replay of diffs (not a snapshot).
    pub replays: u64,
    /// Reconnections (churn or lost connections).
    pub reconnects: u64,
    /// Watchers that, at the end, had received nothing for the last 10 s (a busy office
    /// sends diffs every second: these were left behind).
    #[serde(default)]
    pub stalled: u64,
    pub tasks_submitted: u64,
    pub tasks_refused: u64,
    /// Errors by kind (`connect`, `close 4001`, `error not_found`, ...).
    pub errors: BTreeMap<String, u64>,
}

impl Counters {
    pub fn error(&mut self, kind: impl Into<String>) {
        *self.errors.entry(kind.into()).or_default() += 1;
    }

    pub fn add(&mut self, other: &Counters) {
        let Counters {
            attempted,
            connected,
            failed,
            held,
            frames,
            bytes,
            snapshots,
            diffs,
            updates,
            update_bytes,
            gaps,
            new_epochs,
            resyncs,
            replays,
            reconnects,
            stalled,
            tasks_submitted,
            tasks_refused,
            errors,
        } = other;
        self.attempted += attempted;
        self.connected += connected;
        self.failed += failed;
        self.held += held;
        self.frames += frames;
        self.bytes += bytes;
        self.snapshots += snapshots;
        self.diffs += diffs;
        self.updates += updates;
        self.update_bytes += update_bytes;
        self.gaps += gaps;
        self.new_epochs += new_epochs;
        self.resyncs += resyncs;
        self.replays += replays;
        self.reconnects += reconnects;
        self.stalled += stalled;
        self.tasks_submitted += tasks_submitted;
        self.tasks_refused += tasks_refused;
        for (kind, n) in errors {
            *self.errors.entry(kind.clone()).or_default() += n;
        }
    }
}

/// Delivery latency over the run (microseconds), exact to 3 significant figures.
#[derive(Debug, Clone)]
pub struct Latency(Histogram<u64>);

impl Default for Latency {
    fn default() -> Self {
        Self(Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid bounds"))
    }
}

impl Latency {
    pub fn record(&mut self, us: u64) {
        self.0.saturating_record(us.clamp(1, MAX_LATENCY_US));
    }

    pub fn merge(&mut self, other: &Latency) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The latency at `q` (0.0..=1.0), in microseconds.
    pub fn quantile(&self, q: f64) -> u64 {
        self.0.value_at_quantile(q)
    }

    pub fn max(&self) -> u64 {
        self.0.max()
    }
}

/// On the wire between processes: the recorded values and their counts.
impl Serialize for Latency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(u64, u64)> = self
            .0
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
            .collect();
        pairs.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Latency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(u64, u64)>::deserialize(d)?;
        let mut latency = Latency::default();
        for (value, count) in pairs {
            latency
                .0
                .saturating_record_n(value.clamp(1, MAX_LATENCY_US), count);
        }
        Ok(latency)
    }
}

/// Buckets of the per-second histogram: four per doubling from 1 µs to past a minute.
const COARSE_BUCKETS: usize = 4 * 27;

/// One second of the run: frames, bytes and a coarse latency histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Second {
    pub frames: u64,
    pub bytes: u64,
    /// Updates (a diff's ops) those frames carried.
    #[serde(default)]
    pub updates: u64,
    /// Counts per log bucket (see [`bucket_of`]); trailing zeros trimmed.
    pub latency: Vec<u32>,
}

fn bucket_of(us: u64) -> usize {
    let us = us.max(1) as f64;
    ((us.log2() * 4.0) as usize).min(COARSE_BUCKETS - 1)
}

/// The upper edge of a bucket, in microseconds.
fn bucket_top(i: usize) -> u64 {
    2f64.powf((i + 1) as f64 / 4.0).ceil() as u64
}

impl Second {
    pub fn record(&mut self, us: u64) {
        let b = bucket_of(us);
        if self.latency.len() <= b {
            self.latency.resize(b + 1, 0);
        }
        self.latency[b] = self.latency[b].saturating_add(1);
    }

    pub fn merge(&mut self, other: &Second) {
        self.frames += other.frames;
        self.bytes += other.bytes;
        self.updates += other.updates;
        if self.latency.len() < other.latency.len() {
            self.latency.resize(other.latency.len(), 0);
        }
        for (a, b) in self.latency.iter_mut().zip(&other.latency) {
            *a = a.saturating_add(*b);
        }
    }

    /// The latency at `q` to within a quarter doubling (the bucket's upper edge), in
    /// microseconds; `None` without samples.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let total: u64 = self.latency.iter().map(|&c| u64::from(c)).sum();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.latency.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(bucket_top(i));
            }
        }
        None
    }
}

/// Everything one process measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    pub counters: Counters,
    pub latency: Latency,
    /// By Unix second (workers started at different moments still line up).
    pub timeline: BTreeMap<u64, Second>,
}

impl Stats {
    pub fn merge(&mut self, other: &Stats) {
        self.counters.add(&other.counters);
        self.latency.merge(&other.latency);
        for (at, second) in &other.timeline {
            self.timeline.entry(*at).or_default().merge(second);
        }
    }

    /// A received frame of `bytes`, at Unix second `at`, with its delivery latency if it
    /// carried a `server_time`.
    pub fn frame(&mut self, at: u64, bytes: u64, latency_us: Option<u64>) {
        self.counters.frames += 1;
        self.counters.bytes += bytes;
        let second = self.timeline.entry(at).or_default();
        second.frames += 1;
        second.bytes += bytes;
        if let Some(us) = latency_us {
            self.latency.record(us);
            second.record(us);
        }
    }

    /// A frame of `bytes` received at Unix second `at` carried `updates` changes.
    pub fn updates(&mut self, at: u64, updates: u64, bytes: u64) {
        self.counters.updates += updates;
        self.counters.update_bytes += bytes;
        self.timeline.entry(at).or_default().updates += updates;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_histograms_answer_like_one_that_saw_everything() {
        let (mut a, mut b, mut all) = (Latency::default(), Latency::default(), Latency::default());
        for us in 1..=10_000u64 {
            let side = if us % 3 == 0 { &mut a } else { &mut b };
            side.record(us * 7);
            all.record(us * 7);
        }
        a.merge(&b);
        for q in [0.5, 0.95, 0.99, 0.999] {
            assert_eq!(a.quantile(q), all.quantile(q));
        }
        assert_eq!((a.count(), a.max()), (all.count(), all.max()));

        // Through JSON, as between processes.
        let json = serde_json::to_string(&a).unwrap();
        let back: Latency = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (back.quantile(0.99), back.count()),
            (a.quantile(0.99), a.count())
        );
    }

    #[test]
    fn stats_from_workers_add_up_by_second() {
        let mut one = Stats::default();
        one.frame(100, 50, Some(2_000));
        one.frame(101, 50, Some(4_000));
        one.counters.error("close 4001");
        let mut two = Stats::default();
        two.frame(101, 70, Some(1_000_000));
        two.frame(102, 70, None);
        two.updates(101, 12, 70);
        one.updates(101, 3, 50);
        two.counters.error("close 4001");
        two.counters.gaps = 2;
        let mut total = Stats::default();
        total.merge(&serde_json::from_str(&serde_json::to_string(&one).unwrap()).unwrap());
        total.merge(&two);
        assert_eq!(
            (
                total.counters.frames,
                total.counters.bytes,
                total.counters.gaps
            ),
            (4, 240, 2)
        );
        assert_eq!(total.counters.errors["close 4001"], 2);
        assert_eq!(total.timeline[&101].frames, 2);
        assert_eq!(total.timeline[&101].updates, 15);
        assert_eq!(
            (total.counters.updates, total.counters.update_bytes),
            (15, 120)
        );
        assert_eq!(
            total.latency.count(),
            3,
            "frames without server_time have no latency"
        );
        let p99 = total.timeline[&101].quantile(0.99).unwrap();
        assert!((1_000_000..=1_200_000).contains(&p99), "{p99}");
        assert_eq!(total.timeline[&102].quantile(0.5), None);
    }

    #[test]
    fn coarse_buckets_bound_the_value_within_a_quarter_doubling() {
        for us in [1u64, 3, 999, 50_000, 2_000_000] {
            let mut s = Second::default();
            s.record(us);
            let top = s.quantile(0.5).unwrap();
            assert!(
                top >= us && (top as f64) <= us as f64 * 1.19 + 1.0,
                "{us} -> {top}"
            );
        }
    }
}
