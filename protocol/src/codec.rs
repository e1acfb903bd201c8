//! The one place where messages become bytes and back.
//!
//! MessagePack frames are binary WebSocket frames, JSON frames are text frames; both carry
//! the same messages. MessagePack structs are encoded as maps with field names (not
//! positional arrays) so that optional fields can be left out and clients in any language
//! can read them without a schema.
//!
//! `agenthq.v1.compact` is MessagePack too, except for `diff` frames, which are
//! positional arrays that name known agents and tasks by number ([`crate::compact`]);
//! a diff must be encoded for it with [`crate::compact::encode`] and read with
//! [`crate::compact::Decoder`]. Through [`Codec::encode`] a diff comes out as the named
//! MessagePack map, which a compact client reads as well.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A wire encoding, chosen per connection by WebSocket subprotocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    MessagePack,
    Json,
    /// MessagePack with compact `diff` frames.
    Compact,
}

/// Failure to encode or decode a message.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("invalid MessagePack message: {0}")]
    MessagePackDecode(#[from] rmp_serde::decode::Error),
    #[error("cannot encode MessagePack message: {0}")]
    MessagePackEncode(#[from] rmp_serde::encode::Error),
    #[error("invalid JSON message: {0}")]
    Json(#[from] serde_json::Error),
}

impl Codec {
    pub const ALL: [Codec; 3] = [Codec::MessagePack, Codec::Json, Codec::Compact];

    /// The WebSocket subprotocol that selects this codec.
    pub const fn subprotocol(self) -> &'static str {
        match self {
            Codec::MessagePack => "agenthq.v1.msgpack",
            Codec::Json => "agenthq.v1.json",
            Codec::Compact => "agenthq.v1.compact",
        }
    }

    pub fn from_subprotocol(name: &str) -> Option<Codec> {
        Codec::ALL.into_iter().find(|c| c.subprotocol() == name)
    }

    /// Whether frames are binary (MessagePack) or text (JSON).
    pub const fn is_binary(self) -> bool {
        matches!(self, Codec::MessagePack | Codec::Compact)
    }

    pub fn encode<T: Serialize>(self, message: &T) -> Result<Vec<u8>, CodecError> {
        let mut out = Vec::with_capacity(128);
        self.encode_into(message, &mut out)?;
        Ok(out)
    }

    /// Encodes into `out` (appending), so a caller can reuse a buffer.
    pub fn encode_into<T: Serialize>(
        self,
        message: &T,
        out: &mut Vec<u8>,
    ) -> Result<(), CodecError> {
        match self {
            Codec::MessagePack | Codec::Compact => rmp_serde::encode::write_named(out, message)?,
            Codec::Json => serde_json::to_writer(out, message)?,
        }
        Ok(())
    }

    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, CodecError> {
        Ok(match self {
            Codec::MessagePack | Codec::Compact => rmp_serde::from_slice(bytes)?,
            Codec::Json => serde_json::from_slice(bytes)?,
        })
    }
}
