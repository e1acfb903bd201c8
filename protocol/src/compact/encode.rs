//! The server's side: a diff as the compact array.

use rmp::encode as enc;

use super::*;
use crate::diff::{AgentPatch, TaskPatch};
use crate::{CodecError, Op, ServerMessage, Topic};

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

fn mask(fields: &[bool]) -> u64 {
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| **f)
        .fold(0, |m, (bit, _)| m | 1 << bit)
}
