//! Topics a client subscribes to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::{AgentId, WorkspaceId};

/// A stream of state and diffs. On the wire a topic is its path string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// `workspace/{id}`: the whole office (agents, live tasks, recent activity).
    Workspace(WorkspaceId),
    /// `workspace/{id}/tasks`: live tasks and task lifecycle events.
    Tasks(WorkspaceId),
    /// `agent/{id}/activity`: one agent and what it is doing.
    AgentActivity(AgentId),
}

/// The string is not a topic this protocol knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown topic {0:?}: expected workspace/{{id}}, workspace/{{id}}/tasks or agent/{{id}}/activity"
)]
pub struct TopicParseError(pub String);

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Workspace(id) => write!(f, "workspace/{id}"),
            Topic::Tasks(id) => write!(f, "workspace/{id}/tasks"),
            Topic::AgentActivity(id) => write!(f, "agent/{id}/activity"),
        }
    }
}

impl FromStr for Topic {
    type Err = TopicParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TopicParseError(s.to_owned());
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            ["workspace", id] => Ok(Topic::Workspace(id.parse().map_err(|_| err())?)),
            ["workspace", id, "tasks"] => Ok(Topic::Tasks(id.parse().map_err(|_| err())?)),
            ["agent", id, "activity"] => Ok(Topic::AgentActivity(id.parse().map_err(|_| err())?)),
            _ => Err(err()),
        }
    }
}

impl Serialize for Topic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_parse_what_they_print() {
        let ws = WorkspaceId::from_bytes([1; 16]);
        let agent = AgentId::from_bytes([2; 16]);
        for topic in [
            Topic::Workspace(ws),
            Topic::Tasks(ws),
            Topic::AgentActivity(agent),
        ] {
            assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        }
        for bad in [
            "",
            "workspace",
            "workspace/x",
            "agent/1/activity",
            "workspace/a/b/c",
        ] {
            assert!(bad.parse::<Topic>().is_err(), "{bad} parsed");
        }
    }
}
