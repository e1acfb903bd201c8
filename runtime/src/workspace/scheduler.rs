//! Ready queues: which waiting task runs next.
//!
//! Order is priority (higher first), then submission order. Task ids are UUIDv7, so they
//! sort by submission time, and a retried task keeps its place among tasks of its priority.
//! Tasks for a named agent wait in that agent's queue; tasks for any agent in a shared one.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};

use agenthq_protocol::{AgentId, TaskId};

/// Sort key of a ready task.
pub(super) type Key = (Reverse<i32>, TaskId);

pub(super) fn key(priority: i32, id: TaskId) -> Key {
    (Reverse(priority), id)
}

#[derive(Debug, Default)]
pub(super) struct Ready {
    any: BTreeSet<Key>,
    by_agent: HashMap<AgentId, BTreeSet<Key>>,
    targeted: usize,
}

impl Ready {
    /// Queues a task for `agent`, or for any agent when `None`.
    pub(super) fn push(&mut self, agent: Option<AgentId>, key: Key) {
        match agent {
            None => {
                self.any.insert(key);
            }
            Some(agent) => {
                if self.by_agent.entry(agent).or_default().insert(key) {
                    self.targeted += 1;
                }
            }
        }
    }

    /// Removes a task from whichever queue holds it; `false` if none did.
    pub(super) fn remove(&mut self, agent: Option<AgentId>, key: &Key) -> bool {
        if self.any.remove(key) {
            return true;
        }
        let Some(queue) = agent.and_then(|a| self.by_agent.get_mut(&a)) else {
            return false;
        };
        let removed = queue.remove(key);
        if removed {
            self.targeted -= 1;
        }
        removed
    }

    pub(super) fn first_any(&self) -> Option<&Key> {
        self.any.first()
    }

    pub(super) fn first_for(&self, agent: &AgentId) -> Option<&Key> {
        self.by_agent.get(agent).and_then(BTreeSet::first)
    }

    /// Tasks waiting for this agent by name.
    pub(super) fn len_for(&self, agent: &AgentId) -> usize {
        self.by_agent.get(agent).map_or(0, BTreeSet::len)
    }

    /// Whether any task waits for a named agent (lets dispatch skip the per-agent scan).
    pub(super) fn has_targeted(&self) -> bool {
        self.targeted > 0
    }

    /// Moves the agent's tasks to the shared queue (the agent is faulted or gone).
    pub(super) fn release_agent(&mut self, agent: &AgentId) -> usize {
        let Some(queue) = self.by_agent.remove(agent) else {
            return 0;
        };
        self.targeted -= queue.len();
        let moved = queue.len();
        self.any.extend(queue);
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> TaskId {
        TaskId::from_bytes([n; 16])
    }

    #[test]
    fn higher_priority_first_then_submission_order() {
        let mut ready = Ready::default();
        ready.push(None, key(0, id(1)));
        ready.push(None, key(5, id(3)));
        ready.push(None, key(0, id(2)));
        ready.push(None, key(5, id(4)));
        let mut order = Vec::new();
        while let Some(k) = ready.first_any().copied() {
            ready.remove(None, &k);
            order.push(k.1);
        }
        assert_eq!(order, [id(3), id(4), id(1), id(2)]);
    }

    #[test]
    fn a_released_agent_hands_its_tasks_to_everyone() {
        let mut ready = Ready::default();
        let agent = AgentId::from_bytes([9; 16]);
        ready.push(Some(agent), key(0, id(1)));
        assert!(ready.has_targeted());
        assert_eq!(ready.release_agent(&agent), 1);
        assert!(!ready.has_targeted());
        assert_eq!(ready.first_any(), Some(&key(0, id(1))));
    }
}
