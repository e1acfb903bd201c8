//! The client's side: compact frames back into messages, numbers into ids.

use std::collections::{HashMap, VecDeque};

use super::*;
use crate::MessageId;
use crate::diff::{AgentPatch, TaskPatch};
use crate::id::WorkspaceId;
use crate::model::{ACTIVITY_CAP, ActivityLine, MessageView, OfficeState, TaskEvent};
use crate::{Diff, Op, ServerMessage, Topic};

/// Why a compact frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("invalid compact frame: {0}")]
    Malformed(String),
    /// The frame names an entity by a number this client does not hold: its state does
    /// not follow the server's, and it must subscribe again (with `resume`, or afresh).
    #[error("unknown {entity} number {n}; resync needed")]
    UnknownNumber { entity: &'static str, n: u32 },
    /// A text names an activity line this client does not hold: as for a number.
    #[error("unknown activity line {0}; resync needed")]
    UnknownLine(u64),
}

fn bad(what: impl std::fmt::Display) -> DecodeError {
    DecodeError::Malformed(what.to_string())
}

/// A client's side of the compact subprotocol: the numbers of the entities each followed
/// topic holds, learned from its snapshots and from new entities in its diffs, forgotten
/// when they are removed, and the texts a diff's texts may be made of (the tasks' titles,
/// the latest activity lines). Bounded by the topics followed and their state.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    topics: HashMap<Topic, Table>,
}

#[derive(Debug, Default, Clone)]
struct Table {
    agents: HashMap<u32, AgentId>,
    tasks: HashMap<u32, TaskId>,
    /// The held tasks' titles, by number.
    titles: HashMap<u32, String>,
    /// The state's activity lines (id, text), oldest first, kept as the state keeps them.
    lines: VecDeque<(u64, String)>,
    /// The epoch and seq of the state the table follows; `None` after `resume`, until the
    /// first diff.
    at: Option<(u64, u64)>,
}

impl Table {
    fn of(state: &OfficeState) -> Self {
        Table {
            agents: state.agents.values().map(|a| (a.n, a.id)).collect(),
            tasks: state.tasks.values().map(|t| (t.n, t.id)).collect(),
            titles: state
                .tasks
                .values()
                .map(|t| (t.n, t.title.clone()))
                .collect(),
            lines: state
                .activity
                .iter()
                .map(|l| (l.id, l.text.clone()))
                .collect(),
            at: None,
        }
    }

    fn task_number(&self, id: TaskId) -> Option<u32> {
        self.tasks.iter().find(|(_, t)| **t == id).map(|(n, _)| *n)
    }

    /// The diff's ops, decoded whole, applied to the table as the state applies them.
    fn follow(&mut self, bound: Table, ops: &[Op]) {
        self.agents.extend(bound.agents);
        self.tasks.extend(bound.tasks);
        for op in ops {
            match op {
                Op::AgentRemoved { id } => self.agents.retain(|_, a| a != id),
                Op::TaskRemoved { id } => {
                    if let Some(n) = self.task_number(*id) {
                        self.tasks.remove(&n);
                        self.titles.remove(&n);
                    }
                }
                Op::Task(p) => {
                    if let (Some(title), Some(n)) =
                        (&p.title, p.n.or_else(|| self.task_number(p.id)))
                    {
                        self.titles.insert(n, title.clone());
                    }
                }
                // As `OfficeState::push_activity`.
                Op::Activity(line) => {
                    if self.lines.back().is_some_and(|(last, _)| *last >= line.id) {
                        continue;
                    }
                    if self.lines.len() == ACTIVITY_CAP {
                        self.lines.pop_front();
                    }
                    self.lines.push_back((line.id, line.text.clone()));
                }
                Op::ActivityReset { lines } => {
                    self.lines = lines.iter().map(|l| (l.id, l.text.clone())).collect();
                }
                _ => {}
            }
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
            if let ServerMessage::Snapshot {
                topic,
                state,
                epoch,
                seq,
            } = &message
            {
                let mut table = Table::of(state);
                table.at = Some((*epoch, *seq));
                self.topics.insert(*topic, table);
            }
            return Ok(message);
        }
        let (topic, epoch, seq, server_time, body) = read_envelope(bytes)?;
        // First pass: the numbers this diff binds (new entities, named by id), so that an
        // op may name an entity whose upsert comes later in the same diff.
        let mut learn = Resolve::Learning(Table::default());
        read_ops(body, server_time, &mut learn)?;
        let Resolve::Learning(bound) = learn else {
            unreachable!("the first pass only learns")
        };
        // Second pass against the topic's table as it stands; it changes only once the
        // whole diff has decoded, so a frame that fails leaves it matching the state.
        let empty = Table::default();
        let held = self.topics.get(&topic).unwrap_or(&empty);
        let ops = read_ops(
            body,
            server_time,
            &mut Resolve::Known {
                table: held,
                bound: &bound,
                texts: Texts::default(),
            },
        )?;
        // Only the diff that follows the state moves the table on: one out of order is not
        // applied either (the client resubscribes), and a replayed one is applied already.
        let table = self.topics.entry(topic).or_default();
        if table.at.is_none_or(|at| at == (epoch, seq.wrapping_sub(1))) {
            table.follow(bound, &ops.ops);
            table.at = Some((epoch, seq));
        }
        Ok(ServerMessage::Diff {
            topic,
            epoch,
            seq,
            server_time,
            ops,
        })
    }

    /// Takes the numbers and texts of a state the client already holds: what a client does
    /// when it resumes a topic on a new connection (with a new decoder) from the state it
    /// kept. The next diff decoded is taken to follow it.
    pub fn resume(&mut self, topic: Topic, state: &OfficeState) {
        self.topics.insert(topic, Table::of(state));
    }

    /// Forgets a topic's numbers (after `unsubscribe`).
    pub fn forget(&mut self, topic: &Topic) {
        self.topics.remove(topic);
    }
}

enum Resolve<'a> {
    /// Records `n → id` of every entity named by id with its number; numbers resolve to a
    /// placeholder.
    Learning(Table),
    /// Numbers resolve through the topic's table, then through those the diff binds;
    /// texts through what the earlier ops of the diff set, then through the table.
    Known {
        table: &'a Table,
        bound: &'a Table,
        texts: Texts,
    },
}

/// The titles and lines the ops decoded so far in this diff set.
#[derive(Default)]
struct Texts {
    titles: HashMap<u32, String>,
    lines: Vec<(u64, String)>,
    /// An `activity_reset` replaced the table's lines.
    reset: bool,
}

impl Resolve<'_> {
    fn agent(&self, r: Ref) -> Result<AgentId, DecodeError> {
        match (r, self) {
            (Ref::Id(bytes), _) => Ok(AgentId::from_bytes(bytes)),
            (Ref::N(_), Resolve::Learning(_)) => Ok(AgentId::from_bytes([0; 16])),
            (Ref::N(n), Resolve::Known { table, bound, .. }) => table
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
            (Ref::N(n), Resolve::Known { table, bound, .. }) => table
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

    /// The title of task `n` as the client holds it at this op.
    fn title(&self, n: u32) -> Result<&str, DecodeError> {
        let Resolve::Known { table, texts, .. } = self else {
            return Ok("");
        };
        texts
            .titles
            .get(&n)
            .or_else(|| table.titles.get(&n))
            .map(String::as_str)
            .ok_or(DecodeError::UnknownNumber { entity: "task", n })
    }

    /// The text of activity line `id` as the client holds it at this op.
    fn line(&self, id: u64) -> Result<&str, DecodeError> {
        let Resolve::Known { table, texts, .. } = self else {
            return Ok("");
        };
        let held = (!texts.reset)
            .then(|| table.lines.iter().find(|(l, _)| *l == id))
            .flatten();
        texts
            .lines
            .iter()
            .rev()
            .find(|(l, _)| *l == id)
            .or(held)
            .map(|(_, text)| text.as_str())
            .ok_or(DecodeError::UnknownLine(id))
    }

    /// An op of this diff set task `subject`'s title.
    fn saw_title(&mut self, subject: Ref, n: Option<u32>, title: &str) {
        let Resolve::Known {
            table,
            bound,
            texts,
        } = self
        else {
            return;
        };
        let n = match (subject, n) {
            (_, Some(n)) | (Ref::N(n), None) => Some(n),
            (Ref::Id(id), None) => {
                let id = TaskId::from_bytes(id);
                table.task_number(id).or_else(|| bound.task_number(id))
            }
        };
        if let Some(n) = n {
            texts.titles.insert(n, title.to_owned());
        }
    }

    /// The newest line the client holds at this op.
    fn newest_line(&self) -> Result<u64, DecodeError> {
        let Resolve::Known { table, texts, .. } = self else {
            return Ok(0);
        };
        let held = (!texts.reset)
            .then(|| table.lines.iter().map(|(id, _)| *id).max())
            .flatten();
        let seen = texts.lines.iter().map(|(id, _)| *id).max();
        held.max(seen).ok_or(DecodeError::UnknownLine(0))
    }

    fn saw_line(&mut self, id: u64, text: &str) {
        if let Resolve::Known { texts, .. } = self {
            texts.lines.push((id, text.to_owned()));
        }
    }

    fn saw_reset(&mut self, lines: &[ActivityLine]) {
        if let Resolve::Known { texts, .. } = self {
            texts.reset = true;
            texts.lines = lines.iter().map(|l| (l.id, l.text.clone())).collect();
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
    /// A text: a string, or pieces of what the client holds (see the module's grammar);
    /// `line` is the id of the activity line it is the text of.
    /// `own` is the op's task, whose title `true` stands for.
    fn text(
        &mut self,
        resolve: &Resolve<'_>,
        line: Option<u64>,
        own: Option<Ref>,
    ) -> Result<String, DecodeError> {
        if !(0x90..=0x9f).contains(&self.peek()?) && !matches!(self.peek()?, 0xdc | 0xdd) {
            return self.str();
        }
        let count = self.array()?;
        if count > self.rest.len() {
            return Err(bad("more pieces announced than the frame holds"));
        }
        let mut text = String::new();
        for _ in 0..count {
            match self.peek()? {
                0xa0..=0xbf | 0xd9..=0xdb => text.push_str(&self.str()?),
                0xc3 => {
                    self.rest = &self.rest[1..];
                    let Some(Ref::N(n)) = own else {
                        return Err(bad("`true` names the title of an op's numbered task"));
                    };
                    text.push_str(resolve.title(n)?);
                }
                0x90..=0x9f | 0xdc | 0xdd => {
                    let (back, start, len) = match self.array()? {
                        2 => (self.uint()?, 0, self.uint()?),
                        3 => (self.uint()?, self.uint()?, self.uint()?),
                        _ => return Err(bad("a line piece is [back, len] or [back, start, len]")),
                    };
                    let line = line.ok_or_else(|| bad("a line piece outside an activity line"))?;
                    // The first pass knows neither this line's id nor the older lines.
                    if matches!(resolve, Resolve::Learning(_)) {
                        continue;
                    }
                    let id = line
                        .checked_sub(back)
                        .filter(|_| back > 0)
                        .ok_or_else(|| bad("a line piece names no older line"))?;
                    let source = resolve.line(id)?;
                    let part = usize::try_from(start)
                        .ok()
                        .zip(usize::try_from(len).ok())
                        .and_then(|(start, len)| source.get(start..start.checked_add(len)?))
                        .ok_or_else(|| bad("a line piece outside its line"))?;
                    text.push_str(part);
                }
                _ => text.push_str(resolve.title(self.u32()?)?),
            }
            if text.len() > MAX_TEXT {
                return Err(bad("a text longer than MAX_TEXT"));
            }
        }
        Ok(text)
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

fn read_ops(body: &[u8], server_time: u64, resolve: &mut Resolve<'_>) -> Result<Diff, DecodeError> {
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

fn read_op(
    r: &mut Reader<'_>,
    server_ms: i64,
    resolve: &mut Resolve<'_>,
) -> Result<Op, DecodeError> {
    if !(0x90..=0x9f).contains(&r.peek()?) && !matches!(r.peek()?, 0xdc | 0xdd) {
        // Any other op: named MessagePack, as in agenthq.v1.msgpack.
        let mut de = rmp_serde::Deserializer::new(&mut r.rest);
        let op: Op = serde::Deserialize::deserialize(&mut de).map_err(bad)?;
        if let Op::ActivityReset { lines } = &op {
            resolve.saw_reset(lines);
        }
        return Ok(op);
    }
    let len = r.array()?;
    let code = r.uint()?;
    let fields = len
        .checked_sub(2)
        .ok_or_else(|| bad("an op needs a code and a subject"))?;
    let unknown = || bad(format!("op code {code} with {len} elements"));
    let op = match u8::try_from(code).map_err(|_| unknown())? {
        AGENT => Op::Agent(read_agent(r, fields, resolve)?),
        TASK => Op::Task(read_task(r, fields, resolve)?),
        AGENT_REMOVED if fields == 0 => Op::AgentRemoved {
            id: resolve.agent(r.reference()?)?,
        },
        TASK_REMOVED if fields == 0 => Op::TaskRemoved {
            id: resolve.task(r.reference()?)?,
        },
        ACTIVITY if fields == 5 => {
            let id = match r.sint()? {
                step @ ..0 => resolve
                    .newest_line()?
                    .checked_add(step.unsigned_abs())
                    .ok_or_else(|| bad("line id out of range"))?,
                id => id as u64,
            };
            let agent = resolve.agent(r.reference()?)?;
            let task_ref = r.opt_reference()?;
            let task = task_ref.map(|t| resolve.task(t)).transpose()?;
            let kind = r.code(&ACTIVITY_KINDS, "activity kind")?;
            let text = r.text(resolve, Some(id), task_ref)?;
            let at = server_ms.wrapping_sub(r.sint()?);
            resolve.saw_line(id, &text);
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
        MESSAGE if fields == 6 => {
            let id = MessageId::from_bytes(r.id()?);
            let from = r.opt_reference()?.map(|a| resolve.agent(a)).transpose()?;
            let to = r.opt_reference()?.map(|a| resolve.agent(a)).transpose()?;
            let task_ref = r.opt_reference()?;
            let task = task_ref.map(|t| resolve.task(t)).transpose()?;
            let author = r.str()?;
            let text = r.text(resolve, None, task_ref)?;
            let at = server_ms.wrapping_sub(r.sint()?);
            Op::Message(MessageView {
                id,
                from,
                to,
                author,
                text,
                task,
                at,
            })
        }
        _ => return Err(unknown()),
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
    resolve: &mut Resolve<'_>,
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
    resolve: &mut Resolve<'_>,
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
    let title = has(5).then(|| r.text(resolve, None, None)).transpose()?;
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
    if let Some(title) = &title {
        resolve.saw_title(subject, n, title);
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
