//! The one place where messages become bytes and back.
//!
//! MessagePack frames are binary WebSocket frames, JSON frames are text frames; both carry
//! the same messages. MessagePack structs are encoded as maps with field names (not
//! positional arrays) so that optional fields can be left out and clients in any language
//! can read them without a schema.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A wire encoding, chosen per connection by WebSocket subprotocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    MessagePack,
    Json,
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
    pub const ALL: [Codec; 2] = [Codec::MessagePack, Codec::Json];

    /// The WebSocket subprotocol that selects this codec.
    pub const fn subprotocol(self) -> &'static str {
        match self {
            Codec::MessagePack => "agenthq.v1.msgpack",
            Codec::Json => "agenthq.v1.json",
        }
    }

    pub fn from_subprotocol(name: &str) -> Option<Codec> {
        Codec::ALL.into_iter().find(|c| c.subprotocol() == name)
    }

    /// Whether frames are binary (MessagePack) or text (JSON).
    pub const fn is_binary(self) -> bool {
        matches!(self, Codec::MessagePack)
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
            Codec::MessagePack => rmp_serde::encode::write_named(out, message)?,
            Codec::Json => serde_json::to_writer(out, message)?,
        }
        Ok(())
    }

    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, CodecError> {
        Ok(match self {
            Codec::MessagePack => rmp_serde::from_slice(bytes)?,
            Codec::Json => serde_json::from_slice(bytes)?,
        })
    }
}
