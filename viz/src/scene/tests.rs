//! The scene against the protocol: diffs applied, walks, search budget, growth.
use agenthq_protocol::diff::diff;
use agenthq_protocol::{
    ActivityKind, ActivityLine, AgentView, TaskId, TaskStatus, TaskView, Topic, WorkspaceId,
};
use agenthq_protocol::{ServerMessage, feed::Feed};

use super::*;
use crate::motion::SPEED;

fn agent(n: u8, name: &str, status: AgentStatus) -> AgentView {
    AgentView {
        id: AgentId::from_bytes([n; 16]),
        n: 0,
        name: name.into(),
        personality: String::new(),
        status,
        desk: u32::from(n),
        max_concurrent: 1,
        running: 0,
        queued: 0,
        current_task: None,
        restarts: 0,
    }
}

fn state(agents: &[AgentView]) -> OfficeState {
    let mut s = OfficeState::default();
    for a in agents {
        s.agents.insert(a.id, a.clone());
    }
    s
}

/// Follows `states` as a client does: a snapshot of the first, then a diff per step,
/// syncing only the agents each diff touched.
struct Client {
    feed: Feed,
    scene: Scene,
    seq: u64,
    touched: Vec<AgentId>,
}

impl Client {
    fn topic() -> Topic {
        Topic::Workspace(WorkspaceId::from_bytes([9; 16]))
    }

    fn new(first: &OfficeState) -> Self {
        let mut c = Self {
            feed: Feed::default(),
            scene: Scene::default(),
            seq: 1,
            touched: Vec::new(),
        };
        let snapshot = ServerMessage::Snapshot {
            topic: Self::topic(),
            epoch: 1,
            seq: 1,
            state: first.clone(),
        };
        c.feed.on_message(Self::topic(), snapshot);
        c.scene.sync(&c.feed.state, Touched::All);
        c
    }

    fn step(&mut self, to: &OfficeState) {
        let ops = diff(&self.feed.state, to);
        self.touched.clear();
        touched_by(&ops.ops, &self.feed.state, &mut self.touched);
        self.seq += 1;
        let msg = ServerMessage::Diff {
            topic: Self::topic(),
            epoch: 1,
            seq: self.seq,
            server_time: 0,
            ops,
        };
        self.feed.on_message(Self::topic(), msg);
        self.scene
            .sync(&self.feed.state, Touched::Agents(&self.touched));
    }

    /// The scene shows exactly the state's agents, with their fields.
    fn assert_matches(&self, state: &OfficeState) {
        assert_eq!(self.scene.actors().len(), state.agents.len());
        for view in state.agents.values() {
            let actor = self.scene.actor(view.id).expect("every agent is drawn");
            assert_eq!(
                (&actor.name, actor.status, actor.desk),
                (&view.name, view.status, view.desk)
            );
            assert_eq!(
                actor.goal,
                walk::destination(self.scene.plan(), view.id, view.desk, view.status)
            );
            let progress = view
                .current_task
                .and_then(|t| state.tasks.get(&t))
                .map(|t| f32::from(t.progress) / 1000.0);
            assert_eq!(actor.progress, progress);
        }
    }
}

#[test]
fn diffs_applied_to_the_scene_match_the_protocol_state() {
    let marcus = agent(0, "Marcus Bell", AgentStatus::Idle);
    let sable = agent(1, "Sable Chen", AgentStatus::Idle);
    let first = state(&[marcus.clone(), sable.clone()]);
    let mut client = Client::new(&first);
    client.assert_matches(&first);

    // Marcus takes a task and works on it; Sable is renamed; Yuki joins.
    let task = TaskId::from_bytes([7; 16]);
    let mut second = first.clone();
    second.tasks.insert(
        task,
        TaskView {
            id: task,
            n: 0,
            title: "Write the launch post".into(),
            target: None,
            assigned: Some(marcus.id),
            priority: 0,
            status: TaskStatus::Running,
            progress: 250,
            attempts: 1,
            max_attempts: 3,
        },
    );
    let m = second.agents.get_mut(&marcus.id).unwrap();
    (m.status, m.current_task, m.running) = (AgentStatus::Working, Some(task), 1);
    second.agents.get_mut(&sable.id).unwrap().name = "Sable Chen-Ito".into();
    let yuki = agent(2, "Yuki Tanaka", AgentStatus::Thinking);
    second.agents.insert(yuki.id, yuki.clone());
    client.step(&second);
    client.assert_matches(&second);
    assert_eq!(client.scene.actor(marcus.id).unwrap().progress, Some(0.25));

    // Progress alone (a task patch) reaches the agent's bar.
    let mut third = second.clone();
    third.tasks.get_mut(&task).unwrap().progress = 900;
    third.push_activity(ActivityLine {
        id: 1,
        agent: yuki.id,
        task: None,
        kind: ActivityKind::Thought,
        text: "Reading the brief".into(),
        at: 0,
    });
    client.step(&third);
    client.assert_matches(&third);
    assert_eq!(
        client
            .scene
            .actor(yuki.id)
            .unwrap()
            .saying(client.scene.clock()),
        Some("Reading the brief")
    );

    // Sable leaves; the task finishes.
    let mut fourth = third.clone();
    fourth.agents.remove(&sable.id);
    fourth.tasks.remove(&task);
    let m = fourth.agents.get_mut(&marcus.id).unwrap();
    (m.status, m.current_task, m.running) = (AgentStatus::Idle, None, 0);
    client.step(&fourth);
    client.assert_matches(&fourth);
    assert!(client.scene.actor(sable.id).is_none());

    // A snapshot of a different state replaces everything.
    let fifth = state(&[agent(3, "Graham Ode", AgentStatus::Faulted)]);
    client.scene.sync(&fifth, Touched::All);
    client.assert_matches(&fifth);
    assert_eq!(look_for("Graham Ode", AgentId::from_bytes([3; 16])), 4);
}

#[test]
fn agents_appear_at_their_place_then_walk_there_smoothly_when_status_changes() {
    let yuki = agent(2, "Yuki Tanaka", AgentStatus::Working);
    let first = state(std::slice::from_ref(&yuki));
    let mut client = Client::new(&first);
    let seat = client.scene.plan().desks[2].seat;
    let actor = client.scene.actor(yuki.id).unwrap();
    assert_eq!(
        (actor.walker.tile(), actor.walker.moving()),
        (seat, false),
        "first load: no walk"
    );
    assert!(matches!(
        actor.pose(client.scene.plan(), 0.0).frame,
        Frame::Type(_)
    ));

    let mut idle = first.clone();
    idle.agents.get_mut(&yuki.id).unwrap().status = AgentStatus::Idle;
    client.step(&idle);
    let goal = client.scene.actor(yuki.id).unwrap().goal;
    assert!(client.scene.plan().coffee.spots.contains(&goal));
    assert!(
        client.scene.actor(yuki.id).unwrap().walker.moving(),
        "sets off at once: no search needed"
    );
    let dt = 1.0 / 60.0;
    let mut last = (seat.x as f32, seat.y as f32);
    for _ in 0..60 * 30 {
        client.scene.advance(dt);
        let w = &client.scene.actor(yuki.id).unwrap().walker;
        assert!(
            (w.x - last.0).abs() + (w.y - last.1).abs() <= SPEED * dt + 1e-4,
            "never a jump"
        );
        last = (w.x, w.y);
    }
    let actor = client.scene.actor(yuki.id).unwrap();
    assert_eq!(actor.walker.tile(), goal);
    assert_eq!(actor.pose(client.scene.plan(), 0.0).frame, Frame::Stand);

    // Back to work from the coffee corner: the corner's map walked backwards, no search.
    client.step(&first);
    assert_eq!(client.scene.waiting(), 0);
    assert!(client.scene.actor(yuki.id).unwrap().walker.moving());
    for _ in 0..60 * 30 {
        client.scene.advance(dt);
    }
    let actor = client.scene.actor(yuki.id).unwrap();
    assert_eq!((actor.walker.tile(), client.scene.waiting()), (seat, 0));
    assert_eq!(
        actor.pose(client.scene.plan(), 0.0).facing,
        client.scene.plan().desks[2].facing
    );
}

#[test]
fn searches_are_spread_over_frames_and_the_office_grows_to_fit() {
    // 600 agents (the plan will hold 750 desks) who all go to the meeting room when
    // blocked: in an office this large only one in so many does, so pick those.
    let plan = OfficeLayout::for_desks(750);
    let many: Vec<AgentView> = (0u128..)
        .map(|n| AgentId::from_bytes((n << 8 | 1).to_be_bytes()))
        .filter(|id| {
            let to = walk::destination(&plan, *id, 0, AgentStatus::Blocked);
            plan.meeting.spots.contains(&to)
        })
        .take(600)
        .enumerate()
        .map(|(n, id)| {
            let mut a = agent(0, &format!("Agent {n}"), AgentStatus::Idle);
            (a.id, a.desk) = (id, n as u32);
            a
        })
        .collect();
    let first = state(&many);
    let mut client = Client::new(&first);
    assert_eq!(
        client.scene.plan(),
        &plan,
        "a desk for everyone, and room to grow"
    );
    let revision = client.scene.plan_revision;
    let with = |status| {
        let mut s = first.clone();
        for a in s.agents.values_mut() {
            a.status = status;
        }
        s
    };
    // Everyone sets off for the meeting room, then is called back to the desk mid-walk:
    // that needs a search each.
    client.step(&with(AgentStatus::Blocked));
    client.scene.advance(0.1);
    assert_eq!(client.scene.waiting(), 0);
    client.step(&with(AgentStatus::Working));
    assert_eq!(client.scene.waiting(), 600);
    // Changes of mind while waiting do not queue anyone twice.
    client.step(&with(AgentStatus::Blocked));
    let busy = with(AgentStatus::Working);
    client.step(&busy);
    assert_eq!(client.scene.waiting(), 600);
    client.scene.advance(0.0);
    assert_eq!(client.scene.waiting(), 600 - SEARCHES_PER_FRAME);
    for _ in 0..10 {
        client.scene.advance(0.0);
    }
    assert_eq!(client.scene.waiting(), 0);

    let mut more = busy.clone();
    let mut newcomer = agent(0, "Newcomer", AgentStatus::Working);
    newcomer.id = AgentId::from_bytes([0xee; 16]);
    newcomer.desk = 1_000;
    more.agents.insert(newcomer.id, newcomer.clone());
    client.step(&more);
    assert!(client.scene.plan_revision > revision);
    assert!(client.scene.plan().desks.len() > 1_000);
    client.assert_matches(&more);
}

#[test]
fn poses_map_to_sheet_cells() {
    let cell = |frame, facing| Pose { frame, facing }.cell();
    assert_eq!(cell(Frame::Stand, Facing::PlusX), 0);
    assert_eq!(cell(Frame::Walk(3), Facing::PlusX), 4);
    assert_eq!(cell(Frame::Think(1), Facing::MinusY), 3 * 10 + 9);
}

#[test]
fn a_message_flies_from_writer_to_reader_and_lands() {
    let ada = agent(1, "Ada", AgentStatus::Working);
    let bob = agent(2, "Bob", AgentStatus::Idle);
    let mut scene = Scene::default();
    scene.sync(&state(&[ada.clone(), bob.clone()]), Touched::All);
    let (a, b) = (scene.actor(ada.id).unwrap(), scene.actor(bob.id).unwrap());
    let (from, to) = ((a.walker.x, a.walker.y), (b.walker.x, b.walker.y));
    scene.send(Some(ada.id), Some(bob.id));
    let flight = *scene.flights().next().expect("in the air");
    assert_eq!((flight.from, flight.to), (from, to));
    assert_eq!(flight.at(flight.start), (from.0, from.1, 0.0));
    scene.advance(FLIGHT_SECONDS / 2.0);
    let (x, y, lift) = flight.at(scene.clock());
    assert!((x - (from.0 + to.0) / 2.0).abs() < 1e-3 && (y - (from.1 + to.1) / 2.0).abs() < 1e-3);
    assert!((lift - FLIGHT_ARC).abs() < 1e-3, "highest half-way: {lift}");
    scene.advance(FLIGHT_SECONDS / 2.0);
    assert_eq!(scene.flights().len(), 0, "landed");
}

#[test]
fn messages_to_people_fly_to_the_front_corner_and_unknown_agents_send_nothing() {
    let ada = agent(1, "Ada", AgentStatus::Working);
    let mut scene = Scene::default();
    scene.sync(&state(std::slice::from_ref(&ada)), Touched::All);
    scene.send(Some(ada.id), None);
    let to = scene.flights().next().expect("to the people").to;
    let plan = scene.plan();
    assert_eq!(to, (plan.width as f32 - 1.5, plan.height as f32 - 1.5));
    scene.send(Some(AgentId::from_bytes([7; 16])), Some(ada.id));
    assert_eq!(
        scene.flights().len(),
        1,
        "a stranger's envelope flies nowhere"
    );
}

#[test]
fn a_burst_of_messages_keeps_at_most_max_flights_the_newest() {
    let ada = agent(1, "Ada", AgentStatus::Working);
    let mut scene = Scene::default();
    scene.sync(&state(std::slice::from_ref(&ada)), Touched::All);
    for i in 0..MAX_FLIGHTS + 5 {
        scene.advance(0.01);
        scene.send(Some(ada.id), None);
        assert!(scene.flights().len() <= MAX_FLIGHTS, "after {i}");
    }
    assert_eq!(scene.flights().len(), MAX_FLIGHTS);
    let newest = scene.flights().last().unwrap().start;
    assert!((newest - scene.clock()).abs() < 1e-6);
}
