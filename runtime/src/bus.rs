//! Where a workspace's diffs go: the [`Bus`] records each publication in a bounded history
//! per topic and hands it to every subscriber of that topic.
//!
//! Delivery guarantees, per topic: subscribers receive publications in `seq` order with no
//! gap, or are told they lagged ([`Delivery::Lagged`]) and must subscribe again (with
//! `resume`, to get the missed diffs replayed from history, or a snapshot). Nothing is ever
//! skipped silently. A publication is encoded at most once per codec, however many
//! subscribers read it.

mod memory;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use agenthq_protocol::compact::{self, Numbers};
use agenthq_protocol::{Codec, Diff, Resume, ServerMessage, Topic};
use bytes::Bytes;

pub use memory::{MemoryBus, Subscription};

/// One tick's diff for one topic, shared by every subscriber.
#[derive(Debug)]
pub struct Publication {
    pub topic: Topic,
    pub epoch: u64,
    pub seq: u64,
    pub message: ServerMessage,
    encoded: [OnceLock<Result<Bytes, String>>; 3],
}

impl Publication {
    pub fn diff(topic: Topic, epoch: u64, seq: u64, server_time: u64, ops: Diff) -> Self {
        Self {
            topic,
            epoch,
            seq,
            message: ServerMessage::Diff {
                topic,
                epoch,
                seq,
                server_time,
                ops,
            },
            encoded: Default::default(),
        }
    }

    /// Encodes the compact frame now, naming by number the entities `numbers` knows
    /// (those the topic's subscribers hold). Without this, a compact subscriber gets the
    /// diff with every entity named by id: correct, and larger.
    pub fn numbered(self, numbers: &dyn Numbers) -> Self {
        let encoded = compact::encode(&self.message, numbers)
            .map(Bytes::from)
            .map_err(|e| e.to_string());
        let _ = self.slot(Codec::Compact).set(encoded);
        self
    }

    /// What goes to other nodes: the MessagePack frame, followed by the compact frame
    /// when there is one (a node that reads only the first value ignores the rest).
    pub fn for_peers(&self) -> Result<Bytes, &str> {
        let named = self.encoded(Codec::MessagePack)?;
        match self.slot(Codec::Compact).get() {
            Some(Ok(compact)) => {
                let mut both = Vec::with_capacity(named.len() + compact.len());
                both.extend_from_slice(&named);
                both.extend_from_slice(compact);
                Ok(both.into())
            }
            _ => Ok(named),
        }
    }

    /// A diff from another node, as [`Self::for_peers`] wrote it: its MessagePack frame,
    /// and its compact frame if the sender numbered it. Both are kept as they came, so
    /// they are not encoded again here.
    pub fn from_peer(bytes: Bytes) -> Result<Self, String> {
        let mut rest: &[u8] = &bytes;
        let message: ServerMessage =
            serde::Deserialize::deserialize(&mut rmp_serde::Deserializer::new(&mut rest))
                .map_err(|e| e.to_string())?;
        let used = bytes.len() - rest.len();
        let publication = Self::from_message(message, bytes.slice(..used))?;
        if used < bytes.len() {
            if bytes[used] != 0x96 {
                return Err("trailing bytes are not a compact diff".into());
            }
            let _ = publication
                .slot(Codec::Compact)
                .set(Ok(bytes.slice(used..)));
        }
        Ok(publication)
    }

    /// A publication of a received diff, with its MessagePack bytes as they came.
    fn from_message(message: ServerMessage, named: Bytes) -> Result<Self, String> {
        let ServerMessage::Diff {
            topic, epoch, seq, ..
        } = message
        else {
            return Err("not a diff".into());
        };
        let publication = Self {
            topic,
            epoch,
            seq,
            message,
            encoded: Default::default(),
        };
        let _ = publication.slot(Codec::MessagePack).set(Ok(named));
        Ok(publication)
    }

    /// The message's bytes in `codec`, encoded on first use; every caller after gets the
    /// same buffer (a reference-counted `Bytes`, cheap to hand to each connection).
    pub fn encoded(&self, codec: Codec) -> Result<Bytes, &str> {
        match self.encoding(codec) {
            Ok(bytes) => Ok(bytes.clone()),
            Err(err) => Err(err.as_str()),
        }
    }

    /// The length of [`Self::encoded`] (0 if it cannot be encoded), without touching the
    /// buffer's reference count: send budgets ask this for every subscriber.
    pub fn encoded_len(&self, codec: Codec) -> usize {
        self.encoding(codec).as_ref().map_or(0, Bytes::len)
    }

    fn slot(&self, codec: Codec) -> &OnceLock<Result<Bytes, String>> {
        match codec {
            Codec::MessagePack => &self.encoded[0],
            Codec::Json => &self.encoded[1],
            Codec::Compact => &self.encoded[2],
        }
    }

    fn encoding(&self, codec: Codec) -> &Result<Bytes, String> {
        self.slot(codec).get_or_init(|| {
            let encoded = match codec {
                Codec::Compact => compact::encode(&self.message, &compact::ByIds),
                _ => codec.encode(&self.message),
            };
            encoded.map(Bytes::from).map_err(|e| e.to_string())
        })
    }
}

/// What a subscription yields.
#[derive(Debug, Clone)]
pub enum Delivery {
    Publication(Arc<Publication>),
    /// The subscriber's buffer overflowed: publications after the last one received were
    /// dropped for it. It must subscribe again.
    Lagged,
}

/// How a new subscription starts.
#[derive(Debug)]
pub enum Start {
    /// The client's state is current after applying these publications (maybe none).
    Replay(Vec<Arc<Publication>>),
    /// The history does not reach back to the client's state: send a snapshot.
    Snapshot,
}

/// A connection's send queue, bounded in bytes: shared by all of its subscriptions, it
/// counts the encoded bytes of publications queued for the connection and not yet handed
/// to its socket.
///
/// Overflow policy: a publication that does not fit is dropped for that subscriber, and
/// the subscription ends with [`Delivery::Lagged`]; the connection resubscribes once it has
/// drained what it holds, and gets the missed diffs from history or a snapshot. One
/// publication larger than the whole budget still goes through when nothing else is
/// queued, so a big diff cannot lock a client out.
#[derive(Debug, Clone)]
pub struct SendBudget {
    codec: Codec,
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
}

impl SendBudget {
    pub fn new(codec: Codec, max_bytes: usize) -> Self {
        Self {
            codec,
            queued: Arc::new(AtomicUsize::new(0)),
            max_bytes,
        }
    }

    /// The codec the connection speaks (its bytes are the ones counted).
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Bytes queued and not yet released.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Gives back the bytes of a publication the connection has taken off its queue.
    pub fn release(&self, bytes: usize) {
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                Some(q.saturating_sub(bytes))
            });
    }

    /// Counts `bytes` in if they fit (or if nothing is queued).
    fn try_take(&self, bytes: usize) -> bool {
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |q| {
                (q == 0 || q + bytes <= self.max_bytes).then_some(q + bytes)
            })
            .is_ok()
    }
}

/// Publish/subscribe of encoded diffs by topic.
pub trait Bus: Send + Sync + std::fmt::Debug + 'static {
    /// Records the publication in its topic's history and offers it to every subscriber
    /// without waiting: a subscriber whose buffer is full is marked lagged and dropped.
    fn publish(&self, publication: Arc<Publication>);

    /// Registers a subscriber. `current` is the (epoch, seq) of the topic's latest
    /// publication; the publisher calls this between two publications, so no publication
    /// can fall between the replay (or snapshot) and the live stream.
    ///
    /// With a [`SendBudget`], a publication that would take the subscriber's queued bytes
    /// past the budget is not queued: the subscriber is marked lagged, as on a full
    /// buffer.
    fn subscribe(
        &self,
        topic: Topic,
        resume: Option<Resume>,
        current: Resume,
        budget: Option<SendBudget>,
    ) -> (Start, Subscription);

    /// Whether anyone has ever subscribed to the topic (and so whether it keeps history).
    fn has_topic(&self, topic: &Topic) -> bool;

    /// Whether subscribers elsewhere may read this node's publications (other nodes of a
    /// cluster): then the publisher encodes for them whether or not it has subscribers.
    fn has_peers(&self) -> bool {
        false
    }
}
