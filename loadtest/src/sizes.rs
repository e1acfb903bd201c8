//! `agenthq-loadtest sizes`: what one office update costs on the wire, by kind of update,
//! in AgentHQ's MessagePack diffs and in the Generic Corp way (Socket.io, the changed agent
//! or task emitted whole).
//!
//! It follows a live workspace and, for every op of every diff, counts the op's own
//! MessagePack bytes plus its share of the frame around it (the diff's envelope and the
//! WebSocket header, split evenly over the frame's ops, so the shares add up to the bytes
//! received), and the bytes of the Socket.io event the Generic Corp server would have sent
//! for the same change: `42["agent:update",{…the whole agent…}]` and its WebSocket header,
//! exactly what the Socket.io anchor's `--style full` emits (`loadtest/anchors/socketio`).
//!
//! With `compact`, it follows the workspace over `agenthq.v1.compact` instead, and an op's
//! own bytes are what it adds to a compact diff, numbered from what the follower holds.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use agenthq_protocol::compact::{self, Numbers};
use agenthq_protocol::diff::{ApplyError, apply_op};
use agenthq_protocol::{
    AgentId, ClientMessage, Codec, Diff, OfficeState, Op, ServerMessage, TaskId, Topic, WorkspaceId,
};
use anyhow::Context as _;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// One kind of update's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub updates: u64,
    /// AgentHQ: the ops' bytes and their shares of their frames.
    pub ours: f64,
    /// The Generic Corp way: whole events, or 0 for what it did not emit.
    pub theirs: u64,
}

/// Totals by kind of update over the frames seen.
#[derive(Debug, Clone, Default)]
pub struct Sizes {
    pub kinds: BTreeMap<&'static str, Tally>,
    pub frames: u64,
    /// Bytes received for those frames, WebSocket headers included.
    pub frame_bytes: u64,
    /// The frames are compact diffs (`agenthq.v1.compact`), not named MessagePack.
    pub compact: bool,
}

/// What a compact client holds while it reads a frame, as the server counts it: its state
/// before the frame, the entities the frame binds and the titles it sets.
struct Held<'a> {
    state: &'a OfficeState,
    agents: HashMap<AgentId, u32>,
    tasks: HashMap<TaskId, u32>,
    titles: HashMap<TaskId, &'a str>,
}

impl Numbers for Held<'_> {
    fn agent(&self, id: AgentId) -> Option<u32> {
        (self.state.agents.get(&id).map(|a| a.n)).or_else(|| self.agents.get(&id).copied())
    }
    fn task(&self, id: TaskId) -> Option<u32> {
        (self.state.tasks.get(&id).map(|t| t.n)).or_else(|| self.tasks.get(&id).copied())
    }
    fn title(&self, id: TaskId) -> Option<&str> {
        (self.titles.get(&id).copied())
            .or_else(|| self.state.tasks.get(&id).map(|t| t.title.as_str()))
    }
    fn titled(&self, title: &str) -> Option<TaskId> {
        let held = self.state.tasks.keys().chain(self.tasks.keys());
        held.filter(|id| self.title(**id) == Some(title))
            .min_by_key(|id| self.task(**id))
            .copied()
    }
    fn lines(&self) -> Vec<(u64, &str)> {
        let lines = self.state.activity.iter();
        lines.map(|l| (l.id, l.text.as_str())).collect()
    }
}

/// Each op's bytes in a compact diff: what it adds to the frame of the ops before it (so
/// that a text naming an earlier op's counts as the server sends it).
fn compact_sizes(
    state: &OfficeState,
    workspace: WorkspaceId,
    server_time: u64,
    ops: &[Op],
) -> Vec<usize> {
    let mut held = Held {
        state,
        agents: HashMap::new(),
        tasks: HashMap::new(),
        titles: HashMap::new(),
    };
    for op in ops {
        match op {
            Op::Agent(p) => held.agents.extend(p.n.map(|n| (p.id, n))),
            Op::Task(p) => {
                held.tasks.extend(p.n.map(|n| (p.id, n)));
                held.titles.extend(p.title.as_deref().map(|t| (p.id, t)));
            }
            _ => {}
        }
    }
    let frame = |ops: Vec<Op>| {
        let message = ServerMessage::Diff {
            topic: Topic::Workspace(workspace),
            epoch: 1,
            seq: 1,
            server_time,
            ops: Diff { ops },
        };
        compact::encode(&message, &held).map_or(0, |b| b.len())
    };
    let mut before = frame(Vec::new());
    (1..=ops.len())
        .map(|end| {
            let with = frame(ops[..end].to_vec());
            with.saturating_sub(std::mem::replace(&mut before, with))
        })
        .collect()
}

/// A server-to-client WebSocket frame's header for a payload of `len` bytes (unmasked).
fn ws_header(len: usize) -> usize {
    match len {
        0..=125 => 2,
        126..=65_535 => 4,
        _ => 10,
    }
}

/// A Socket.io event on the wire: `42["name",payload]` in a text frame.
fn socketio_event(name: &str, payload: &Value) -> usize {
    let text = format!("42{}", json!([name, payload]));
    ws_header(text.len()) + text.len()
}

/// `object` with the fields the anchor adds to every event.
fn stamped(mut object: Value, workspace: WorkspaceId, server_time: u64) -> Value {
    if let Value::Object(map) = &mut object {
        map.insert("workspace".into(), json!(workspace.to_string()));
        map.insert("server_time".into(), json!(server_time));
    }
    object
}

impl Sizes {
    /// One diff frame of `frame_len` payload bytes carrying `ops`, applied to `state` (the
    /// follower's copy, which the whole objects are taken from).
    pub fn frame(
        &mut self,
        state: &mut OfficeState,
        workspace: WorkspaceId,
        server_time: u64,
        frame_len: usize,
        ops: Vec<Op>,
    ) -> Result<(), ApplyError> {
        let received = ws_header(frame_len) + frame_len;
        self.frames += 1;
        self.frame_bytes += received as u64;
        let owns: Vec<usize> = if self.compact {
            compact_sizes(state, workspace, server_time, &ops)
        } else {
            ops.iter()
                .map(|op| Codec::MessagePack.encode(op).map_or(0, |b| b.len()))
                .collect()
        };
        let mut seen = Vec::with_capacity(ops.len());
        for (op, own) in ops.into_iter().zip(owns) {
            let (kind, theirs) = generic_corp(state, workspace, server_time, op)?;
            seen.push((kind, own, theirs));
        }
        let own_total: usize = seen.iter().map(|(_, own, _)| own).sum();
        let envelope = received.saturating_sub(own_total) as f64 / seen.len().max(1) as f64;
        for (kind, own, theirs) in seen {
            let tally = self.kinds.entry(kind).or_default();
            tally.updates += 1;
            tally.ours += own as f64 + envelope;
            tally.theirs += theirs as u64;
        }
        Ok(())
    }

    /// The table a person reads: per kind, then all updates together.
    pub fn table(&self) -> String {
        let mut md = String::from(
            "| update | count | AgentHQ bytes per update (op + share of its frame) | Generic Corp bytes per update (whole object) | ratio |\n| --- | --- | --- | --- | --- |\n",
        );
        let (mut updates, mut ours, mut theirs) = (0, 0.0, 0);
        for (kind, t) in &self.kinds {
            let n = t.updates.max(1) as f64;
            let (us, them) = (t.ours / n, t.theirs as f64 / n);
            let ratio = if t.theirs > 0 {
                format!("{:.1}×", them / us)
            } else {
                "not sent".into()
            };
            let _ = writeln!(
                md,
                "| {kind} | {} | {us:.1} | {them:.1} | {ratio} |",
                t.updates
            );
            updates += t.updates;
            ours += t.ours;
            theirs += t.theirs;
        }
        let n = updates.max(1) as f64;
        let _ = writeln!(
            md,
            "| **all** | {updates} | {:.1} | {:.1} | **{:.1}×** |",
            ours / n,
            theirs as f64 / n,
            theirs as f64 / ours.max(1.0),
        );
        let _ = writeln!(
            md,
            "\n{} diff frames, {} bytes received ({:.1} updates per frame).",
            self.frames,
            self.frame_bytes,
            updates as f64 / self.frames.max(1) as f64
        );
        md
    }
}

/// Applies `op` and answers its kind and the Generic Corp event's size for it.
fn generic_corp(
    state: &mut OfficeState,
    workspace: WorkspaceId,
    server_time: u64,
    op: Op,
) -> Result<(&'static str, usize), ApplyError> {
    let stamp = |v| stamped(v, workspace, server_time);
    let as_event = |op: &Op| serde_json::to_value(op).unwrap_or(Value::Null);
    Ok(match op {
        Op::Agent(patch) => {
            let (id, new) = (patch.id, !state.agents.contains_key(&patch.id));
            apply_op(state, Op::Agent(patch))?;
            let agent = serde_json::to_value(&state.agents[&id]).unwrap_or(Value::Null);
            let kind = if new { "agent (new)" } else { "agent (change)" };
            (kind, socketio_event("agent:update", &stamp(agent)))
        }
        Op::Task(patch) => {
            let (id, new) = (patch.id, !state.tasks.contains_key(&patch.id));
            apply_op(state, Op::Task(patch))?;
            let task = serde_json::to_value(&state.tasks[&id]).unwrap_or(Value::Null);
            let kind = if new { "task (new)" } else { "task (change)" };
            (kind, socketio_event("task:update", &stamp(task)))
        }
        Op::TaskRemoved { id } => {
            apply_op(state, Op::TaskRemoved { id })?;
            let event = stamp(json!({ "id": id.to_string() }));
            ("task removed", socketio_event("task:removed", &event))
        }
        Op::AgentRemoved { id } => {
            apply_op(state, Op::AgentRemoved { id })?;
            let event = stamp(json!({ "id": id.to_string() }));
            ("agent removed", socketio_event("agent:removed", &event))
        }
        op @ Op::Activity(_) => {
            let size = socketio_event("activity", &stamp(as_event(&op)));
            apply_op(state, op)?;
            ("activity line", size)
        }
        op @ Op::TaskEvent(_) => {
            let size = socketio_event("task_event", &stamp(as_event(&op)));
            apply_op(state, op)?;
            ("task event", size)
        }
        op @ (Op::Message(_) | Op::Approval(_) | Op::ApprovalEvent(_)) => {
            let size = socketio_event("message", &stamp(as_event(&op)));
            apply_op(state, op)?;
            ("message or approval", size)
        }
        op @ Op::ApprovalRemoved { .. } => {
            let size = socketio_event("approval:removed", &stamp(as_event(&op)));
            apply_op(state, op)?;
            ("message or approval", size)
        }
        // Not emitted by the Generic Corp server (the anchor skips them too).
        op @ (Op::Workspace(_) | Op::WorkspaceRemoved | Op::ActivityReset { .. }) => {
            apply_op(state, op)?;
            ("other", 0)
        }
    })
}

/// Follows `workspace/{workspace}` at `url` (the server's base URL) over MessagePack (or
/// compact) for `diffs` diffs and answers the sizes.
pub async fn measure(
    url: &str,
    workspace: WorkspaceId,
    token: Option<String>,
    diffs: u64,
    compact: bool,
) -> anyhow::Result<Sizes> {
    let codec = if compact {
        Codec::Compact
    } else {
        Codec::MessagePack
    };
    let ws = format!("{}/ws", url.replacen("http", "ws", 1).trim_end_matches('/'));
    let mut request = ws.as_str().into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", codec.subprotocol().parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .with_context(|| format!("connecting to {ws}"))?;
    let topic = Topic::Workspace(workspace);
    for message in [
        ClientMessage::Hello { token },
        ClientMessage::Subscribe {
            topic,
            resume: None,
        },
    ] {
        socket
            .send(Message::Binary(Codec::MessagePack.encode(&message)?.into()))
            .await?;
    }
    let mut sizes = Sizes {
        compact,
        ..Sizes::default()
    };
    let mut decoder = compact::Decoder::new();
    let mut state = None;
    let mut last_seq = 0;
    while sizes.frames < diffs {
        let frame = socket
            .next()
            .await
            .context("the server closed the connection")??;
        let Message::Binary(bytes) = frame else {
            continue;
        };
        let message = if compact {
            decoder.decode(&bytes)?
        } else {
            Codec::MessagePack.decode::<ServerMessage>(&bytes)?
        };
        match message {
            ServerMessage::Snapshot {
                state: s, seq: at, ..
            } => (state, last_seq) = (Some(s), at),
            ServerMessage::Diff {
                seq,
                server_time,
                ops,
                ..
            } => {
                let Some(state) = state.as_mut() else {
                    continue;
                };
                anyhow::ensure!(
                    seq == last_seq + 1,
                    "diff {seq} after {last_seq}: run again"
                );
                last_seq = seq;
                sizes.frame(state, workspace, server_time, bytes.len(), ops.ops)?;
            }
            ServerMessage::Error { code, message, .. } => {
                anyhow::bail!("the server refused: {code:?}: {message}")
            }
            _ => {}
        }
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use agenthq_protocol::diff::{AgentPatch, diff};
    use agenthq_protocol::{AgentId, AgentStatus, AgentView, Diff};

    use super::*;

    fn agent(status: AgentStatus) -> AgentView {
        AgentView {
            id: AgentId::from_bytes([1; 16]),
            n: 0,
            name: "Marcus Bell".into(),
            personality: "Chief of staff: plans the week, chases every loose end".into(),
            status,
            desk: 0,
            max_concurrent: 1,
            running: 0,
            queued: 0,
            current_task: None,
            restarts: 0,
        }
    }

    #[test]
    fn a_status_change_is_its_op_and_frame_here_and_the_whole_agent_there() {
        let ws = WorkspaceId::from_bytes([9; 16]);
        let idle = agent(AgentStatus::Idle);
        let mut state = OfficeState::default();
        state.agents.insert(idle.id, idle.clone());
        let mut after = state.clone();
        after.agents.get_mut(&idle.id).unwrap().status = AgentStatus::Working;
        let ops: Diff = diff(&state, &after);
        assert!(
            matches!(
                &ops.ops[..],
                [Op::Agent(AgentPatch {
                    status: Some(AgentStatus::Working),
                    name: None,
                    ..
                })]
            ),
            "only the status travels: {ops:?}"
        );
        let frame = Codec::MessagePack
            .encode(&ServerMessage::Diff {
                topic: Topic::Workspace(ws),
                epoch: 1,
                seq: 2,
                server_time: 1_700_000_000_000_000,
                ops: ops.clone(),
            })
            .unwrap();
        let mut sizes = Sizes::default();
        sizes
            .frame(&mut state, ws, 1_700_000_000_000_000, frame.len(), ops.ops)
            .unwrap();
        assert_eq!(state, after, "the follower's copy moved on");

        let change = sizes.kinds["agent (change)"];
        assert_eq!(change.updates, 1);
        // The only op of its frame: it carries the whole frame and its header.
        assert_eq!(change.ours, (frame.len() + ws_header(frame.len())) as f64);
        // There: the whole agent, stamped, as a Socket.io event in a text frame.
        let mut whole = serde_json::to_value(&after.agents[&idle.id]).unwrap();
        whole["workspace"] = json!(ws.to_string());
        whole["server_time"] = json!(1_700_000_000_000_000u64);
        let text = format!("42[\"agent:update\",{whole}]");
        assert!(text.contains("chases every loose end"));
        assert_eq!(change.theirs, (text.len() + 4) as u64);
        assert!(sizes.table().contains("| agent (change) | 1 |"));
    }

    #[test]
    fn a_compact_status_change_is_a_few_bytes_and_still_adds_up() {
        let ws = WorkspaceId::from_bytes([9; 16]);
        let mut idle = agent(AgentStatus::Idle);
        idle.n = 3;
        let mut state = OfficeState::default();
        state.agents.insert(idle.id, idle.clone());
        let mut after = state.clone();
        after.agents.get_mut(&idle.id).unwrap().status = AgentStatus::Working;
        let ops = diff(&state, &after);
        let message = ServerMessage::Diff {
            topic: Topic::Workspace(ws),
            epoch: 1,
            seq: 2,
            server_time: 1_700_000_000_000_000,
            ops: ops.clone(),
        };
        let held = Held {
            state: &state,
            agents: HashMap::new(),
            tasks: HashMap::new(),
            titles: HashMap::new(),
        };
        let frame = compact::encode(&message, &held).unwrap();
        assert_eq!(compact_sizes(&state, ws, 1, &ops.ops), vec![5]);
        let mut sizes = Sizes {
            compact: true,
            ..Sizes::default()
        };
        sizes
            .frame(&mut state, ws, 1_700_000_000_000_000, frame.len(), ops.ops)
            .unwrap();
        let change = sizes.kinds["agent (change)"];
        // Alone in its frame, the op carries the whole envelope (topic, epoch, seq, time).
        assert_eq!(change.ours, (frame.len() + ws_header(frame.len())) as f64);
        assert_eq!(
            frame.len(),
            5 + compact::encode(
                &ServerMessage::Diff {
                    topic: Topic::Workspace(ws),
                    epoch: 1,
                    seq: 2,
                    server_time: 1_700_000_000_000_000,
                    ops: Diff::default(),
                },
                &compact::ByIds
            )
            .unwrap()
            .len()
        );
    }

    #[test]
    fn frame_shares_add_up_to_the_bytes_received() {
        let ws = WorkspaceId::from_bytes([9; 16]);
        let (before, mut after) = (OfficeState::default(), OfficeState::default());
        for n in 0..3u8 {
            let mut a = agent(AgentStatus::Thinking);
            a.id = AgentId::from_bytes([n + 1; 16]);
            after.agents.insert(a.id, a);
        }
        let ops = diff(&before, &after);
        let frame = Codec::MessagePack
            .encode(&ServerMessage::Diff {
                topic: Topic::Workspace(ws),
                epoch: 1,
                seq: 1,
                server_time: 1,
                ops: ops.clone(),
            })
            .unwrap();
        let mut sizes = Sizes::default();
        let mut state = before;
        sizes
            .frame(&mut state, ws, 1, frame.len(), ops.ops)
            .unwrap();
        let new = sizes.kinds["agent (new)"];
        assert_eq!(new.updates, 3);
        assert!((new.ours - sizes.frame_bytes as f64).abs() < 1e-6);
        assert_eq!(sizes.frame_bytes, (frame.len() + 4) as u64);
    }
}
