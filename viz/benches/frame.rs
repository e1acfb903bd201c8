//! CPU time of one viewer frame on the headless path, the work the Bevy app does every
//! frame besides drawing: apply the tick's diff, sync the agents it touched (goals,
//! routes), advance walking, and compute every agent's sprite. 5 % of the agents change
//! status per frame (a tick per frame: the worst case). Target: ≤ 4 ms at 10 000 agents.
//!
//! `cargo bench -p agenthq-viz --bench frame`

use std::hint::black_box;
use std::time::{Duration, Instant};

use agenthq_protocol::diff::{AgentPatch, Diff, Op};
use agenthq_protocol::feed::Feed;
use agenthq_protocol::{
    AgentId, AgentStatus, AgentView, OfficeState, ServerMessage, Topic, WorkspaceId,
};
use agenthq_viz::scene::{Scene, Touched, touched_by};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const CYCLE: [AgentStatus; 6] = [
    AgentStatus::Idle,
    AgentStatus::Thinking,
    AgentStatus::Working,
    AgentStatus::Idle,
    AgentStatus::AwaitingApproval,
    AgentStatus::Working,
];

fn office(agents: u32) -> OfficeState {
    let mut state = OfficeState::default();
    for n in 0..agents {
        let id = AgentId::from_bytes((u128::from(n) + 1).to_be_bytes());
        state.agents.insert(
            id,
            AgentView {
                id,
                n: 0,
                name: format!("Agent {n}"),
                personality: String::new(),
                status: CYCLE[n as usize % CYCLE.len()],
                desk: n,
                max_concurrent: 1,
                running: 0,
                queued: 0,
                current_task: None,
                restarts: 0,
            },
        );
    }
    state
}

/// A viewer following one workspace, and the server's side that makes its diffs.
struct Viewer {
    topic: Topic,
    feed: Feed,
    scene: Scene,
    touched: Vec<AgentId>,
    sprites: Vec<agenthq_viz::scene::AgentSprite>,
    server: OfficeState,
    ids: Vec<AgentId>,
    seq: u64,
    next: usize,
    /// Whether changing agents also move desks.
    moves: bool,
}

impl Viewer {
    fn new(agents: u32, moves: bool) -> Self {
        let topic = Topic::Workspace(WorkspaceId::from_bytes([1; 16]));
        let server = office(agents);
        let mut feed = Feed::default();
        let snapshot = ServerMessage::Snapshot {
            topic,
            epoch: 1,
            seq: 0,
            state: server.clone(),
        };
        feed.on_message(topic, snapshot);
        let mut scene = Scene::default();
        scene.sync(&feed.state, Touched::All);
        let ids = server.agents.keys().copied().collect();
        let mut viewer = Self {
            topic,
            feed,
            scene,
            touched: Vec::new(),
            sprites: Vec::new(),
            server,
            ids,
            seq: 0,
            next: 0,
            moves,
        };
        // Warm up: everyone walking somewhere, buffers grown.
        for _ in 0..60 {
            let diff = viewer.next_diff();
            viewer.frame(diff);
        }
        viewer
    }

    /// The server's next tick: 5 % of the agents move on in their status cycle.
    fn next_diff(&mut self) -> ServerMessage {
        let changing = self.ids.len().div_ceil(20);
        let mut ops = Diff::default();
        for _ in 0..changing {
            let id = self.ids[self.next % self.ids.len()];
            self.next += 1;
            let view = self.server.agents.get_mut(&id).expect("agent");
            let before = view.clone();
            let at = CYCLE.iter().position(|s| *s == view.status).unwrap_or(0);
            view.status = CYCLE[(at + 1) % CYCLE.len()];
            if self.moves && self.next.is_multiple_of(2) {
                let desks = self.ids.len() as u32;
                view.desk = (view.desk + desks / 2) % desks;
            }
            ops.ops
                .extend(AgentPatch::between(&before, view).map(Op::Agent));
        }
        self.seq += 1;
        ServerMessage::Diff {
            topic: self.topic,
            epoch: 1,
            seq: self.seq,
            server_time: 0,
            ops,
        }
    }

    /// One frame of the viewer.
    fn frame(&mut self, message: ServerMessage) {
        if let ServerMessage::Diff { ops, .. } = &message {
            self.touched.clear();
            touched_by(&ops.ops, &self.feed.state, &mut self.touched);
        }
        self.feed.on_message(self.topic, message);
        self.scene
            .sync(&self.feed.state, Touched::Agents(&self.touched));
        self.scene.advance(1.0 / 60.0);
        self.scene.sprites(&mut self.sprites);
        black_box(&self.sprites);
    }
}

fn frame(c: &mut Criterion) {
    run(c, "frame", false);
    run(c, "frame_moves", true);
}

#[allow(clippy::print_stderr)] // The backlog is part of the bench's report.
fn run(c: &mut Criterion, name: &str, moves: bool) {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(10));
    for agents in [1_000u32, 10_000] {
        let mut viewer = Viewer::new(agents, moves);
        group.bench_with_input(BenchmarkId::from_parameter(agents), &agents, |b, _| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let diff = viewer.next_diff(); // The server's work: not timed.
                    let start = Instant::now();
                    viewer.frame(diff);
                    spent += start.elapsed();
                }
                spent
            });
        });
        eprintln!(
            "{name} {agents} agents: {} waiting for a route search after the run",
            viewer.scene.waiting()
        );
    }
    group.finish();
}

criterion_group!(benches, frame);
criterion_main!(benches);
