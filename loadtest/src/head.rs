//! What a watcher reads from each server frame: its kind, position, `server_time` and, for
//! a diff, how many ops (updates) it carries.
//!
//! A watcher only checks order and measures latency, so it should cost the machine as
//! little as it can (the server shares it). MessagePack frames are read by a small walker
//! over the top-level map that skips every other value by its length alone, and stops at
//! a diff's ops once it has read their count: they are neither built nor checked for
//! UTF-8. JSON frames go through serde with the rest ignored.

use serde::Deserialize;

use crate::scenario::WireCodec;

/// The kinds of server message a watcher tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Snapshot,
    Diff,
    Error,
    Other,
}

impl Kind {
    fn from_name(name: &[u8]) -> Self {
        match name {
            b"snapshot" => Self::Snapshot,
            b"diff" => Self::Diff,
            b"error" => Self::Error,
            _ => Self::Other,
        }
    }
}

/// Only what a watcher reads from each frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub kind: Kind,
    pub epoch: u64,
    pub seq: u64,
    pub server_time: Option<u64>,
    /// An error's code.
    pub code: Option<String>,
    /// A diff's number of ops: the updates it carries.
    pub ops: Option<u64>,
}

/// The frame's head, or `None` if it is not a message of the protocol.
pub fn decode(codec: WireCodec, bytes: &[u8]) -> Option<Head> {
    match codec {
        WireCodec::Msgpack => msgpack(bytes),
        WireCodec::Json => json(bytes),
        WireCodec::Compact => compact(bytes),
    }
}

/// A compact diff is `[topic kind, topic id, epoch, seq, server_time, [ops...]]`; any other
/// frame of that subprotocol is named MessagePack.
fn compact(bytes: &[u8]) -> Option<Head> {
    if bytes.first() != Some(&0x96) {
        return msgpack(bytes);
    }
    let mut r = Reader { bytes, at: 1 };
    r.uint()?;
    r.skip()?;
    let epoch = r.uint()?;
    let seq = r.uint()?;
    let server_time = r.uint()?;
    let ops = r.array_len()?;
    (ops <= (bytes.len() - r.at) as u64).then_some(Head {
        kind: Kind::Diff,
        epoch,
        seq,
        server_time: Some(server_time),
        code: None,
        ops: Some(ops),
    })
}

fn json(bytes: &[u8]) -> Option<Head> {
    #[derive(Deserialize)]
    struct JsonHead<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
        #[serde(default)]
        epoch: u64,
        #[serde(default)]
        seq: u64,
        #[serde(default)]
        server_time: Option<u64>,
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        ops: Option<Vec<serde::de::IgnoredAny>>,
    }
    let head: JsonHead<'_> = serde_json::from_slice(bytes).ok()?;
    Some(Head {
        kind: Kind::from_name(head.kind.as_bytes()),
        epoch: head.epoch,
        seq: head.seq,
        server_time: head.server_time,
        code: head.code,
        ops: head.ops.map(|ops| ops.len() as u64),
    })
}

fn msgpack(bytes: &[u8]) -> Option<Head> {
    let mut r = Reader { bytes, at: 0 };
    let fields = r.map_len()?;
    let mut head = Head {
        kind: Kind::Other,
        epoch: 0,
        seq: 0,
        server_time: None,
        code: None,
        ops: None,
    };
    let (mut typed, mut epoch, mut seq) = (false, false, false);
    for _ in 0..fields {
        match r.str()? {
            b"type" => {
                head.kind = Kind::from_name(r.str()?);
                typed = true;
            }
            b"epoch" => (head.epoch, epoch) = (r.uint()?, true),
            b"seq" => (head.seq, seq) = (r.uint()?, true),
            b"server_time" => head.server_time = Some(r.uint()?),
            b"code" => head.code = Some(String::from_utf8(r.str()?.to_vec()).ok()?),
            b"ops" if head.kind == Kind::Diff => head.ops = Some(r.array_len()?),
            _ => r.skip()?,
        }
        // A diff's ops are its last and largest field: with their count read, stop.
        if head.kind == Kind::Diff
            && epoch
            && seq
            && head.server_time.is_some()
            && let Some(ops) = head.ops
        {
            // Each op takes at least a byte: a count past what is left is bad.
            return (ops <= (bytes.len() - r.at) as u64).then_some(head);
        }
    }
    (typed && r.at == bytes.len()).then_some(head)
}

/// A cursor over MessagePack bytes; every read answers `None` past the end or on a value
/// of another type.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn be(&mut self, n: usize) -> Option<u64> {
        Some(
            self.take(n)?
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        )
    }

    fn map_len(&mut self) -> Option<u64> {
        match self.byte()? {
            m @ 0x80..=0x8f => Some(u64::from(m & 0x0f)),
            0xde => self.be(2),
            0xdf => self.be(4),
            _ => None,
        }
    }

    fn array_len(&mut self) -> Option<u64> {
        match self.byte()? {
            m @ 0x90..=0x9f => Some(u64::from(m & 0x0f)),
            0xdc => self.be(2),
            0xdd => self.be(4),
            _ => None,
        }
    }

    fn str(&mut self) -> Option<&'a [u8]> {
        let len = match self.byte()? {
            m @ 0xa0..=0xbf => u64::from(m & 0x1f),
            0xd9 => self.be(1)?,
            0xda => self.be(2)?,
            0xdb => self.be(4)?,
            _ => return None,
        };
        self.take(usize::try_from(len).ok()?)
    }

    fn uint(&mut self) -> Option<u64> {
        match self.byte()? {
            m @ 0x00..=0x7f => Some(u64::from(m)),
            0xcc => self.be(1),
            0xcd => self.be(2),
            0xce => self.be(4),
            0xcf => self.be(8),
            _ => None,
        }
    }

    /// Skips one value of any type (with everything nested in it), by lengths alone.
    fn skip(&mut self) -> Option<()> {
        let mut values: u64 = 1;
        while values > 0 {
            values -= 1;
            let (data, nested) = match self.byte()? {
                0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
                m @ 0x80..=0x8f => (0, 2 * u64::from(m & 0x0f)),
                m @ 0x90..=0x9f => (0, u64::from(m & 0x0f)),
                m @ 0xa0..=0xbf => (u64::from(m & 0x1f), 0),
                0xc4 | 0xd9 => (self.be(1)?, 0),
                0xc5 | 0xda => (self.be(2)?, 0),
                0xc6 | 0xdb => (self.be(4)?, 0),
                0xc7 => (self.be(1)? + 1, 0),
                0xc8 => (self.be(2)? + 1, 0),
                0xc9 => (self.be(4)? + 1, 0),
                0xca => (4, 0),
                0xcb => (8, 0),
                0xcc | 0xd0 => (1, 0),
                0xcd | 0xd1 => (2, 0),
                0xce | 0xd2 => (4, 0),
                0xcf | 0xd3 => (8, 0),
                0xd4 => (2, 0),
                0xd5 => (3, 0),
                0xd6 => (5, 0),
                0xd7 => (9, 0),
                0xd8 => (17, 0),
                0xdc => (0, self.be(2)?),
                0xdd => (0, self.be(4)?),
                0xde => (0, 2 * self.be(2)?),
                0xdf => (0, 2 * self.be(4)?),
                0xc1 => return None, // Never used.
            };
            self.take(usize::try_from(data).ok()?)?;
            // Each nested value is at least one byte: a count past what is left is bad.
            values = values.checked_add(nested)?;
            if values > (self.bytes.len() - self.at) as u64 {
                return None;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use agenthq_protocol::diff::diff;
    use agenthq_protocol::{
        AgentId, AgentStatus, AgentView, Codec, ErrorCode, OfficeState, ServerMessage, Topic,
        WorkspaceId,
    };

    use super::*;

    fn office(agents: u8, status: AgentStatus) -> OfficeState {
        let mut state = OfficeState::default();
        for n in 0..agents {
            let id = AgentId::from_bytes([n + 1; 16]);
            let view = AgentView {
                id,
                n: 0,
                name: format!("Agent {n} with a long enough name to need str8"),
                personality: "Sharp, careful, ships on Fridays. ".repeat(usize::from(n)),
                status,
                desk: u32::from(n),
                max_concurrent: 1 + u32::from(n) * 1000,
                running: 0,
                queued: u32::from(n) * 70_000,
                current_task: None,
                restarts: 0,
            };
            state.agents.insert(id, view);
        }
        state
    }

    /// One of each message a watcher meets, with diffs and snapshots of some size.
    fn protocol_samples(ws: WorkspaceId) -> Vec<ServerMessage> {
        let topic = Topic::Workspace(ws);
        let (before, after) = (
            office(3, AgentStatus::Idle),
            office(5, AgentStatus::Working),
        );
        vec![
            ServerMessage::Welcome {
                protocol_version: 1,
                server_time: 1_763_870_000_000_000,
            },
            ServerMessage::Snapshot {
                topic,
                epoch: 3,
                seq: 70_000,
                state: after.clone(),
            },
            ServerMessage::Diff {
                topic,
                epoch: 3,
                seq: 70_001,
                server_time: 1_763_870_000_123_456,
                ops: diff(&before, &after),
            },
            ServerMessage::Diff {
                topic,
                epoch: u64::MAX,
                seq: 5,
                server_time: 0,
                ops: diff(&after, &after),
            },
            ServerMessage::Error {
                code: ErrorCode::QueueFull,
                message: "full".into(),
                topic: None,
            },
            ServerMessage::Pong,
        ]
    }

    #[test]
    fn both_codecs_read_the_same_head_as_a_full_decode() {
        let ws = WorkspaceId::new();
        let messages = protocol_samples(ws);
        assert!(messages.len() > 3);
        for message in &messages {
            let mut ops = None;
            let (kind, epoch, seq, server_time, code) = match message {
                ServerMessage::Snapshot { epoch, seq, .. } => {
                    (Kind::Snapshot, *epoch, *seq, None, None)
                }
                ServerMessage::Diff {
                    epoch,
                    seq,
                    server_time,
                    ops: diff,
                    ..
                } => {
                    ops = Some(diff.ops.len() as u64);
                    (Kind::Diff, *epoch, *seq, Some(*server_time), None)
                }
                ServerMessage::Error { code, .. } => (
                    Kind::Error,
                    0,
                    0,
                    None,
                    Some(
                        serde_json::to_value(code)
                            .unwrap()
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    ),
                ),
                ServerMessage::Welcome { server_time, .. } => {
                    (Kind::Other, 0, 0, Some(*server_time), None)
                }
                _ => (Kind::Other, 0, 0, None, None),
            };
            let expected = Head {
                kind,
                epoch,
                seq,
                server_time,
                code,
                ops,
            };
            for (codec, wire) in [
                (Codec::MessagePack, WireCodec::Msgpack),
                (Codec::Json, WireCodec::Json),
            ] {
                let bytes = codec.encode(message).unwrap();
                assert_eq!(
                    decode(wire, &bytes).as_ref(),
                    Some(&expected),
                    "{message:?}"
                );
            }
            let bytes =
                agenthq_protocol::compact::encode(message, &agenthq_protocol::compact::ByIds)
                    .unwrap();
            assert_eq!(
                decode(WireCodec::Compact, &bytes).as_ref(),
                Some(&expected),
                "compact {message:?}"
            );
        }
        let error = ServerMessage::Error {
            code: ErrorCode::ResyncRequired,
            message: "resync".into(),
            topic: Some(Topic::Workspace(ws)),
        };
        let bytes = Codec::MessagePack.encode(&error).unwrap();
        let head = decode(WireCodec::Msgpack, &bytes).unwrap();
        assert_eq!(head.code.as_deref(), Some("resync_required"));
    }

    #[test]
    fn every_msgpack_type_is_skipped_by_its_length() {
        // A map whose one unknown field holds each kind of value, then a known field.
        let mut value = rmp_serde::to_vec(&(
            (
                1u8,
                -1i8,
                300u16,
                -300i16,
                70_000u32,
                -70_000i32,
                u64::MAX,
                i64::MIN,
            ),
            (
                1.5f32,
                2.5f64,
                "x".repeat(40),
                "y".repeat(300),
                "z".repeat(70_000),
                Option::<u8>::None,
                true,
                vec![vec![1u8; 20]; 3],
                std::collections::BTreeMap::from([("k".to_owned(), vec![0u8; 16])]),
            ),
        ))
        .unwrap();
        // Binary values (bin 8 and bin 16) in a two-element array after it.
        value.insert(0, 0x93);
        value.extend([0xc4, 3, 1, 2, 3, 0xc5, 0x01, 0x00]);
        value.extend([0u8; 256]);
        let mut bytes = vec![0x83];
        bytes.extend(rmp_serde::to_vec("ignored").unwrap());
        bytes.extend(&value);
        bytes.extend(rmp_serde::to_vec("type").unwrap());
        bytes.extend(rmp_serde::to_vec("diff").unwrap());
        bytes.extend(rmp_serde::to_vec("seq").unwrap());
        bytes.extend(rmp_serde::to_vec(&7u64).unwrap());
        let head = decode(WireCodec::Msgpack, &bytes).unwrap();
        assert_eq!((head.kind, head.seq), (Kind::Diff, 7));

        // Ext types, written by hand: fixext 4 and ext 8.
        let mut ext = vec![0x82, 0xa1, b'z', 0xd6, 1, 0, 0, 0, 0];
        ext.extend([0xa4, b't', b'y', b'p', b'e', 0xa4, b'd', b'i', b'f', b'f']);
        assert!(decode(WireCodec::Msgpack, &ext).is_some());
        let mut ext8 = vec![0x82, 0xa1, b'z', 0xc7, 2, 9, 0xaa, 0xbb];
        ext8.extend([0xa4, b't', b'y', b'p', b'e', 0xa4, b'd', b'i', b'f', b'f']);
        assert!(decode(WireCodec::Msgpack, &ext8).is_some());
    }

    #[test]
    fn truncated_or_foreign_frames_are_refused() {
        let samples = protocol_samples(WorkspaceId::new());
        let find = |diff: bool| {
            let message = samples
                .iter()
                .find(|m| matches!(m, ServerMessage::Diff { .. }) == diff)
                .unwrap();
            Codec::MessagePack.encode(message).unwrap()
        };
        // Anything but a diff is read to its end; a diff up to its ops' count.
        let snapshot = find(false);
        for cut in 0..snapshot.len() {
            assert_eq!(
                decode(WireCodec::Msgpack, &snapshot[..cut]),
                None,
                "cut at {cut}"
            );
        }
        let mut trailing = snapshot.clone();
        trailing.push(0);
        assert_eq!(decode(WireCodec::Msgpack, &trailing), None);
        let diff = find(true);
        let ops_at = diff.windows(4).position(|w| w == b"\xa3ops").unwrap();
        // The key, then a one-byte array header (five ops): cut anywhere before the ops
        // themselves, the frame is refused.
        assert_eq!(diff[ops_at + 4], 0x95);
        for cut in 0..ops_at + 6 {
            assert_eq!(
                decode(WireCodec::Msgpack, &diff[..cut]),
                None,
                "cut at {cut}"
            );
        }
        assert_eq!(decode(WireCodec::Msgpack, &diff).unwrap().ops, Some(5));

        assert_eq!(decode(WireCodec::Msgpack, &[0x93, 1, 2, 3]), None);
        // A map that claims more fields than could fit.
        assert_eq!(
            decode(WireCodec::Msgpack, &[0xdf, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(decode(WireCodec::Json, b"{\"seq\":1}"), None);
    }
}
