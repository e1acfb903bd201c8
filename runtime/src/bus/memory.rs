//! The in-process bus: a sharded map from topic to history ring and subscribers.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use agenthq_protocol::{Resume, Topic};
use dashmap::DashMap;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Bus, Delivery, Publication, SendBudget, Start};

/// Topics live in a [`DashMap`], so publishing to one topic never waits on another's lock.
#[derive(Debug)]
pub struct MemoryBus {
    topics: DashMap<Topic, TopicEntry>,
    history_len: usize,
    buffer: usize,
}

#[derive(Debug, Default)]
struct TopicEntry {
    history: VecDeque<Arc<Publication>>,
    subscribers: Vec<Subscriber>,
    /// Since when the topic has had no subscriber.
    unwatched_since: Option<Instant>,
}

/// A topic nobody has watched for this long is forgotten (history included) at its next
/// publication, so topics do not pile up; a client resuming later gets a snapshot.
pub const TOPIC_RETENTION: Duration = Duration::from_secs(600);

#[derive(Debug)]
struct Subscriber {
    tx: mpsc::Sender<Arc<Publication>>,
    lagged: Arc<AtomicBool>,
    budget: Option<SendBudget>,
}

impl Subscriber {
    /// Queues a publication; `false` drops the subscriber (closed, or lagged: its buffer
    /// or its connection's byte budget is full).
    fn offer(&self, publication: &Arc<Publication>) -> bool {
        let size = self
            .budget
            .as_ref()
            .map_or(0, |b| publication.encoded_len(b.codec()));
        if self.budget.as_ref().is_some_and(|b| !b.try_take(size)) {
            metrics::counter!("agenthq_send_queue_overflows_total", "limit" => "bytes")
                .increment(1);
            self.lagged.store(true, Ordering::Release);
            return false;
        }
        match self.tx.try_send(publication.clone()) {
            Ok(()) => true,
            Err(err) => {
                if let Some(budget) = &self.budget {
                    budget.release(size);
                }
                if matches!(err, mpsc::error::TrySendError::Full(_)) {
                    metrics::counter!("agenthq_send_queue_overflows_total", "limit" => "buffer")
                        .increment(1);
                    self.lagged.store(true, Ordering::Release);
                }
                false
            }
        }
    }
}

impl MemoryBus {
    /// `history_len` publications kept per topic for resume; `buffer` publications queued
    /// per subscriber before it counts as lagging.
    pub fn new(history_len: usize, buffer: usize) -> Self {
        Self {
            topics: DashMap::new(),
            history_len: history_len.max(1),
            buffer: buffer.max(1),
        }
    }

    /// Makes every subscriber of the topic resync and forgets its history: what comes
    /// next may not follow what they have (the bridge lost messages on the wire). Answers
    /// how many subscribers were told.
    pub fn interrupt(&self, topic: &Topic) -> usize {
        let Some(mut entry) = self.topics.get_mut(topic) else {
            return 0;
        };
        entry.history.clear();
        let told = entry.subscribers.len();
        for sub in entry.subscribers.drain(..) {
            sub.lagged.store(true, Ordering::Release);
        }
        told
    }

    /// [`MemoryBus::interrupt`]s every topic `which` picks; answers how many subscribers
    /// were told.
    pub fn interrupt_where(&self, which: impl Fn(&Topic) -> bool) -> usize {
        let topics: Vec<Topic> = self
            .topics
            .iter()
            .map(|e| *e.key())
            .filter(|t| which(t))
            .collect();
        topics.iter().map(|t| self.interrupt(t)).sum()
    }

    /// Topics that have subscribers now.
    pub fn watched_topics(&self) -> Vec<Topic> {
        self.topics
            .iter()
            .filter(|e| e.subscribers.iter().any(|s| !s.tx.is_closed()))
            .map(|e| *e.key())
            .collect()
    }

    /// Subscribers of a topic still connected; for tests and metrics.
    pub fn subscriber_count(&self, topic: &Topic) -> usize {
        self.topics.get(topic).map_or(0, |e| {
            e.subscribers.iter().filter(|s| !s.tx.is_closed()).count()
        })
    }
}

impl Bus for MemoryBus {
    fn publish(&self, publication: Arc<Publication>) {
        let Some(mut guard) = self.topics.get_mut(&publication.topic) else {
            return; // Nobody subscribed recently: no history to keep, no one to tell.
        };
        let entry = &mut *guard;
        if entry.subscribers.is_empty() {
            let since = *entry.unwatched_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= TOPIC_RETENTION {
                drop(guard);
                self.topics
                    .remove_if(&publication.topic, |_, e| e.subscribers.is_empty());
                return;
            }
        }
        if entry
            .history
            .back()
            .is_some_and(|last| last.epoch != publication.epoch)
        {
            entry.history.clear(); // A new authority: the old history cannot be resumed.
        }
        if entry.history.len() == self.history_len {
            entry.history.pop_front();
        }
        entry.history.push_back(publication.clone());
        // Overflow policy: a subscriber that cannot take it is dropped and told to resync.
        entry.subscribers.retain(|sub| sub.offer(&publication));
    }

    fn subscribe(
        &self,
        topic: Topic,
        resume: Option<Resume>,
        current: Resume,
        budget: Option<SendBudget>,
    ) -> (Start, Subscription) {
        let (tx, rx) = mpsc::channel(self.buffer);
        let lagged = Arc::new(AtomicBool::new(false));
        let mut entry = self.topics.entry(topic).or_default();
        let start = match resume {
            Some(r) if r == current => Start::Replay(Vec::new()),
            Some(r) if r.epoch == current.epoch && r.seq < current.seq => {
                let covered = entry
                    .history
                    .front()
                    .is_some_and(|first| first.epoch == r.epoch && first.seq <= r.seq + 1)
                    && entry
                        .history
                        .back()
                        .is_some_and(|last| last.seq == current.seq);
                if covered {
                    Start::Replay(
                        entry
                            .history
                            .iter()
                            .filter(|p| p.seq > r.seq)
                            .cloned()
                            .collect(),
                    )
                } else {
                    Start::Snapshot
                }
            }
            _ => Start::Snapshot,
        };
        entry.unwatched_since = None;
        entry.subscribers.push(Subscriber {
            tx,
            lagged: lagged.clone(),
            budget: budget.clone(),
        });
        (
            start,
            Subscription {
                topic,
                rx,
                lagged,
                told: false,
                budget,
            },
        )
    }

    fn has_topic(&self, topic: &Topic) -> bool {
        self.topics.contains_key(topic)
    }
}

/// A subscriber's end. Dropping it unsubscribes (the bus notices on its next publish).
///
/// With a [`SendBudget`], a publication's bytes are given back to the budget when it is
/// taken from here (the connection then writes it), and on drop for those never taken.
#[derive(Debug)]
pub struct Subscription {
    pub topic: Topic,
    rx: mpsc::Receiver<Arc<Publication>>,
    lagged: Arc<AtomicBool>,
    told: bool,
    budget: Option<SendBudget>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.budget.is_some() {
            self.rx.close();
            while let Ok(p) = self.rx.try_recv() {
                self.taken(&p);
            }
        }
    }
}

impl Subscription {
    fn taken(&self, publication: &Publication) {
        if let Some(budget) = &self.budget {
            budget.release(publication.encoded_len(budget.codec()));
        }
    }

    /// The next publication; `Lagged` once if the subscriber overflowed; `None` when the
    /// stream has ended.
    pub async fn recv(&mut self) -> Option<Delivery> {
        match self.rx.recv().await {
            Some(p) => {
                self.taken(&p);
                Some(Delivery::Publication(p))
            }
            None => self.lag_notice(),
        }
    }

    /// Like [`Subscription::recv`] without waiting; `None` when nothing is ready.
    pub fn try_recv(&mut self) -> Option<Delivery> {
        match self.rx.try_recv() {
            Ok(p) => {
                self.taken(&p);
                Some(Delivery::Publication(p))
            }
            Err(mpsc::error::TryRecvError::Empty) => None,
            Err(mpsc::error::TryRecvError::Disconnected) => self.lag_notice(),
        }
    }

    fn lag_notice(&mut self) -> Option<Delivery> {
        // (The stream ends after the notice: a lagged subscription gets nothing more.)
        if self.lagged.load(Ordering::Acquire) && !self.told {
            self.told = true;
            return Some(Delivery::Lagged);
        }
        None
    }
}

/// The same as [`Subscription::recv`], as a stream: a connection can poll many
/// subscriptions together (a `StreamMap`) without a task per subscription.
impl futures::Stream for Subscription {
    type Item = Delivery;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Delivery>> {
        match self.rx.poll_recv(cx) {
            std::task::Poll::Ready(Some(p)) => {
                self.taken(&p);
                std::task::Poll::Ready(Some(Delivery::Publication(p)))
            }
            std::task::Poll::Ready(None) => std::task::Poll::Ready(self.lag_notice()),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use agenthq_protocol::{Diff, WorkspaceId};

    use super::*;

    fn topic() -> Topic {
        Topic::Workspace(WorkspaceId::from_bytes([1; 16]))
    }

    fn publication(epoch: u64, seq: u64) -> Arc<Publication> {
        Arc::new(Publication::diff(topic(), epoch, seq, 0, Diff::default()))
    }

    fn seqs(start: Start) -> Option<Vec<u64>> {
        match start {
            Start::Replay(p) => Some(p.iter().map(|p| p.seq).collect()),
            Start::Snapshot => None,
        }
    }

    #[test]
    fn resume_replays_exactly_what_was_missed_while_history_holds_it() {
        let bus = MemoryBus::new(4, 16);
        let at = |seq| Resume { epoch: 1, seq };
        let (_, _keep) = bus.subscribe(topic(), None, at(0), None);
        for seq in 1..=6 {
            bus.publish(publication(1, seq));
        }
        assert_eq!(
            seqs(bus.subscribe(topic(), Some(at(4)), at(6), None).0),
            Some(vec![5, 6])
        );
        assert_eq!(
            seqs(bus.subscribe(topic(), Some(at(2)), at(6), None).0),
            Some(vec![3, 4, 5, 6])
        );
        assert_eq!(
            seqs(bus.subscribe(topic(), Some(at(6)), at(6), None).0),
            Some(vec![])
        );
        // Beyond the ring, ahead of the topic, or from another epoch: a snapshot.
        assert_eq!(
            seqs(bus.subscribe(topic(), Some(at(1)), at(6), None).0),
            None
        );
        assert_eq!(
            seqs(bus.subscribe(topic(), Some(at(9)), at(6), None).0),
            None
        );
        assert_eq!(
            seqs(
                bus.subscribe(topic(), Some(Resume { epoch: 0, seq: 5 }), at(6), None)
                    .0
            ),
            None
        );
    }

    #[tokio::test]
    async fn a_full_subscriber_is_told_to_resync_never_skipped() {
        let bus = MemoryBus::new(8, 2);
        let (_, mut slow) = bus.subscribe(topic(), None, Resume { epoch: 1, seq: 0 }, None);
        let (_, mut fast) = bus.subscribe(topic(), None, Resume { epoch: 1, seq: 0 }, None);
        for seq in 1..=3 {
            bus.publish(publication(1, seq));
            if let Some(Delivery::Publication(p)) = fast.recv().await {
                assert_eq!(p.seq, seq);
            }
        }
        let mut got = Vec::new();
        while let Some(d) = slow.recv().await {
            got.push(match d {
                Delivery::Publication(p) => p.seq.to_string(),
                Delivery::Lagged => "lagged".into(),
            });
        }
        assert_eq!(got, ["1", "2", "lagged"]);
        assert_eq!(bus.subscriber_count(&topic()), 1);
    }

    #[tokio::test]
    async fn a_subscriber_past_its_byte_budget_is_told_to_resync_and_bytes_come_back() {
        use agenthq_protocol::Codec;
        let bus = MemoryBus::new(8, 64);
        let size = publication(1, 1).encoded(Codec::Json).unwrap().len();
        // Room for two publications, and a connection-wide count shared by two topics.
        let budget = SendBudget::new(Codec::Json, 2 * size);
        let at = Resume { epoch: 1, seq: 0 };
        let (_, mut slow) = bus.subscribe(topic(), None, at, Some(budget.clone()));
        for seq in 1..=3 {
            bus.publish(publication(1, seq));
        }
        assert_eq!(budget.queued(), 2 * size, "the third did not fit");
        let mut got = Vec::new();
        while let Some(d) = slow.recv().await {
            match d {
                Delivery::Publication(p) => got.push(p.seq.to_string()),
                Delivery::Lagged => got.push("lagged".into()),
            }
        }
        assert_eq!(got, ["1", "2", "lagged"]);
        assert_eq!(budget.queued(), 0, "drained: every byte given back");

        // Bytes still queued when a subscription is dropped come back too.
        let (_, dropped) = bus.subscribe(
            topic(),
            None,
            Resume { epoch: 1, seq: 3 },
            Some(budget.clone()),
        );
        bus.publish(publication(1, 4));
        assert_eq!(budget.queued(), size);
        drop(dropped);
        assert_eq!(budget.queued(), 0);

        // One publication bigger than the whole budget still passes when nothing is queued.
        let tiny = SendBudget::new(Codec::Json, 1);
        let (_, mut sub) = bus.subscribe(topic(), None, Resume { epoch: 1, seq: 4 }, Some(tiny));
        bus.publish(publication(1, 5));
        assert!(matches!(sub.try_recv(), Some(Delivery::Publication(p)) if p.seq == 5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_topic_unwatched_past_retention_is_forgotten() {
        let bus = MemoryBus::new(8, 8);
        let current = Resume { epoch: 1, seq: 0 };
        drop(bus.subscribe(topic(), None, current, None));
        bus.publish(publication(1, 1));
        tokio::time::advance(TOPIC_RETENTION / 2).await;
        bus.publish(publication(1, 2));
        assert!(bus.has_topic(&topic()), "kept within retention");
        tokio::time::advance(TOPIC_RETENTION).await;
        bus.publish(publication(1, 3));
        assert!(!bus.has_topic(&topic()), "forgotten after it");
        let resume = Resume { epoch: 1, seq: 2 };
        let (start, _) = bus.subscribe(topic(), Some(resume), Resume { epoch: 1, seq: 3 }, None);
        assert!(matches!(start, Start::Snapshot));
    }

    #[test]
    fn a_publication_is_encoded_once_per_codec() {
        let p = publication(1, 1);
        let a = p.encoded(agenthq_protocol::Codec::Json).unwrap().as_ptr();
        let b = p.encoded(agenthq_protocol::Codec::Json).unwrap().as_ptr();
        assert_eq!(a, b);
    }
}
