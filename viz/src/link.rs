//! The viewer's connection, as a state machine with no I/O: when to (re)connect, what to
//! say on a new connection (hello, then subscribe with `resume` from where the view
//! stands), what each server message means for the view, and what the HUD says about it.
//! The native and web sockets only move frames in and out of a [`Link`], so the
//! reconnect and resume rules are tested here without a network.
//!
//! While the connection is down the view keeps its last state and keeps animating, but
//! the HUD says "reconnecting" (never "connected") until a snapshot or a replay brings
//! it up to date.

use agenthq_protocol::feed::{Feed, Step};
use agenthq_protocol::{AgentId, ClientMessage, ErrorCode, Op, ServerMessage, Topic};

use crate::scene::touched_by;

/// First wait before reconnecting, in seconds; it doubles per failed attempt.
pub const FIRST_RETRY_SECS: f64 = 0.5;
/// Longest wait between attempts, in seconds.
pub const MAX_RETRY_SECS: f64 = 10.0;
/// A `ping` this often keeps an open connection clear of the server's idle timeout
/// (60 s by default), in seconds.
pub const PING_EVERY_SECS: f64 = 20.0;

/// What the socket should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open a new connection (then call [`Link::on_opened`]).
    Connect,
    /// Send this message on the open connection.
    Send(ClientMessage),
}

/// What a server message changed in the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Nothing,
    /// A snapshot: everything may have changed.
    Everything,
    /// A diff: these agents (duplicates possible) may have changed.
    Agents,
}

/// What the HUD says about the connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    /// The first connection is being made.
    Connecting,
    /// Subscribed and up to date.
    Connected,
    /// Lost; the view shows the last known state, marked as not live.
    Reconnecting { attempt: u32, in_secs: f64 },
}

impl Connection {
    pub fn label(&self) -> String {
        match self {
            Connection::Connecting => "connecting".into(),
            Connection::Connected => "connected".into(),
            Connection::Reconnecting { attempt, in_secs } if *in_secs > 0.0 => {
                format!("reconnecting in {in_secs:.0} s (attempt {attempt})")
            }
            Connection::Reconnecting { attempt, .. } => format!("reconnecting (attempt {attempt})"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No connection; connect at `next_try`.
    Down,
    /// A connection is being opened.
    Opening,
    /// Open and subscribed, waiting for the snapshot or the replay.
    Catching,
    /// Up to date.
    Live,
}

/// One followed topic over a connection that may come and go.
#[derive(Debug)]
pub struct Link {
    topic: Topic,
    token: Option<String>,
    pub feed: Feed,
    phase: Phase,
    /// Whether a connection was ever live (to tell "connecting" from "reconnecting").
    was_live: bool,
    /// Failed attempts since the last live connection.
    attempt: u32,
    next_try: f64,
    last_ping: f64,
    /// Why the last connection ended or the server refused something, for the HUD.
    pub problem: Option<String>,
    /// Agents the last diff touched (see [`Change::Agents`]).
    pub touched: Vec<AgentId>,
    /// Messages the last applied diff carried: who wrote to whom (`None`: the people).
    pub passing: Vec<(Option<AgentId>, Option<AgentId>)>,
    rate: Rate,
}

impl Link {
    /// A link that connects at once.
    pub fn new(topic: Topic, token: Option<String>) -> Self {
        Self {
            topic,
            token,
            feed: Feed::default(),
            phase: Phase::Down,
            was_live: false,
            attempt: 0,
            next_try: 0.0,
            last_ping: 0.0,
            problem: None,
            touched: Vec::new(),
            passing: Vec::new(),
            rate: Rate::default(),
        }
    }

    pub fn topic(&self) -> Topic {
        self.topic
    }

    /// Whether to connect, or ping, now (`now` in seconds on any steady clock).
    pub fn poll(&mut self, now: f64) -> Option<Action> {
        match self.phase {
            Phase::Down if now >= self.next_try => {
                self.phase = Phase::Opening;
                Some(Action::Connect)
            }
            Phase::Catching | Phase::Live if now - self.last_ping >= PING_EVERY_SECS => {
                self.last_ping = now;
                Some(Action::Send(ClientMessage::Ping))
            }
            _ => None,
        }
    }

    /// The connection opened: what to say first. The subscription resumes from where the
    /// view stands, so the server replays only what was missed (or sends a snapshot).
    pub fn on_opened(&mut self, now: f64) -> [ClientMessage; 2] {
        self.phase = Phase::Catching;
        self.last_ping = now;
        self.feed.resubscribing = self.feed.at.is_some();
        [
            ClientMessage::Hello {
                token: self.token.clone(),
            },
            ClientMessage::Subscribe {
                topic: self.topic,
                resume: self.feed.at,
            },
        ]
    }

    /// The connection closed or could not open; retry after a back-off.
    pub fn on_closed(&mut self, why: impl Into<String>, now: f64) {
        self.phase = Phase::Down;
        self.attempt += 1;
        let wait = (FIRST_RETRY_SECS * 2f64.powi(self.attempt as i32 - 1)).min(MAX_RETRY_SECS);
        self.next_try = now + wait;
        self.problem = Some(why.into());
    }

    /// A server message: what changed, and what to send back if anything.
    pub fn on_message(&mut self, message: ServerMessage, now: f64) -> (Change, Option<Action>) {
        self.touched.clear();
        self.passing.clear();
        let is_diff = matches!(message, ServerMessage::Diff { .. });
        let mut passing = Vec::new();
        match &message {
            ServerMessage::Diff { ops, .. } => {
                touched_by(&ops.ops, &self.feed.state, &mut self.touched);
                passing.extend(ops.ops.iter().filter_map(|op| match op {
                    Op::Message(m) => Some((m.from, m.to)),
                    _ => None,
                }));
            }
            ServerMessage::Error { code, message, .. } if *code != ErrorCode::ResyncRequired => {
                self.problem = Some(format!("{}: {message}", error_name(*code)));
            }
            _ => {}
        }
        match self.feed.on_message(self.topic, message) {
            Step::Applied => {
                if is_diff {
                    self.rate.count(now);
                    self.passing = passing;
                }
                let caught_up = self.phase == Phase::Catching;
                if caught_up || self.phase == Phase::Live {
                    self.phase = Phase::Live;
                    self.was_live = true;
                    self.attempt = 0;
                    if caught_up {
                        self.problem = None;
                    }
                }
                let change = if is_diff {
                    Change::Agents
                } else {
                    Change::Everything
                };
                (change, None)
            }
            Step::Ignored => (Change::Nothing, None),
            Step::Resubscribe(resume) => {
                if self.phase == Phase::Live {
                    self.phase = Phase::Catching;
                }
                let again = ClientMessage::Subscribe {
                    topic: self.topic,
                    resume,
                };
                (Change::Nothing, Some(Action::Send(again)))
            }
        }
    }

    /// The connection as the HUD shows it.
    pub fn connection(&self, now: f64) -> Connection {
        match self.phase {
            Phase::Live => Connection::Connected,
            _ if !self.was_live && self.attempt == 0 => Connection::Connecting,
            Phase::Down => Connection::Reconnecting {
                attempt: self.attempt,
                in_secs: (self.next_try - now).max(0.0),
            },
            _ => Connection::Reconnecting {
                attempt: self.attempt.max(1),
                in_secs: 0.0,
            },
        }
    }

    /// Whether what the view shows is up to date.
    pub fn live(&self) -> bool {
        self.phase == Phase::Live
    }

    /// Diff frames applied per second, over the last whole second.
    pub fn frames_per_sec(&self, now: f64) -> f64 {
        self.rate.per_sec(now)
    }
}

fn error_name(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unauthorized => "unauthorized",
        ErrorCode::Forbidden => "forbidden",
        ErrorCode::NotFound => "not found",
        ErrorCode::RateLimited => "rate limited",
        _ => "server error",
    }
}

/// Events per second over one-second windows.
#[derive(Debug, Default, Clone)]
struct Rate {
    window_start: f64,
    count: u32,
    last: f64,
}

impl Rate {
    fn count(&mut self, now: f64) {
        self.roll(now);
        self.count += 1;
    }

    fn roll(&mut self, now: f64) {
        let span = now - self.window_start;
        if span >= 1.0 {
            // A window with nothing after it (a long silence) reads as zero.
            self.last = if span < 2.0 {
                f64::from(self.count) / span
            } else {
                0.0
            };
            self.window_start = now;
            self.count = 0;
        }
    }

    fn per_sec(&self, now: f64) -> f64 {
        let span = now - self.window_start;
        if span >= 2.0 {
            0.0
        } else if span >= 1.0 {
            f64::from(self.count) / span
        } else {
            self.last
        }
    }
}

#[cfg(test)]
mod tests {
    use agenthq_protocol::diff::diff;
    use agenthq_protocol::{
        AgentStatus, AgentView, OfficeState, Resume, WorkspaceId, WorkspaceView,
    };

    use super::*;

    fn topic() -> Topic {
        Topic::Workspace(WorkspaceId::from_bytes([1; 16]))
    }

    fn office(status: AgentStatus) -> OfficeState {
        let mut state = OfficeState {
            workspace: Some(WorkspaceView {
                id: WorkspaceId::from_bytes([1; 16]),
                name: "Generic Corp".into(),
                tier: Default::default(),
                max_running: 4,
                max_queued: 100,
            }),
            ..OfficeState::default()
        };
        let id = AgentId::from_bytes([2; 16]);
        state.agents.insert(
            id,
            AgentView {
                id,
                n: 0,
                name: "Yuki Tanaka".into(),
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

    fn snapshot(epoch: u64, seq: u64, state: &OfficeState) -> ServerMessage {
        ServerMessage::Snapshot {
            topic: topic(),
            epoch,
            seq,
            state: state.clone(),
        }
    }

    fn diff_msg(seq: u64, from: &OfficeState, to: &OfficeState) -> ServerMessage {
        ServerMessage::Diff {
            topic: topic(),
            epoch: 1,
            seq,
            server_time: 0,
            ops: diff(from, to),
        }
    }

    #[test]
    fn connects_says_hello_then_follows_a_snapshot_and_diffs() {
        let mut link = Link::new(topic(), Some("ahq_key".into()));
        assert_eq!(link.connection(0.0), Connection::Connecting);
        assert_eq!(link.poll(0.0), Some(Action::Connect));
        assert_eq!(link.poll(0.1), None, "one attempt at a time");
        let [hello, subscribe] = link.on_opened(0.0);
        assert_eq!(
            hello,
            ClientMessage::Hello {
                token: Some("ahq_key".into())
            }
        );
        assert_eq!(
            subscribe,
            ClientMessage::Subscribe {
                topic: topic(),
                resume: None
            }
        );
        assert_eq!(
            link.connection(0.2),
            Connection::Connecting,
            "not live before the snapshot"
        );

        let (idle, working) = (office(AgentStatus::Idle), office(AgentStatus::Working));
        assert_eq!(
            link.on_message(snapshot(1, 3, &idle), 0.3),
            (Change::Everything, None)
        );
        assert_eq!(link.connection(0.3), Connection::Connected);
        assert_eq!(
            link.on_message(diff_msg(4, &idle, &working), 0.4),
            (Change::Agents, None)
        );
        assert_eq!(link.touched, vec![AgentId::from_bytes([2; 16])]);
        assert_eq!(link.feed.state, working);
        assert!(link.passing.is_empty());

        // A message passes: the link names who wrote to whom; a replayed (ignored) diff
        // sends no second envelope.
        let (ada, people) = (AgentId::from_bytes([2; 16]), None);
        let note = ServerMessage::Diff {
            topic: topic(),
            epoch: 1,
            seq: 5,
            server_time: 0,
            ops: agenthq_protocol::Diff {
                ops: vec![Op::Message(agenthq_protocol::MessageView {
                    id: agenthq_protocol::MessageId::from_bytes([1; 16]),
                    from: Some(ada),
                    to: people,
                    author: "Ada".into(),
                    text: "Done with the report".into(),
                    task: None,
                    at: 0,
                })],
            },
        };
        assert_eq!(link.on_message(note.clone(), 0.5).0, Change::Agents);
        assert_eq!(link.passing, vec![(Some(ada), people)]);
        assert_eq!(link.on_message(note, 0.6).0, Change::Nothing);
        assert!(link.passing.is_empty());
    }

    #[test]
    fn a_lost_connection_backs_off_keeps_the_view_and_resumes_where_it_stood() {
        let mut link = Link::new(topic(), None);
        link.poll(0.0);
        link.on_opened(0.0);
        let idle = office(AgentStatus::Idle);
        link.on_message(snapshot(1, 7, &idle), 0.0);

        link.on_closed("connection reset", 10.0);
        assert!(!link.live());
        assert_eq!(
            link.connection(10.0),
            Connection::Reconnecting {
                attempt: 1,
                in_secs: FIRST_RETRY_SECS
            }
        );
        assert_eq!(link.feed.state, idle, "the last state stays on screen");
        assert_eq!(link.poll(10.2), None, "waits out the back-off");
        assert_eq!(link.poll(10.5), Some(Action::Connect));
        // Failing again doubles the wait, up to the cap.
        link.on_closed("refused", 10.5);
        assert_eq!(link.poll(11.4), None);
        assert_eq!(link.poll(11.5), Some(Action::Connect));
        for n in 0..10 {
            link.on_closed("refused", 100.0 * f64::from(n));
        }
        assert_eq!(
            link.connection(900.0),
            Connection::Reconnecting {
                attempt: 12,
                in_secs: MAX_RETRY_SECS
            }
        );

        link.poll(1000.0);
        let [_, subscribe] = link.on_opened(1000.0);
        assert_eq!(
            subscribe,
            ClientMessage::Subscribe {
                topic: topic(),
                resume: Some(Resume { epoch: 1, seq: 7 })
            },
            "resumes from the last applied seq"
        );
        assert_ne!(
            link.connection(1000.0),
            Connection::Connected,
            "not live until caught up"
        );
        let working = office(AgentStatus::Working);
        assert_eq!(
            link.on_message(diff_msg(8, &idle, &working), 1000.1).0,
            Change::Agents
        );
        assert_eq!(
            link.connection(1000.1),
            Connection::Connected,
            "the replay caught it up"
        );
        assert_eq!(link.problem, None);
        link.on_closed("again", 1001.0);
        assert_eq!(
            link.connection(1001.0),
            Connection::Reconnecting {
                attempt: 1,
                in_secs: FIRST_RETRY_SECS
            },
            "a live connection resets the back-off"
        );
    }

    #[test]
    fn a_gap_asks_for_a_resume_and_the_hud_stops_saying_connected() {
        let mut link = Link::new(topic(), None);
        link.poll(0.0);
        link.on_opened(0.0);
        let (idle, working) = (office(AgentStatus::Idle), office(AgentStatus::Working));
        link.on_message(snapshot(1, 1, &idle), 0.0);
        let (change, action) = link.on_message(diff_msg(3, &idle, &working), 0.1);
        assert_eq!(change, Change::Nothing);
        assert_eq!(
            action,
            Some(Action::Send(ClientMessage::Subscribe {
                topic: topic(),
                resume: Some(Resume { epoch: 1, seq: 1 })
            }))
        );
        assert_eq!(link.feed.state, idle, "nothing applied across the gap");
        assert!(!link.live());
        link.on_message(snapshot(1, 3, &working), 0.2);
        assert!(link.live());

        let refused = ServerMessage::Error {
            code: ErrorCode::NotFound,
            message: "no such workspace".into(),
            topic: Some(topic()),
        };
        link.on_message(refused, 0.3);
        assert_eq!(
            link.problem.as_deref(),
            Some("not found: no such workspace")
        );
    }

    #[test]
    fn the_frame_rate_counts_applied_diffs_per_second() {
        let mut link = Link::new(topic(), None);
        link.poll(0.0);
        link.on_opened(0.0);
        let (idle, working) = (office(AgentStatus::Idle), office(AgentStatus::Working));
        link.on_message(snapshot(1, 0, &idle), 0.0);
        let mut from = idle.clone();
        for seq in 1..=20 {
            let to = if seq % 2 == 1 {
                working.clone()
            } else {
                idle.clone()
            };
            link.on_message(
                diff_msg(seq, &from, &to),
                1.0 + f64::from(seq as u32) * 0.05,
            );
            from = to;
        }
        let rate = link.frames_per_sec(2.06);
        assert!((19.0..=21.0).contains(&rate), "{rate}");
        assert_eq!(link.frames_per_sec(10.0), 0.0, "silence reads as zero");
    }
}
