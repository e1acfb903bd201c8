//! The compact encoding of `diff` frames (subprotocol `agenthq.v1.compact`).
//!
//! Every other message of that subprotocol is the MessagePack of `agenthq.v1.msgpack`
//! (a map with field names); a `diff` is a positional array instead, where agents and
//! tasks the client already holds are named by their small number (`n`, see
//! [`crate::AgentView::n`]) rather than their 16-byte id, field names are bits of a mask,
//! and enums are small integers. A status change of an agent takes 5 bytes where the
//! named MessagePack op takes about 45. The layout, byte by byte, is in
//! `docs/protocol.md` ("The compact subprotocol").
//!
//! ```text
//! diff  = [topic kind, topic id (bin 16), epoch, seq, server_time, [op, ...]]
//! op    = [1, ref, mask, agent fields...]      agent upsert
//!       | [2, ref, mask, task fields...]       task upsert
//!       | [3, ref] | [4, ref]                  agent removed, task removed
//!       | [5, line id, agent ref, task ref | nil, kind, text, server ms - at]
//!       | [6, task ref, status, attempts, agent ref | nil, error | nil]   task event
//!       | {the op as agenthq.v1.msgpack}       any other op
//! ref   = n (uint) | id (bin 16)
//! ```
//!
//! The server numbers a reference only when the client's state holds the entity: on
//! `workspace/{id}` agents and tasks, on `workspace/{id}/tasks` tasks, on
//! `agent/{id}/activity` nothing. A new entity's upsert names it by id and carries its
//! `n`; from then on the client ([`Decoder`]) resolves the number. A number is never
//! reused within an epoch, so a replayed diff cannot name the wrong entity.

use std::collections::HashMap;

use rmp::encode as enc;

use crate::diff::{AgentPatch, TaskPatch};
use crate::id::{AgentId, TaskId, WorkspaceId};
use crate::model::{ActivityKind, ActivityLine, AgentStatus, OfficeState, TaskEvent, TaskStatus};
use crate::{CodecError, Diff, Op, ServerMessage, Topic};

const AGENT: u8 = 1;
const TASK: u8 = 2;
const AGENT_REMOVED: u8 = 3;
const TASK_REMOVED: u8 = 4;
const ACTIVITY: u8 = 5;
const TASK_EVENT: u8 = 6;

/// The numbers the encoder may use for a topic: those of the entities the client holds.
pub trait Numbers {
    fn agent(&self, id: AgentId) -> Option<u32>;
    fn task(&self, id: TaskId) -> Option<u32>;
}

/// Names every entity by its id: always correct, only larger. What a node uses when it
/// does not hold the topic's state (a diff received from another node).
#[derive(Debug, Clone, Copy, Default)]
pub struct ByIds;

impl Numbers for ByIds {
    fn agent(&self, _: AgentId) -> Option<u32> {
        None
    }
    fn task(&self, _: TaskId) -> Option<u32> {
        None
    }
}

/// Encodes `message` for the compact subprotocol: a `diff` as the positional array, with
/// `numbers` for the entities the client holds; any other message as named MessagePack.
pub fn encode(message: &ServerMessage, numbers: &dyn Numbers) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(128);
    encode_into(message, numbers, &mut out)?;
    Ok(out)
}

/// [`encode`], appending to `out`.
pub fn encode_into(
    message: &ServerMessage,
    numbers: &dyn Numbers,
    out: &mut Vec<u8>,
) -> Result<(), CodecError> {
    let ServerMessage::Diff {
        topic,
        epoch,
        seq,
        server_time,
        ops,
    } = message
    else {
        rmp_serde::encode::write_named(out, message)?;
        return Ok(());
    };
    let mut w = Writer { out };
    w.array(6);
    let (kind, id) = match topic {
        Topic::Workspace(id) => (0, *id.as_bytes()),
        Topic::Tasks(id) => (1, *id.as_bytes()),
        Topic::AgentActivity(id) => (2, *id.as_bytes()),
    };
    w.uint(kind);
    w.bin(&id);
    w.uint(*epoch);
    w.uint(*seq);
    w.uint(*server_time);
    w.array(ops.ops.len());
    let server_ms = (*server_time / 1000) as i64;
    for op in &ops.ops {
        w.op(op, numbers, server_ms)?;
    }
    Ok(())
}

/// Writes into a `Vec`, which cannot fail: the results rmp returns are dropped here once.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl Writer<'_> {
    fn array(&mut self, len: usize) {
        let _ = enc::write_array_len(self.out, u32::try_from(len).unwrap_or(u32::MAX));
    }
    fn uint(&mut self, v: u64) {
        let _ = enc::write_uint(self.out, v);
    }
    fn sint(&mut self, v: i64) {
        let _ = enc::write_sint(self.out, v);
    }
    fn bin(&mut self, v: &[u8]) {
        let _ = enc::write_bin(self.out, v);
    }
    fn str(&mut self, v: &str) {
        let _ = enc::write_str(self.out, v);
    }
    fn nil(&mut self) {
        let _ = enc::write_nil(self.out);
    }
    fn agent(&mut self, id: AgentId, numbers: &dyn Numbers) {
        match numbers.agent(id) {
            Some(n) => self.uint(n.into()),
            None => self.bin(id.as_bytes()),
        }
    }
    fn task(&mut self, id: TaskId, numbers: &dyn Numbers) {
        match numbers.task(id) {
            Some(n) => self.uint(n.into()),
            None => self.bin(id.as_bytes()),
        }
    }
    fn opt_agent(&mut self, id: Option<AgentId>, numbers: &dyn Numbers) {
        match id {
            Some(id) => self.agent(id, numbers),
            None => self.nil(),
        }
    }
    fn opt_task(&mut self, id: Option<TaskId>, numbers: &dyn Numbers) {
        match id {
            Some(id) => self.task(id, numbers),
            None => self.nil(),
        }
    }

    fn op(&mut self, op: &Op, numbers: &dyn Numbers, server_ms: i64) -> Result<(), CodecError> {
        match op {
            Op::Agent(p) => self.agent_patch(p, numbers),
            Op::Task(p) => self.task_patch(p, numbers),
            Op::AgentRemoved { id } => {
                self.array(2);
                self.uint(AGENT_REMOVED.into());
                self.agent(*id, numbers);
            }
            Op::TaskRemoved { id } => {
                self.array(2);
                self.uint(TASK_REMOVED.into());
                self.task(*id, numbers);
            }
            Op::Activity(line) => {
                self.array(7);
                self.uint(ACTIVITY.into());
                self.uint(line.id);
                self.agent(line.agent, numbers);
                self.opt_task(line.task, numbers);
                self.uint(activity_code(line.kind).into());
                self.str(&line.text);
                self.sint(server_ms.wrapping_sub(line.at));
            }
            Op::TaskEvent(e) => {
                self.array(6);
                self.uint(TASK_EVENT.into());
                self.task(e.id, numbers);
                self.uint(task_code(e.status).into());
                self.uint(e.attempts.into());
                self.opt_agent(e.agent, numbers);
                match &e.error {
                    Some(text) => self.str(text),
                    None => self.nil(),
                }
            }
            other => rmp_serde::encode::write_named(self.out, other)?,
        }
        Ok(())
    }

    /// An upsert names its entity by number only when the client already has it: a patch
    /// that carries `n` (a new entity) names it by id, which binds the number. Fields
    /// follow in the order of [`AGENT_FIELDS`], each present one a bit of the mask.
    fn agent_patch(&mut self, p: &AgentPatch, numbers: &dyn Numbers) {
        let fields = [
            p.status.is_some(),
            p.running.is_some(),
            p.queued.is_some(),
            p.current_task.is_some(),
            p.restarts.is_some(),
            p.n.is_some(),
            p.name.is_some(),
            p.personality.is_some(),
            p.desk.is_some(),
            p.max_concurrent.is_some(),
        ];
        self.subject(AGENT, &fields);
        if p.n.is_some() {
            self.bin(p.id.as_bytes());
        } else {
            self.agent(p.id, numbers);
        }
        self.uint(mask(&fields));
        if let Some(v) = p.status {
            self.uint(agent_code(v).into());
        }
        for v in [p.running, p.queued].into_iter().flatten() {
            self.uint(v.into());
        }
        if let Some(v) = p.current_task {
            self.opt_task(v, numbers);
        }
        for v in [p.restarts, p.n].into_iter().flatten() {
            self.uint(v.into());
        }
        for v in [&p.name, &p.personality].into_iter().flatten() {
            self.str(v);
        }
        for v in [p.desk, p.max_concurrent].into_iter().flatten() {
            self.uint(v.into());
        }
    }

    /// As [`Self::agent_patch`], in the order of [`TASK_FIELDS`].
    fn task_patch(&mut self, p: &TaskPatch, numbers: &dyn Numbers) {
        let fields = [
            p.status.is_some(),
            p.progress.is_some(),
            p.assigned.is_some(),
            p.attempts.is_some(),
            p.n.is_some(),
            p.title.is_some(),
            p.target.is_some(),
            p.priority.is_some(),
            p.max_attempts.is_some(),
        ];
        self.subject(TASK, &fields);
        if p.n.is_some() {
            self.bin(p.id.as_bytes());
        } else {
            self.task(p.id, numbers);
        }
        self.uint(mask(&fields));
        if let Some(v) = p.status {
            self.uint(task_code(v).into());
        }
        if let Some(v) = p.progress {
            self.uint(v.into());
        }
        if let Some(v) = p.assigned {
            self.opt_agent(v, numbers);
        }
        for v in [p.attempts, p.n].into_iter().flatten() {
            self.uint(v.into());
        }
        if let Some(v) = &p.title {
            self.str(v);
        }
        if let Some(v) = p.target {
            self.opt_agent(v, numbers);
        }
        if let Some(v) = p.priority {
            self.sint(v.into());
        }
        if let Some(v) = p.max_attempts {
            self.uint(v.into());
        }
    }

    /// The op's array header and code: code, subject, mask, then the present fields.
    fn subject(&mut self, code: u8, fields: &[bool]) {
        self.array(3 + fields.iter().filter(|f| **f).count());
        self.uint(code.into());
    }
}

/// The agent fields in mask order, the ones that change most first (so that a change's
/// mask is one byte).
pub const AGENT_FIELDS: [&str; 10] = [
    "status",
    "running",
    "queued",
    "current_task",
    "restarts",
    "n",
    "name",
    "personality",
    "desk",
    "max_concurrent",
];

/// The task fields in mask order.
pub const TASK_FIELDS: [&str; 9] = [
    "status",
    "progress",
    "assigned",
    "attempts",
    "n",
    "title",
    "target",
    "priority",
    "max_attempts",
];

fn mask(fields: &[bool]) -> u64 {
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| **f)
        .fold(0, |m, (bit, _)| m | 1 << bit)
}

const AGENT_STATUSES: [AgentStatus; 6] = [
    AgentStatus::Idle,
    AgentStatus::Thinking,
    AgentStatus::Working,
    AgentStatus::AwaitingApproval,
    AgentStatus::Blocked,
    AgentStatus::Faulted,
];
const TASK_STATUSES: [TaskStatus; 7] = [
    TaskStatus::Queued,
    TaskStatus::Running,
    TaskStatus::AwaitingApproval,
    TaskStatus::Succeeded,
    TaskStatus::Failed,
    TaskStatus::Cancelled,
    TaskStatus::Dead,
];
const ACTIVITY_KINDS: [ActivityKind; 4] = [
    ActivityKind::Thought,
    ActivityKind::ToolCall,
    ActivityKind::Output,
    ActivityKind::Status,
];

fn code_of<T: PartialEq>(all: &[T], v: T) -> u8 {
    all.iter().position(|x| *x == v).unwrap_or(0) as u8
}
fn agent_code(v: AgentStatus) -> u8 {
    code_of(&AGENT_STATUSES, v)
}
fn task_code(v: TaskStatus) -> u8 {
    code_of(&TASK_STATUSES, v)
}
fn activity_code(v: ActivityKind) -> u8 {
    code_of(&ACTIVITY_KINDS, v)
}

/// Why a compact frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid compact frame: {0}")]
    Malformed(String),
    /// The frame names an entity by a number this client does not hold: its state does
    /// not follow the server's, and it must subscribe again (with `resume`, or afresh).
    #[error("unknown {entity} number {n}; resync needed")]
    UnknownNumber { entity: &'static str, n: u32 },
}

fn bad(what: impl std::fmt::Display) -> DecodeError {
    DecodeError::Malformed(what.to_string())
}

/// A client's side of the compact subprotocol: the numbers of the entities each followed
/// topic holds, learned from its snapshots and from new entities in its diffs, forgotten
/// when they are removed. Bounded by the topics followed and the entities in their state.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    topics: HashMap<Topic, Table>,
}

#[derive(Debug, Default, Clone)]
struct Table {
    agents: HashMap<u32, AgentId>,
    tasks: HashMap<u32, TaskId>,
}

impl Table {
    fn of(state: &OfficeState) -> Self {
        Table {
            agents: state.agents.values().map(|a| (a.n, a.id)).collect(),
            tasks: state.tasks.values().map(|t| (t.n, t.id)).collect(),
        }
    }
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one server frame; a snapshot resets what its topic's numbers mean.
    pub fn decode(&mut self, bytes: &[u8]) -> Result<ServerMessage, DecodeError> {
        if !bytes.first().is_some_and(|b| (0x90..=0x9f).contains(b)) {
            let message: ServerMessage = rmp_serde::from_slice(bytes).map_err(bad)?;
            if let ServerMessage::Snapshot { topic, state, .. } = &message {
                self.topics.insert(*topic, Table::of(state));
            }
            return Ok(message);
        }
        let (topic, epoch, seq, server_time, body) = read_envelope(bytes)?;
        let table = self.topics.get(&topic).cloned().unwrap_or_default();
        // First pass: the numbers this diff binds (new entities, named by id), so that an
        // op may name an entity whose upsert comes later in the same diff.
        let mut learn = Resolve::Learning(Table::default());
        read_ops(body, server_time, &mut learn)?;
        let Resolve::Learning(bound) = learn else {
            unreachable!("the first pass only learns")
        };
        let mut resolve = Resolve::Known { table, bound };
        let ops = read_ops(body, server_time, &mut resolve)?;
        let Resolve::Known { mut table, bound } = resolve else {
            unreachable!("the second pass only resolves")
        };
        table.agents.extend(bound.agents);
        table.tasks.extend(bound.tasks);
        for op in &ops.ops {
            match op {
                Op::AgentRemoved { id } => table.agents.retain(|_, a| a != id),
                Op::TaskRemoved { id } => table.tasks.retain(|_, t| t != id),
                _ => {}
            }
        }
        self.topics.insert(topic, table);
        Ok(ServerMessage::Diff {
            topic,
            epoch,
            seq,
            server_time,
            ops,
        })
    }

    /// Takes the numbers of a state the client already holds: what a client does when it
    /// resumes a topic on a new connection (with a new decoder) from the state it kept.
    pub fn resume(&mut self, topic: Topic, state: &OfficeState) {
        self.topics.insert(topic, Table::of(state));
    }

    /// Forgets a topic's numbers (after `unsubscribe`).
    pub fn forget(&mut self, topic: &Topic) {
        self.topics.remove(topic);
    }
}

enum Resolve {
    /// Records `n → id` of every entity named by id with its number; numbers resolve to a
    /// placeholder.
    Learning(Table),
    Known {
        table: Table,
        bound: Table,
    },
}

impl Resolve {
    fn agent(&self, r: Ref) -> Result<AgentId, DecodeError> {
        match (r, self) {
            (Ref::Id(bytes), _) => Ok(AgentId::from_bytes(bytes)),
            (Ref::N(_), Resolve::Learning(_)) => Ok(AgentId::from_bytes([0; 16])),
            (Ref::N(n), Resolve::Known { table, bound }) => table
                .agents
                .get(&n)
                .or_else(|| bound.agents.get(&n))
                .copied()
                .ok_or(DecodeError::UnknownNumber { entity: "agent", n }),
        }
    }
    fn task(&self, r: Ref) -> Result<TaskId, DecodeError> {
        match (r, self) {
            (Ref::Id(bytes), _) => Ok(TaskId::from_bytes(bytes)),
            (Ref::N(_), Resolve::Learning(_)) => Ok(TaskId::from_bytes([0; 16])),
            (Ref::N(n), Resolve::Known { table, bound }) => table
                .tasks
                .get(&n)
                .or_else(|| bound.tasks.get(&n))
                .copied()
                .ok_or(DecodeError::UnknownNumber { entity: "task", n }),
        }
    }
    fn bind_agent(&mut self, n: u32, id: AgentId) {
        if let Resolve::Learning(t) = self {
            t.agents.insert(n, id);
        }
    }
    fn bind_task(&mut self, n: u32, id: TaskId) {
        if let Resolve::Learning(t) = self {
            t.tasks.insert(n, id);
        }
    }
}

#[derive(Clone, Copy)]
enum Ref {
    N(u32),
    Id([u8; 16]),
}

/// A cursor over a frame's bytes.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Result<u8, DecodeError> {
        self.rest
            .first()
            .copied()
            .ok_or_else(|| bad("frame ends early"))
    }
    fn is_nil(&mut self) -> Result<bool, DecodeError> {
        if self.peek()? == 0xc0 {
            self.rest = &self.rest[1..];
            return Ok(true);
        }
        Ok(false)
    }
    fn array(&mut self) -> Result<usize, DecodeError> {
        rmp::decode::read_array_len(&mut self.rest)
            .map(|n| n as usize)
            .map_err(|e| bad(format!("expected an array: {e}")))
    }
    fn uint(&mut self) -> Result<u64, DecodeError> {
        rmp::decode::read_int(&mut self.rest).map_err(|e| bad(format!("expected an integer: {e}")))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.uint()?).map_err(|_| bad("integer out of range"))
    }
    fn sint(&mut self) -> Result<i64, DecodeError> {
        rmp::decode::read_int(&mut self.rest).map_err(|e| bad(format!("expected an integer: {e}")))
    }
    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < len {
            return Err(bad("frame ends early"));
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }
    fn id(&mut self) -> Result<[u8; 16], DecodeError> {
        let len = rmp::decode::read_bin_len(&mut self.rest)
            .map_err(|e| bad(format!("expected an id: {e}")))?;
        self.take(len as usize)?
            .try_into()
            .map_err(|_| bad("an id is 16 bytes"))
    }
    fn str(&mut self) -> Result<String, DecodeError> {
        let len = rmp::decode::read_str_len(&mut self.rest)
            .map_err(|e| bad(format!("expected a string: {e}")))?;
        let bytes = self.take(len as usize)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| bad("a string is not UTF-8"))
    }
    fn opt_str(&mut self) -> Result<Option<String>, DecodeError> {
        if self.is_nil()? {
            return Ok(None);
        }
        self.str().map(Some)
    }
    fn reference(&mut self) -> Result<Ref, DecodeError> {
        match self.peek()? {
            0xc4..=0xc6 => self.id().map(Ref::Id),
            _ => self.u32().map(Ref::N),
        }
    }
    fn opt_reference(&mut self) -> Result<Option<Ref>, DecodeError> {
        if self.is_nil()? {
            return Ok(None);
        }
        self.reference().map(Some)
    }
    fn code<T: Copy>(&mut self, all: &[T], what: &str) -> Result<T, DecodeError> {
        let code = self.uint()?;
        usize::try_from(code)
            .ok()
            .and_then(|i| all.get(i).copied())
            .ok_or_else(|| bad(format!("unknown {what} code {code}")))
    }
}

type Envelope<'a> = (Topic, u64, u64, u64, &'a [u8]);

fn read_envelope(bytes: &[u8]) -> Result<Envelope<'_>, DecodeError> {
    let mut r = Reader { rest: bytes };
    if r.array()? != 6 {
        return Err(bad("a diff is an array of 6"));
    }
    let kind = r.uint()?;
    let id = r.id()?;
    let topic = match kind {
        0 => Topic::Workspace(WorkspaceId::from_bytes(id)),
        1 => Topic::Tasks(WorkspaceId::from_bytes(id)),
        2 => Topic::AgentActivity(AgentId::from_bytes(id)),
        other => return Err(bad(format!("unknown topic kind {other}"))),
    };
    let epoch = r.uint()?;
    let seq = r.uint()?;
    let server_time = r.uint()?;
    Ok((topic, epoch, seq, server_time, r.rest))
}

fn read_ops(body: &[u8], server_time: u64, resolve: &mut Resolve) -> Result<Diff, DecodeError> {
    let mut r = Reader { rest: body };
    let count = r.array()?;
    // Each op takes at least one byte: a count beyond the bytes left is a lie.
    if count > r.rest.len() {
        return Err(bad("more ops announced than the frame holds"));
    }
    let server_ms = (server_time / 1000) as i64;
    let mut ops = Vec::with_capacity(count);
    for _ in 0..count {
        ops.push(read_op(&mut r, server_ms, resolve)?);
    }
    if !r.rest.is_empty() {
        return Err(bad("bytes after the ops"));
    }
    Ok(Diff { ops })
}

fn read_op(r: &mut Reader<'_>, server_ms: i64, resolve: &mut Resolve) -> Result<Op, DecodeError> {
    if !(0x90..=0x9f).contains(&r.peek()?) && !matches!(r.peek()?, 0xdc | 0xdd) {
        // Any other op: named MessagePack, as in agenthq.v1.msgpack.
        let mut de = rmp_serde::Deserializer::new(&mut r.rest);
        return serde::Deserialize::deserialize(&mut de).map_err(bad);
    }
    let len = r.array()?;
    let code = r.uint()?;
    let fields = len
        .checked_sub(2)
        .ok_or_else(|| bad("an op needs a code and a subject"))?;
    let op = match code as u8 {
        _ if code > u8::MAX.into() => return Err(bad(format!("unknown op code {code}"))),
        AGENT => Op::Agent(read_agent(r, fields, resolve)?),
        TASK => Op::Task(read_task(r, fields, resolve)?),
        AGENT_REMOVED if fields == 0 => Op::AgentRemoved {
            id: resolve.agent(r.reference()?)?,
        },
        TASK_REMOVED if fields == 0 => Op::TaskRemoved {
            id: resolve.task(r.reference()?)?,
        },
        ACTIVITY if fields == 5 => {
            let id = r.uint()?;
            let agent = resolve.agent(r.reference()?)?;
            let task = r.opt_reference()?.map(|t| resolve.task(t)).transpose()?;
            let kind = r.code(&ACTIVITY_KINDS, "activity kind")?;
            let text = r.str()?;
            let at = server_ms.wrapping_sub(r.sint()?);
            Op::Activity(ActivityLine {
                id,
                agent,
                task,
                kind,
                text,
                at,
            })
        }
        TASK_EVENT if fields == 4 => {
            let id = resolve.task(r.reference()?)?;
            let status = r.code(&TASK_STATUSES, "task status")?;
            let attempts = r.u32()?;
            let agent = r.opt_reference()?.map(|a| resolve.agent(a)).transpose()?;
            let error = r.opt_str()?;
            Op::TaskEvent(TaskEvent {
                id,
                status,
                attempts,
                agent,
                error,
            })
        }
        _ => return Err(bad(format!("op code {code} with {len} elements"))),
    };
    Ok(op)
}

/// Reads the mask, checks it announces as many fields as the array holds.
fn read_mask(r: &mut Reader<'_>, fields: usize, width: usize) -> Result<u64, DecodeError> {
    let mask = r.uint()?;
    if mask >> width != 0 || fields != mask.count_ones() as usize + 1 {
        return Err(bad("field mask does not match the op"));
    }
    Ok(mask)
}

fn read_agent(
    r: &mut Reader<'_>,
    fields: usize,
    resolve: &mut Resolve,
) -> Result<AgentPatch, DecodeError> {
    let subject = r.reference()?;
    let mask = read_mask(r, fields, AGENT_FIELDS.len())?;
    let has = |bit: u32| mask & (1 << bit) != 0;
    let status = has(0)
        .then(|| r.code(&AGENT_STATUSES, "agent status"))
        .transpose()?;
    let running = has(1).then(|| r.u32()).transpose()?;
    let queued = has(2).then(|| r.u32()).transpose()?;
    let current_task = if has(3) {
        Some(r.opt_reference()?)
    } else {
        None
    };
    let restarts = has(4).then(|| r.u32()).transpose()?;
    let n = has(5).then(|| r.u32()).transpose()?;
    let name = has(6).then(|| r.str()).transpose()?;
    let personality = has(7).then(|| r.str()).transpose()?;
    let desk = has(8).then(|| r.u32()).transpose()?;
    let max_concurrent = has(9).then(|| r.u32()).transpose()?;
    let id = resolve.agent(subject)?;
    if let (Some(n), Ref::Id(_)) = (n, subject) {
        resolve.bind_agent(n, id);
    }
    Ok(AgentPatch {
        id,
        n,
        name,
        personality,
        status,
        desk,
        max_concurrent,
        running,
        queued,
        current_task: current_task
            .map(|t| t.map(|t| resolve.task(t)).transpose())
            .transpose()?,
        restarts,
    })
}

fn read_task(
    r: &mut Reader<'_>,
    fields: usize,
    resolve: &mut Resolve,
) -> Result<TaskPatch, DecodeError> {
    let subject = r.reference()?;
    let mask = read_mask(r, fields, TASK_FIELDS.len())?;
    let has = |bit: u32| mask & (1 << bit) != 0;
    let status = has(0)
        .then(|| r.code(&TASK_STATUSES, "task status"))
        .transpose()?;
    let progress = has(1)
        .then(|| {
            r.uint()
                .and_then(|v| u16::try_from(v).map_err(|_| bad("progress out of range")))
        })
        .transpose()?;
    let assigned = if has(2) {
        Some(r.opt_reference()?)
    } else {
        None
    };
    let attempts = has(3).then(|| r.u32()).transpose()?;
    let n = has(4).then(|| r.u32()).transpose()?;
    let title = has(5).then(|| r.str()).transpose()?;
    let target = if has(6) {
        Some(r.opt_reference()?)
    } else {
        None
    };
    let priority = has(7)
        .then(|| {
            r.sint()
                .and_then(|v| i32::try_from(v).map_err(|_| bad("priority out of range")))
        })
        .transpose()?;
    let max_attempts = has(8).then(|| r.u32()).transpose()?;
    let id = resolve.task(subject)?;
    if let (Some(n), Ref::Id(_)) = (n, subject) {
        resolve.bind_task(n, id);
    }
    let agent = |a: Option<Option<Ref>>| {
        a.map(|a| a.map(|a| resolve.agent(a)).transpose())
            .transpose()
    };
    Ok(TaskPatch {
        id,
        n,
        title,
        target: agent(target)?,
        assigned: agent(assigned)?,
        priority,
        status,
        progress,
        attempts,
        max_attempts,
    })
}
