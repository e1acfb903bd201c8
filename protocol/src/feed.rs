//! Following one topic from the wire: a snapshot, then diffs in order; a gap, a new epoch
//! or a diff that does not apply asks for a resume. A client (the viewer, `agenthq tail`)
//! feeds every server message here and does what the answer says, so the rules of
//! `docs/protocol.md` are kept (and tested) in one place.

use crate::{ErrorCode, OfficeState, Resume, ServerMessage, Topic};

/// What the caller should do after a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The state changed (a snapshot or a diff applied): redraw.
    Applied,
    /// Nothing to do (another topic, a diff already applied, a pong).
    Ignored,
    /// The state cannot follow: subscribe again with this `resume` (or none: snapshot).
    Resubscribe(Option<Resume>),
}

/// One followed topic: the state as the server last described it, and where it stands.
#[derive(Debug, Clone, Default)]
pub struct Feed {
    pub state: OfficeState,
    /// `None` until the first snapshot (or after a diff failed to apply).
    pub at: Option<Resume>,
    /// Diff frames applied, for the HUD's rate.
    pub applied: u64,
    /// A subscribe (with `resume`) is on its way: until the snapshot or the replay arrives,
    /// diffs that do not follow are the old stream's, not new gaps, and ask for nothing.
    /// Set by the feed when it answers [`Step::Resubscribe`]; a client that subscribes on
    /// a new connection sets it too.
    pub resubscribing: bool,
}

impl Feed {
    /// Takes one message about `topic`.
    pub fn on_message(&mut self, topic: Topic, message: ServerMessage) -> Step {
        match message {
            ServerMessage::Snapshot {
                topic: t,
                epoch,
                seq,
                state,
            } if t == topic => {
                self.state = state;
                self.at = Some(Resume { epoch, seq });
                self.resubscribing = false;
                Step::Applied
            }
            ServerMessage::Diff {
                topic: t,
                epoch,
                seq,
                ops,
                ..
            } if t == topic => {
                let Some(at) = self.at else {
                    return Step::Ignored; // Before the snapshot that opens the subscription.
                };
                if epoch == at.epoch && seq <= at.seq {
                    return Step::Ignored; // Already applied (a replay overlap).
                }
                if epoch != at.epoch || seq != at.seq + 1 {
                    if self.resubscribing {
                        return Step::Ignored;
                    }
                    self.resubscribing = true;
                    return Step::Resubscribe(Some(at));
                }
                if crate::diff::apply(&mut self.state, &ops).is_err() {
                    self.at = None;
                    self.resubscribing = true;
                    return Step::Resubscribe(None);
                }
                self.at = Some(Resume { epoch, seq });
                self.applied += 1;
                self.resubscribing = false;
                Step::Applied
            }
            ServerMessage::Error {
                code: ErrorCode::ResyncRequired,
                topic: Some(t),
                ..
            } if t == topic => {
                self.resubscribing = true;
                Step::Resubscribe(self.at)
            }
            _ => Step::Ignored,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diff::diff;
    use crate::{AgentId, AgentStatus, AgentView, WorkspaceId};

    use super::*;

    fn topic() -> Topic {
        Topic::Workspace(WorkspaceId::from_bytes([1; 16]))
    }

    fn office(status: AgentStatus) -> OfficeState {
        let mut state = OfficeState::default();
        let id = AgentId::from_bytes([2; 16]);
        state.agents.insert(
            id,
            AgentView {
                id,
                n: 0,
                name: "Sable Chen".into(),
                personality: String::new(),
                status,
                desk: 0,
                max_concurrent: 1,
                running: 0,
                queued: 0,
                current_task: None,
                restarts: 0,
            },
        );
        state
    }

    fn snapshot(seq: u64, state: OfficeState) -> ServerMessage {
        ServerMessage::Snapshot {
            topic: topic(),
            epoch: 1,
            seq,
            state,
        }
    }

    fn step(epoch: u64, seq: u64, from: &OfficeState, to: &OfficeState) -> ServerMessage {
        ServerMessage::Diff {
            topic: topic(),
            epoch,
            seq,
            server_time: 0,
            ops: diff(from, to),
        }
    }

    #[test]
    fn a_snapshot_then_diffs_in_order_follow_the_server() {
        let (idle, working) = (office(AgentStatus::Idle), office(AgentStatus::Working));
        let mut feed = Feed::default();
        assert_eq!(
            feed.on_message(topic(), step(1, 4, &idle, &working)),
            Step::Ignored,
            "before the snapshot"
        );
        assert_eq!(
            feed.on_message(topic(), snapshot(4, idle.clone())),
            Step::Applied
        );
        assert_eq!(
            feed.on_message(topic(), step(1, 5, &idle, &working)),
            Step::Applied
        );
        assert_eq!(feed.state, working);
        assert_eq!(
            feed.on_message(topic(), step(1, 5, &idle, &working)),
            Step::Ignored,
            "a repeat"
        );
        assert_eq!(feed.applied, 1);
    }

    #[test]
    fn a_gap_or_a_new_epoch_resumes_from_where_the_feed_stands() {
        let (idle, working) = (office(AgentStatus::Idle), office(AgentStatus::Working));
        let mut feed = Feed::default();
        feed.on_message(topic(), snapshot(4, idle.clone()));
        let at = Some(Resume { epoch: 1, seq: 4 });
        assert_eq!(
            feed.on_message(topic(), step(1, 6, &idle, &working)),
            Step::Resubscribe(at)
        );
        assert_eq!(feed.state, idle, "nothing applied out of order");
        for (epoch, seq) in [(1, 7), (2, 1)] {
            assert_eq!(
                feed.on_message(topic(), step(epoch, seq, &idle, &working)),
                Step::Ignored,
                "the old stream goes on while the resume is on its way: no second request"
            );
        }
        let resync = ServerMessage::Error {
            code: ErrorCode::ResyncRequired,
            message: String::new(),
            topic: Some(topic()),
        };
        assert_eq!(
            feed.on_message(topic(), resync),
            Step::Resubscribe(at),
            "the server asking always gets an answer"
        );
        // The replay arrives: back in step; a later new epoch asks again.
        assert_eq!(
            feed.on_message(topic(), step(1, 5, &idle, &working)),
            Step::Applied
        );
        assert!(!feed.resubscribing);
        assert_eq!(
            feed.on_message(topic(), step(2, 1, &working, &idle)),
            Step::Resubscribe(Some(Resume { epoch: 1, seq: 5 }))
        );
    }

    #[test]
    fn a_diff_that_does_not_apply_asks_for_a_snapshot() {
        let mut feed = Feed::default();
        feed.on_message(topic(), snapshot(1, OfficeState::default()));
        // A patch of fields for an agent the feed never saw whole.
        let (idle, working) = (office(AgentStatus::Idle), office(AgentStatus::Working));
        assert_eq!(
            feed.on_message(topic(), step(1, 2, &idle, &working)),
            Step::Resubscribe(None)
        );
        assert_eq!(feed.at, None);
    }
}
