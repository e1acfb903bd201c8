//! Typed identifiers.
//!
//! Every id is a UUIDv7: time-ordered, so ids sort by creation time and database indexes
//! on them stay append-mostly. Each entity has its own newtype so a `TaskId` can never be
//! passed where an `AgentId` is expected.
//!
//! On the wire an id is the hyphenated string in human-readable formats (JSON) and the 16
//! raw bytes in binary formats (MessagePack). Decoding accepts either form in both.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The text was not a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid id {0:?}: expected a UUID such as 0190f5d2-8c4b-7d3e-9a1b-2c3d4e5f6a7b")]
pub struct IdParseError(pub String);

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id.
            #[cfg(feature = "id-gen")]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (from a database row, say).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// Builds an id from 16 bytes; used by tests and golden data.
            pub const fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }

            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = IdParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| IdParseError(s.to_owned()))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serialize_uuid(&self.0, serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(UuidVisitor).map(Self)
            }
        }
    };
}

typed_id!(
    /// A workspace: the tenant that owns agents and tasks.
    WorkspaceId
);
typed_id!(
    /// An agent within a workspace.
    AgentId
);
typed_id!(
    /// A task submitted to a workspace.
    TaskId
);

fn serialize_uuid<S: Serializer>(uuid: &Uuid, serializer: S) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        let mut buf = Uuid::encode_buffer();
        serializer.serialize_str(uuid.hyphenated().encode_lower(&mut buf))
    } else {
        serializer.serialize_bytes(uuid.as_bytes())
    }
}

/// Accepts a UUID as text or as 16 bytes, whatever the format claims to be: serde's
/// buffering of internally tagged enums loses the format's human-readable flag.
struct UuidVisitor;

impl Visitor<'_> for UuidVisitor {
    type Value = Uuid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a UUID as a string or 16 bytes")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Uuid, E> {
        Uuid::parse_str(v).map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Uuid, E> {
        Uuid::from_slice(v).map_err(|_| E::invalid_length(v.len(), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_what_they_print() {
        let id = TaskId::from_bytes([7; 16]);
        assert_eq!(id.to_string().parse::<TaskId>(), Ok(id));
        assert!("not-a-uuid".parse::<TaskId>().is_err());
    }

    #[cfg(feature = "id-gen")]
    #[test]
    fn new_ids_are_time_ordered() {
        let ids: Vec<AgentId> = (0..100).map(|_| AgentId::new()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}
