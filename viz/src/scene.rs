//! The office as a viewer shows it, headless: every agent's place, walk, pose, bubble and
//! progress, kept in step with the followed topic's state. The Bevy app copies a [`Scene`]
//! into sprites; tests and the frame benchmark drive it with no window.
//!
//! Per frame the app calls, in order: [`Scene::sync`] after each applied server message
//! (with the agents the message touched, or all of them after a snapshot), then
//! [`Scene::advance`]. Both touch only what changed or moves, and neither allocates per
//! agent once the office is loaded.

use std::collections::{HashMap, VecDeque};

use agenthq_protocol::diff::Op;
use agenthq_protocol::{AgentId, AgentStatus, OfficeState};

use crate::art::people::{FACINGS, FRAMES, Frame};
use crate::iso::Tile;
use crate::layout::{Facing, OfficeLayout};
use crate::motion::Walker;
use crate::walk::{self, Fields, Place, Search};

/// Most shortest-path searches (A*, for walks back to a desk) per frame; the rest wait
/// their turn, first come first served, so a burst of status changes in a huge office
/// costs a few frames' delay before some agents set off, never a slow frame. Walks to the
/// rooms need no search (see [`Fields`]).
pub const SEARCHES_PER_FRAME: usize = 256;

/// How long a speech bubble stays up after its activity line arrives, in seconds.
pub const SPEECH_SECONDS: f32 = 6.0;

/// How long a message's envelope takes from sender to receiver, in seconds.
pub const FLIGHT_SECONDS: f32 = 1.6;

/// Most envelopes in the air at once; a new one past it lands the oldest at once, so a
/// burst of messages costs a bounded number of sprites.
pub const MAX_FLIGHTS: usize = 16;

/// Highest point of an envelope's arc above the straight line, in screen pixels.
pub const FLIGHT_ARC: f32 = 48.0;

/// A message's envelope on its way, between two points of the floor (fractional tiles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flight {
    pub from: (f32, f32),
    pub to: (f32, f32),
    /// Scene time it left.
    pub start: f32,
}

impl Flight {
    /// Where it is at `clock`: the point on the floor below it, and its height above
    /// the floor in screen pixels (an arc, highest half-way).
    pub fn at(&self, clock: f32) -> (f32, f32, f32) {
        let t = ((clock - self.start) / FLIGHT_SECONDS).clamp(0.0, 1.0);
        let lerp = |a: f32, b: f32| a + (b - a) * t;
        (
            lerp(self.from.0, self.to.0),
            lerp(self.from.1, self.to.1),
            (t * std::f32::consts::PI).sin() * FLIGHT_ARC,
        )
    }
}

/// Which agents a message touched.
#[derive(Debug, Clone, Copy)]
pub enum Touched<'a> {
    /// A snapshot: anything may have changed, agents may be gone.
    All,
    /// A diff: only these.
    Agents(&'a [AgentId]),
}

/// The icon over an agent's head: its status at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bubble {
    Idle,
    Thinking,
    Working,
    AwaitingApproval,
    Blocked,
    Faulted,
}

impl Bubble {
    pub const ALL: [Bubble; 6] = [
        Bubble::Idle,
        Bubble::Thinking,
        Bubble::Working,
        Bubble::AwaitingApproval,
        Bubble::Blocked,
        Bubble::Faulted,
    ];

    pub fn of(status: AgentStatus) -> Self {
        match status {
            AgentStatus::Idle => Bubble::Idle,
            AgentStatus::Thinking => Bubble::Thinking,
            AgentStatus::Working => Bubble::Working,
            AgentStatus::AwaitingApproval => Bubble::AwaitingApproval,
            AgentStatus::Blocked => Bubble::Blocked,
            AgentStatus::Faulted => Bubble::Faulted,
        }
    }

    /// Column of the icon in the bubble sheet.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One agent in the office.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: AgentId,
    pub name: String,
    /// Which of the five people draws this agent.
    pub look: usize,
    pub status: AgentStatus,
    pub desk: u32,
    pub walker: Walker,
    /// Where the agent should be; the walker heads there once a route is found.
    pub goal: Tile,
    /// Progress of the running task, 0.0..=1.0; `None` when it runs none.
    pub progress: Option<f32>,
    /// The latest activity line seen for this agent, and the scene time it arrived.
    pub speech: Option<(String, f32)>,
    last_line: u64,
    /// Whether it is in the search queue (at most once).
    queued: bool,
    /// Tiles walked so far (the walk cycle follows it, so feet match the floor).
    stride: f32,
    /// Bumped whenever what a label, bubble or bar shows changes, for the renderer.
    pub revision: u64,
}

impl Actor {
    /// The pose to draw now: a sheet cell (row by facing, column by frame).
    pub fn pose(&self, plan: &OfficeLayout, clock: f32) -> Pose {
        let seated = plan
            .desk(self.desk)
            .filter(|d| !self.walker.moving() && self.walker.tile() == d.seat);
        let (frame, facing) = match seated {
            _ if self.walker.moving() => (
                Frame::Walk((self.stride * 2.0) as u8 % 4),
                self.walker.facing,
            ),
            Some(desk) => {
                let frame = match self.status {
                    AgentStatus::Working => Frame::Type((clock * 6.0) as u8 % 2),
                    AgentStatus::Thinking => Frame::Think((clock * 1.5) as u8 % 2),
                    _ => Frame::Sit,
                };
                (frame, desk.facing)
            }
            None => {
                let here = self.walker.tile();
                let in_meeting = plan.meeting.spots.contains(&here);
                let frame = match self.status {
                    AgentStatus::AwaitingApproval | AgentStatus::Blocked => {
                        Frame::Think((clock * 1.5) as u8 % 2)
                    }
                    _ if in_meeting => Frame::Sit,
                    _ => Frame::Stand,
                };
                let at_a_spot = in_meeting || plan.coffee.spots.contains(&here);
                let facing = if at_a_spot {
                    plan.facing_at(here)
                } else {
                    self.walker.facing
                };
                (frame, facing)
            }
        };
        Pose { frame, facing }
    }

    /// The speech bubble's text, while it is fresh.
    pub fn saying(&self, clock: f32) -> Option<&str> {
        self.speech
            .as_ref()
            .filter(|(_, at)| clock - at < SPEECH_SECONDS)
            .map(|(text, _)| text.as_str())
    }
}

/// One agent's sprite: screen position of its feet (pixels at 100 %, y down), draw
/// order, which person and which cell of their sheet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgentSprite {
    pub x: f32,
    pub y: f32,
    pub depth: f32,
    pub look: u8,
    pub cell: u16,
}

/// A pose: which cell of the person's sheet to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pose {
    pub frame: Frame,
    pub facing: Facing,
}

impl Pose {
    /// Index of the cell in a sheet laid out as [`crate::art::people::sheet`] does.
    pub fn cell(self) -> usize {
        let row = FACINGS.iter().position(|f| *f == self.facing).unwrap_or(0);
        let col = FRAMES.iter().position(|f| *f == self.frame).unwrap_or(0);
        row * FRAMES.len() + col
    }
}

/// The office: floor plan and agents.
#[derive(Debug)]
pub struct Scene {
    plan: OfficeLayout,
    fields: Fields,
    actors: Vec<Actor>,
    by_id: HashMap<AgentId, usize>,
    /// Agents waiting for a route search, oldest first; each at most once, so it never
    /// holds more than the agents.
    waiting: VecDeque<AgentId>,
    /// Seconds since the scene began (drives animation and speech bubbles).
    clock: f32,
    /// Bumped when the floor plan is replaced (the renderer redraws the floor).
    pub plan_revision: u64,
    search: Search,
    scratch: Vec<Tile>,
    /// Envelopes in the air, oldest first, at most [`MAX_FLIGHTS`].
    flights: VecDeque<Flight>,
}

impl Default for Scene {
    fn default() -> Self {
        let plan = OfficeLayout::for_desks(0);
        Self {
            fields: Fields::new(&plan),
            plan,
            actors: Vec::new(),
            by_id: HashMap::new(),
            waiting: VecDeque::new(),
            clock: 0.0,
            plan_revision: 0,
            search: Search::default(),
            scratch: Vec::new(),
            flights: VecDeque::new(),
        }
    }
}

impl Scene {
    pub fn plan(&self) -> &OfficeLayout {
        &self.plan
    }

    pub fn actors(&self) -> &[Actor] {
        &self.actors
    }

    pub fn actor(&self, id: AgentId) -> Option<&Actor> {
        self.by_id.get(&id).map(|&i| &self.actors[i])
    }

    pub fn clock(&self) -> f32 {
        self.clock
    }

    /// Envelopes in the air.
    pub fn flights(&self) -> impl ExactSizeIterator<Item = &Flight> {
        self.flights.iter()
    }

    /// Sends an envelope for a message: from its writer to its reader, where `None` is
    /// the workspace's people, who stand at the front corner of the floor (nearest the
    /// viewer). A message from or to an agent not in the office flies nowhere.
    pub fn send(&mut self, from: Option<AgentId>, to: Option<AgentId>) {
        let people = (self.plan.width as f32 - 1.5, self.plan.height as f32 - 1.5);
        let spot = |who: Option<AgentId>| match who {
            None => Some(people),
            Some(id) => self.actor(id).map(|a| (a.walker.x, a.walker.y)),
        };
        let (Some(from), Some(to)) = (spot(from), spot(to)) else {
            return;
        };
        if self.flights.len() == MAX_FLIGHTS {
            self.flights.pop_front();
        }
        self.flights.push_back(Flight {
            from,
            to,
            start: self.clock,
        });
    }

    /// Agents waiting for a route search.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Brings the agents `touched` names in line with `state`.
    pub fn sync(&mut self, state: &OfficeState, touched: Touched<'_>) {
        let needed = state.agents.values().map(|a| a.desk + 1).max().unwrap_or(0);
        if needed as usize > self.plan.desks.len() {
            self.replan(needed);
        }
        match touched {
            Touched::All => {
                self.actors.retain(|a| state.agents.contains_key(&a.id));
                self.reindex();
                for id in state.agents.keys() {
                    self.sync_agent(state, *id);
                }
            }
            Touched::Agents(ids) => {
                for id in ids {
                    self.sync_agent(state, *id);
                }
            }
        }
    }

    /// One frame: `seconds` of walking, and this frame's share of route searches.
    pub fn advance(&mut self, seconds: f32) {
        self.clock += seconds;
        while self
            .flights
            .front()
            .is_some_and(|f| self.clock - f.start >= FLIGHT_SECONDS)
        {
            self.flights.pop_front();
        }
        for _ in 0..SEARCHES_PER_FRAME {
            let Some(id) = self.waiting.pop_front() else {
                break;
            };
            let Some(&i) = self.by_id.get(&id) else {
                continue; // Removed while it waited.
            };
            let actor = &mut self.actors[i];
            actor.queued = false;
            if actor.walker.destination() != actor.goal {
                let (from, to) = (actor.walker.tile(), actor.goal);
                self.search.path(&self.plan, from, to, &mut self.scratch);
                // No way (`scratch` empty) leaves the agent where it is.
                actor.walker.follow(to, self.scratch.iter().copied());
            }
        }
        for actor in &mut self.actors {
            if actor.walker.moving() {
                actor.stride += actor.walker.advance(seconds);
            }
        }
    }

    /// Where to draw every agent now, in `out` (cleared first; its buffer is reused): the
    /// per-frame work of the renderer, which copies these into its sprites.
    pub fn sprites(&self, out: &mut Vec<AgentSprite>) {
        out.clear();
        out.extend(self.actors.iter().map(|a| {
            let at = crate::iso::to_screen(a.walker.x, a.walker.y);
            AgentSprite {
                x: at.x,
                y: at.y,
                depth: crate::iso::depth(a.walker.x, a.walker.y),
                look: a.look as u8,
                cell: a.pose(&self.plan, self.clock).cell() as u16,
            }
        }));
    }

    fn sync_agent(&mut self, state: &OfficeState, id: AgentId) {
        let Some(view) = state.agents.get(&id) else {
            self.remove(id);
            return;
        };
        let progress = view
            .current_task
            .and_then(|t| state.tasks.get(&t))
            .map(|t| f32::from(t.progress.min(1000)) / 1000.0);
        let line = state.activity.iter().rev().find(|l| l.agent == id);
        let goal = walk::destination(&self.plan, id, view.desk, view.status);
        let i = match self.by_id.get(&id) {
            Some(&i) => i,
            None => {
                // First sight: straight to its place, no walk.
                let facing = match walk::place_for(view.status) {
                    Place::Desk => self
                        .plan
                        .desk(view.desk)
                        .map_or(Facing::PlusY, |d| d.facing),
                    _ => Facing::PlusY,
                };
                self.actors.push(Actor {
                    id,
                    name: view.name.clone(),
                    look: look_for(&view.name, id),
                    status: view.status,
                    desk: view.desk,
                    walker: Walker::at(goal, facing),
                    goal,
                    progress,
                    speech: None,
                    // Lines from before the viewer arrived are history, not speech.
                    last_line: line.map_or(0, |l| l.id),
                    queued: false,
                    stride: 0.0,
                    revision: 0,
                });
                self.by_id.insert(id, self.actors.len() - 1);
                return;
            }
        };
        let clock = self.clock;
        let actor = &mut self.actors[i];
        let mut changed = false;
        if actor.name != view.name {
            actor.name.clone_from(&view.name);
            actor.look = look_for(&view.name, id);
            changed = true;
        }
        if actor.status != view.status || actor.desk != view.desk || actor.progress != progress {
            (actor.status, actor.desk, actor.progress) = (view.status, view.desk, progress);
            changed = true;
        }
        if let Some(line) = line.filter(|l| l.id > actor.last_line) {
            actor.last_line = line.id;
            actor.speech = Some((line.text.clone(), clock));
            changed = true;
        }
        if changed {
            actor.revision += 1;
        }
        if actor.goal != goal {
            actor.goal = goal;
            let here = actor.walker.tile();
            self.scratch.clear();
            if self.fields.walk(here, goal, &mut self.scratch) {
                // To a room: down its map.
                actor.walker.follow(goal, self.scratch.iter().copied());
            } else if !actor.walker.moving() && {
                // From a room spot back to the desk: the spot's map walked from the desk,
                // backwards.
                self.scratch.push(goal);
                self.fields.walk(goal, here, &mut self.scratch)
            } {
                actor
                    .walker
                    .follow(goal, self.scratch.iter().rev().copied());
            } else if !actor.queued {
                actor.queued = true;
                self.waiting.push_back(id);
            }
        }
    }

    fn remove(&mut self, id: AgentId) {
        if let Some(i) = self.by_id.remove(&id) {
            self.actors.swap_remove(i);
            if let Some(moved) = self.actors.get(i) {
                self.by_id.insert(moved.id, i);
            }
        }
    }

    fn reindex(&mut self) {
        self.by_id.clear();
        self.by_id
            .extend(self.actors.iter().enumerate().map(|(i, a)| (a.id, i)));
    }

    /// A larger floor plan: everyone is placed at their spot on it (a new floor is like a
    /// first load; it happens only when the workspace outgrows its desks).
    fn replan(&mut self, desks: u32) {
        // Room to grow, so a workspace adding agents one by one does not replan each time.
        self.plan = OfficeLayout::for_desks(desks.max(desks + desks / 4));
        self.fields = Fields::new(&self.plan);
        self.plan_revision += 1;
        self.waiting.clear();
        for actor in &mut self.actors {
            actor.goal = walk::destination(&self.plan, actor.id, actor.desk, actor.status);
            let facing = actor.walker.facing;
            actor.walker.place(actor.goal, facing);
        }
    }
}

/// The five demo people by first name; anyone else gets one of them by a stable hash of
/// the id, so every viewer draws the same person.
pub fn look_for(name: &str, id: AgentId) -> usize {
    const CAST: [&str; 5] = ["marcus", "sable", "devonte", "yuki", "graham"];
    let first = name.split_whitespace().next().unwrap_or("").to_lowercase();
    CAST.iter()
        .position(|c| *c == first)
        .unwrap_or_else(|| (id.as_uuid().as_u128() % CAST.len() as u128) as usize)
}

/// The agents a diff's ops touch, appended to `out` (duplicates possible). Reads `state`
/// after the diff was applied, to find a task's agent.
pub fn touched_by(ops: &[Op], state: &OfficeState, out: &mut Vec<AgentId>) {
    for op in ops {
        match op {
            Op::Agent(p) => out.push(p.id),
            Op::AgentRemoved { id } => out.push(*id),
            Op::Task(p) => {
                let task = state.tasks.get(&p.id);
                let agents = [
                    task.and_then(|t| t.assigned),
                    task.and_then(|t| t.target),
                    p.assigned.flatten(),
                ];
                out.extend(agents.into_iter().flatten());
            }
            Op::Activity(line) => out.push(line.agent),
            Op::ActivityReset { lines } => out.extend(lines.iter().map(|l| l.agent)),
            Op::TaskEvent(e) => out.extend(e.agent),
            Op::Approval(a) => out.push(a.agent),
            Op::ApprovalEvent(e) => out.push(e.agent),
            Op::Message(m) => out.extend(m.from.into_iter().chain(m.to)),
            Op::TaskRemoved { .. }
            | Op::ApprovalRemoved { .. }
            | Op::Workspace(_)
            | Op::WorkspaceRemoved => {}
        }
    }
}

#[cfg(test)]
mod tests;
