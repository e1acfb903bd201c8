//! The server's side: a diff as the compact array.

use std::collections::HashMap;

use rmp::encode as enc;

use super::*;
use crate::diff::{AgentPatch, TaskPatch};
use crate::{CodecError, Op, ServerMessage, Topic};

/// Encodes `message` for the compact subprotocol: a `diff` as the positional array, with
/// `numbers` for the entities and texts the client holds; any other message as named
/// MessagePack.
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
    let mut w = Writer {
        out,
        numbers,
        texts: Texts::new(numbers, &ops.ops),
    };
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
        w.op(op, server_ms)?;
    }
    Ok(())
}

/// The shortest part of a line worth naming: a reference costs about 4 bytes.
const MIN_LINE_PIECE: usize = 6;
/// The shortest title worth naming by its task's number.
const MIN_TITLE_PIECE: usize = 3;
/// Texts longer than this are written out: the search for pieces stays cheap per tick.
const MAX_SPLIT: usize = 1024;
/// Places remembered per 4 bytes of the lines: enough for an office's repeated phrases.
const PLACES_PER_GRAM: usize = 8;

/// The texts the client holds at the op being written, and an index of the lines' 4-byte
/// sequences to find pieces in.
struct Texts<'a> {
    /// (line id, its text, offset) by the 4 bytes at the offset.
    grams: HashMap<[u8; 4], Vec<(u64, &'a str, usize)>>,
    /// Tasks whose title a later op of this diff sets: their title is not to be named yet.
    pending_titles: Vec<TaskId>,
    /// The newest line the client holds at this op, if the encoder knows it.
    newest_line: Option<u64>,
}

impl<'a> Texts<'a> {
    fn new(numbers: &'a dyn Numbers, ops: &'a [Op]) -> Self {
        let mut texts = Texts {
            grams: HashMap::new(),
            newest_line: None,
            pending_titles: ops
                .iter()
                .filter_map(|op| match op {
                    Op::Task(p) if p.title.is_some() => Some(p.id),
                    _ => None,
                })
                .collect(),
        };
        // Only activity lines name lines, and a diff that replaces the lines (never one
        // of the server's ticks) names only those it brings: otherwise the held lines are
        // not looked at.
        let first_new = ops.iter().find_map(|op| match op {
            Op::Activity(line) => Some(line.id),
            _ => None,
        });
        let reset = ops.iter().any(|op| matches!(op, Op::ActivityReset { .. }));
        if let (Some(first_new), false) = (first_new, reset) {
            for (id, text) in numbers.lines() {
                texts.learn_line(id, text);
                // The lines the client held before the diff are those older than its own.
                if id < first_new {
                    texts.newest_line = texts.newest_line.max(Some(id));
                }
            }
        }
        texts
    }

    fn learn_line(&mut self, id: u64, text: &'a str) {
        let bytes = &text.as_bytes()[..text.len().min(MAX_SPLIT)];
        for (at, gram) in bytes.windows(4).enumerate() {
            if !text.is_char_boundary(at) {
                continue;
            }
            let places = self
                .grams
                .entry([gram[0], gram[1], gram[2], gram[3]])
                .or_default();
            if places.len() < PLACES_PER_GRAM {
                places.push((id, text, at));
            }
        }
    }

    /// `text` as pieces: words, the title (`title`, where it occurs), parts of lines older
    /// than `line` (the id of the line being written, if it is one). Between titles,
    /// greedy: at each place the longest part of a line found, else a byte more of words.
    fn split<'t>(&self, text: &'t str, title: Option<&str>, line: Option<u64>) -> Vec<Piece<'t>> {
        let bytes = text.as_bytes();
        let title = title.filter(|t| t.len() >= MIN_TITLE_PIECE);
        let title_from = |at: usize| title.and_then(|t| text[at..].find(t).map(|p| at + p));
        let mut pieces = Vec::new();
        let (mut at, mut words) = (0, 0);
        let mut next_title = title_from(0);
        while at < bytes.len() {
            if let (Some(start), Some(title)) = (next_title, title)
                && start == at
            {
                if words < at {
                    pieces.push(Piece::Words(&text[words..at]));
                }
                pieces.push(Piece::Title);
                at += title.len();
                words = at;
                next_title = title_from(at);
                continue;
            }
            // A part of a line stops where the title begins.
            let end = next_title.unwrap_or(bytes.len());
            let mut best: Option<Piece<'t>> = None;
            let mut best_len = MIN_LINE_PIECE - 1;
            if let (Some(base), Some(gram)) = (line, bytes[..end].get(at..at + 4)) {
                let places = self.grams.get(gram).map_or(&[][..], Vec::as_slice);
                for &(id, source, start) in places {
                    if id >= base {
                        continue;
                    }
                    let mut len = bytes[at..end]
                        .iter()
                        .zip(&source.as_bytes()[start..])
                        .take_while(|(a, b)| a == b)
                        .count();
                    while !text.is_char_boundary(at + len) {
                        len -= 1;
                    }
                    if len > best_len {
                        best_len = len;
                        let back = base - id;
                        best = Some(Piece::Line { back, start, len });
                    }
                }
            }
            match best {
                Some(piece) => {
                    if words < at {
                        pieces.push(Piece::Words(&text[words..at]));
                    }
                    pieces.push(piece);
                    at += best_len;
                    words = at;
                }
                None => {
                    at += 1;
                    while !text.is_char_boundary(at) {
                        at += 1;
                    }
                }
            }
        }
        if words < bytes.len() {
            pieces.push(Piece::Words(&text[words..]));
        }
        pieces
    }
}

enum Piece<'t> {
    Words(&'t str),
    /// The title of the op's own task.
    Title,
    Line {
        back: u64,
        start: usize,
        len: usize,
    },
}

/// Writes into a `Vec`, which cannot fail: the results rmp returns are dropped here once.
struct Writer<'o, 'a> {
    out: &'o mut Vec<u8>,
    numbers: &'a dyn Numbers,
    texts: Texts<'a>,
}

impl<'a> Writer<'_, 'a> {
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
    fn agent(&mut self, id: AgentId) {
        match self.numbers.agent(id) {
            Some(n) => self.uint(n.into()),
            None => self.bin(id.as_bytes()),
        }
    }
    fn task(&mut self, id: TaskId) {
        match self.numbers.task(id) {
            Some(n) => self.uint(n.into()),
            None => self.bin(id.as_bytes()),
        }
    }
    fn opt_agent(&mut self, id: Option<AgentId>) {
        match id {
            Some(id) => self.agent(id),
            None => self.nil(),
        }
    }
    fn opt_task(&mut self, id: Option<TaskId>) {
        match id {
            Some(id) => self.task(id),
            None => self.nil(),
        }
    }

    /// A task the client holds, with its title, if the title may be named here: not one
    /// that a later op of this diff sets.
    fn title_of(&self, id: TaskId) -> Option<(u32, &'a str)> {
        if self.texts.pending_titles.contains(&id) {
            return None;
        }
        Some((self.numbers.task(id)?, self.numbers.title(id)?))
    }

    /// A text, as pieces where they are shorter than the words: the title of `task` (the
    /// op's own, which the op names by number before the text), and, in activity line
    /// `line`, parts of older lines.
    fn text(&mut self, text: &str, task: Option<TaskId>, line: Option<u64>) {
        let title = task.and_then(|t| self.title_of(t)).map(|(_, title)| title);
        if text.len() > MAX_SPLIT || (title.is_none() && line.is_none()) {
            return self.str(text);
        }
        let pieces = self.texts.split(text, title, line);
        if let [] | [Piece::Words(_)] = pieces.as_slice() {
            return self.str(text);
        }
        let start = self.out.len();
        self.array(pieces.len());
        for piece in &pieces {
            match *piece {
                Piece::Words(words) => self.str(words),
                // The op's own task: its number is in the op already.
                Piece::Title => {
                    let _ = enc::write_bool(self.out, true);
                }
                Piece::Line { back, start, len } => {
                    self.array(if start == 0 { 2 } else { 3 });
                    self.uint(back);
                    if start > 0 {
                        self.uint(start as u64);
                    }
                    self.uint(len as u64);
                }
            }
        }
        // Pieces that came out no shorter than the words are replaced by the words.
        let plain = text.len()
            + match text.len() {
                0..32 => 1,
                32..256 => 2,
                _ => 3,
            };
        if self.out.len() - start >= plain {
            self.out.truncate(start);
            self.str(text);
        }
    }

    fn op(&mut self, op: &'a Op, server_ms: i64) -> Result<(), CodecError> {
        match op {
            Op::Agent(p) => self.agent_patch(p),
            Op::Task(p) => self.task_patch(p),
            Op::AgentRemoved { id } => {
                self.array(2);
                self.uint(AGENT_REMOVED.into());
                self.agent(*id);
            }
            Op::TaskRemoved { id } => {
                self.array(2);
                self.uint(TASK_REMOVED.into());
                self.task(*id);
            }
            Op::Activity(line) => {
                self.array(7);
                self.uint(ACTIVITY.into());
                // Counted on from the newest line the client holds when that is close by
                // (a negative fixint, one byte), else the id itself.
                match self
                    .texts
                    .newest_line
                    .map(|newest| line.id.wrapping_sub(newest))
                {
                    Some(step @ 1..=32) => self.sint(-(step as i64)),
                    _ => self.uint(line.id),
                }
                self.agent(line.agent);
                self.opt_task(line.task);
                self.uint(activity_code(line.kind).into());
                self.text(&line.text, line.task, Some(line.id));
                self.sint(server_ms.wrapping_sub(line.at));
                self.texts.learn_line(line.id, &line.text);
                self.texts.newest_line = self.texts.newest_line.max(Some(line.id));
            }
            Op::TaskEvent(e) => {
                self.array(6);
                self.uint(TASK_EVENT.into());
                self.task(e.id);
                self.uint(task_code(e.status).into());
                self.uint(e.attempts.into());
                self.opt_agent(e.agent);
                match &e.error {
                    Some(text) => self.str(text),
                    None => self.nil(),
                }
            }
            Op::Message(m) => {
                self.array(8);
                self.uint(MESSAGE.into());
                self.bin(m.id.as_bytes());
                self.opt_agent(m.from);
                self.opt_agent(m.to);
                self.opt_task(m.task);
                self.str(&m.author);
                self.text(&m.text, m.task, None);
                self.sint(server_ms.wrapping_sub(m.at));
            }
            Op::ActivityReset { lines } => {
                rmp_serde::encode::write_named(self.out, op)?;
                // The client's lines are these now, and only these.
                self.texts.grams.clear();
                self.texts.newest_line = lines.iter().map(|l| l.id).max();
                for line in lines {
                    self.texts.learn_line(line.id, &line.text);
                }
            }
            other => rmp_serde::encode::write_named(self.out, other)?,
        }
        Ok(())
    }

    /// An upsert names its entity by number only when the client already has it: a patch
    /// that carries `n` (a new entity) names it by id, which binds the number. Fields
    /// follow in the order of [`AGENT_FIELDS`], each present one a bit of the mask.
    fn agent_patch(&mut self, p: &AgentPatch) {
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
            self.agent(p.id);
        }
        self.uint(mask(&fields));
        if let Some(v) = p.status {
            self.uint(agent_code(v).into());
        }
        for v in [p.running, p.queued].into_iter().flatten() {
            self.uint(v.into());
        }
        if let Some(v) = p.current_task {
            self.opt_task(v);
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

    /// As [`Self::agent_patch`], in the order of [`TASK_FIELDS`]. A title may be another
    /// task's, named by its number.
    fn task_patch(&mut self, p: &TaskPatch) {
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
            self.task(p.id);
        }
        self.uint(mask(&fields));
        if let Some(v) = p.status {
            self.uint(task_code(v).into());
        }
        if let Some(v) = p.progress {
            self.uint(v.into());
        }
        if let Some(v) = p.assigned {
            self.opt_agent(v);
        }
        for v in [p.attempts, p.n].into_iter().flatten() {
            self.uint(v.into());
        }
        if let Some(title) = &p.title {
            let same = self
                .numbers
                .titled(title)
                .filter(|other| *other != p.id)
                .and_then(|other| self.title_of(other))
                .filter(|(_, other)| other == title);
            match same {
                Some((n, _)) => {
                    self.array(1);
                    self.uint(n.into());
                }
                None => self.str(title),
            }
            self.texts.pending_titles.retain(|t| *t != p.id);
        }
        if let Some(v) = p.target {
            self.opt_agent(v);
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
