//! The wire contract: round trips in both codecs, golden bytes, and the diff law.

use std::collections::VecDeque;

use agenthq_protocol::diff::{self, Diff};
use agenthq_protocol::model::ACTIVITY_CAP;
use agenthq_protocol::*;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

fn agent_id() -> impl Strategy<Value = AgentId> {
    // A small id space so that old and new states share entities.
    (0u8..12).prop_map(|n| AgentId::from_bytes([n; 16]))
}

fn task_id() -> impl Strategy<Value = TaskId> {
    (0u8..24).prop_map(|n| TaskId::from_bytes([n; 16]))
}

fn agent_status() -> impl Strategy<Value = AgentStatus> {
    prop_oneof![
        Just(AgentStatus::Idle),
        Just(AgentStatus::Thinking),
        Just(AgentStatus::Working),
        Just(AgentStatus::AwaitingApproval),
        Just(AgentStatus::Blocked),
        Just(AgentStatus::Faulted),
    ]
}

fn task_status() -> impl Strategy<Value = TaskStatus> {
    prop_oneof![
        Just(TaskStatus::Queued),
        Just(TaskStatus::Running),
        Just(TaskStatus::AwaitingApproval),
        Just(TaskStatus::Succeeded),
        Just(TaskStatus::Failed),
        Just(TaskStatus::Cancelled),
        Just(TaskStatus::Dead),
    ]
}

fn workspace() -> impl Strategy<Value = Option<WorkspaceView>> {
    proptest::option::weighted(
        0.9,
        ("[a-z ]{0,8}", 0u32..3, 1u32..100).prop_map(|(name, tier, cap)| WorkspaceView {
            id: WorkspaceId::from_bytes([1; 16]),
            name,
            tier: [Tier::Free, Tier::Pro, Tier::Enterprise][tier as usize],
            max_running: cap,
            max_queued: cap * 10,
        }),
    )
}

fn agent() -> impl Strategy<Value = AgentView> {
    (
        agent_id(),
        "\\PC{0,6}",
        agent_status(),
        0u32..4,
        0u32..3,
        proptest::option::of(task_id()),
        0u32..3,
    )
        .prop_map(
            |(id, name, status, desk, running, current_task, restarts)| AgentView {
                id,
                // One number per id, as a server hands them out (never two for one id).
                n: u32::from(id.as_bytes()[0]) + 1,
                name,
                personality: "curious".into(),
                status,
                desk,
                max_concurrent: 2,
                running,
                queued: desk,
                current_task,
                restarts,
            },
        )
}

/// Titles and phrases that recur, as an office's do, some of them beyond ASCII (a piece of
/// a text must begin and end between characters).
const TITLES: [&str; 4] = [
    "Write the launch post",
    "Fix the flaky test",
    "Plan Q3 für Ärzte",
    "読む本を選ぶ",
];
const PHRASES: [&str; 4] = [
    "Reading the brief for",
    "Weighing two approaches to",
    "Prüfe gründlich",
    "考える",
];

fn title() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{0,5}",
        (0..TITLES.len()).prop_map(|t| TITLES[t].to_owned()),
    ]
}

fn line_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,10}",
        (0..PHRASES.len(), 0..TITLES.len(), "[a-zé]{0,2}")
            .prop_map(|(p, t, tail)| format!("{} {}{tail}", PHRASES[p], TITLES[t])),
    ]
}

fn task() -> impl Strategy<Value = TaskView> {
    (
        task_id(),
        title(),
        proptest::option::of(agent_id()),
        proptest::option::of(agent_id()),
        -2i32..3,
        task_status(),
        0u16..=1000,
        1u32..4,
    )
        .prop_map(
            |(id, title, target, assigned, priority, status, progress, attempts)| TaskView {
                id,
                n: u32::from(id.as_bytes()[0]) + 200,
                title,
                target,
                assigned,
                priority,
                status,
                progress,
                attempts,
                max_attempts: 3,
            },
        )
}

/// An activity ring as a server makes it: increasing ids from `start`, capped.
fn activity(start: u64) -> impl Strategy<Value = VecDeque<ActivityLine>> {
    vec((agent_id(), line_text(), 1u64..3), 0..ACTIVITY_CAP + 8).prop_map(move |lines| {
        let mut state = OfficeState::default();
        let mut id = start;
        for (agent, text, step) in lines {
            id += step;
            state.push_activity(ActivityLine {
                id,
                agent,
                task: (step == 2).then(|| TaskId::from_bytes([(id % 24) as u8; 16])),
                kind: ActivityKind::Output,
                text,
                at: 1_700_000_000_000 + id as i64,
            });
        }
        state.activity
    })
}

fn approval() -> impl Strategy<Value = ApprovalView> {
    (
        (0u8..6),
        task_id(),
        agent_id(),
        "\\PC{0,12}",
        "[a-z ]{0,20}",
    )
        .prop_map(|(n, task, agent, action, detail)| ApprovalView {
            id: ApprovalId::from_bytes([n; 16]),
            task,
            agent,
            action,
            detail,
            requested_at: 1_700_000_000_000 + i64::from(n),
            expires_at: 1_700_003_600_000,
        })
}

fn state() -> impl Strategy<Value = OfficeState> {
    (
        workspace(),
        btree_map(agent_id(), agent(), 0..8),
        btree_map(task_id(), task(), 0..12),
        activity(0),
        vec(approval(), 0..3),
    )
        .prop_map(
            |(workspace, agents, tasks, activity, approvals)| OfficeState {
                workspace,
                // Keys must match the ids inside, as the server keeps them.
                agents: agents.into_values().map(|a| (a.id, a)).collect(),
                tasks: tasks.into_values().map(|t| (t.id, t)).collect(),
                activity,
                approvals: approvals.into_iter().map(|a| (a.id, a)).collect(),
            },
        )
}

/// A later state: either unrelated, or the old one with activity appended.
fn successor(old: OfficeState) -> impl Strategy<Value = (OfficeState, OfficeState)> {
    let last = old.activity.back().map_or(0, |l| l.id);
    let extended = {
        let old = old.clone();
        (state(), activity(last)).prop_map(move |(mut new, more)| {
            new.activity = old.activity.clone();
            for line in more {
                new.push_activity(line);
            }
            (old.clone(), new)
        })
    };
    let unrelated = {
        let old = old.clone();
        state().prop_map(move |new| (old.clone(), new))
    };
    prop_oneof![extended, unrelated]
}

fn topic_any() -> impl Strategy<Value = Topic> + Clone {
    prop_oneof![
        Just(Topic::Workspace(WorkspaceId::from_bytes([1; 16]))),
        Just(Topic::Tasks(WorkspaceId::from_bytes([1; 16]))),
        agent_id().prop_map(Topic::AgentActivity),
    ]
}

fn server_message() -> impl Strategy<Value = ServerMessage> {
    let topic = topic_any();
    prop_oneof![
        (topic.clone(), any::<u64>(), any::<u64>(), state()).prop_map(
            |(topic, epoch, seq, state)| ServerMessage::Snapshot {
                topic,
                epoch,
                seq,
                state
            }
        ),
        (topic.clone(), any::<u64>(), any::<u64>(), state(), state()).prop_map(
            |(topic, epoch, seq, a, b)| ServerMessage::Diff {
                topic,
                epoch,
                seq,
                server_time: seq / 2,
                ops: diff::diff(&a, &b),
            }
        ),
        (topic, "\\PC{0,20}").prop_map(|(topic, message)| ServerMessage::Error {
            code: ErrorCode::ResyncRequired,
            message,
            topic: Some(topic),
        }),
        Just(ServerMessage::Pong),
        Just(ServerMessage::Decided {
            approval: ApprovalId::from_bytes([5; 16]),
            decision: Decision::Rejected,
        }),
        (topic_any(), agent_id(), "\\PC{0,20}").prop_map(|(topic, from, text)| {
            ServerMessage::Diff {
                topic,
                epoch: 1,
                seq: 2,
                server_time: 3,
                ops: Diff {
                    ops: vec![
                        Op::Message(MessageView {
                            id: MessageId::from_bytes([8; 16]),
                            from: Some(from),
                            to: None,
                            author: "Ada".into(),
                            text,
                            task: None,
                            at: 1_700_000_000_000,
                        }),
                        Op::ApprovalEvent(ApprovalEvent {
                            id: ApprovalId::from_bytes([5; 16]),
                            task: TaskId::from_bytes([6; 16]),
                            agent: from,
                            decision: Decision::Approved,
                            by: Some("ops@example.com".into()),
                            comment: None,
                        }),
                    ],
                },
            }
        }),
        any::<u64>().prop_map(|t| ServerMessage::Welcome {
            protocol_version: PROTOCOL_VERSION,
            server_time: t
        }),
    ]
}

fn client_message() -> impl Strategy<Value = ClientMessage> {
    prop_oneof![
        proptest::option::of("\\PC{0,30}").prop_map(|token| ClientMessage::Hello { token }),
        (
            agent_id(),
            proptest::option::of((any::<u64>(), any::<u64>()))
        )
            .prop_map(|(agent, resume)| ClientMessage::Subscribe {
                topic: Topic::AgentActivity(agent),
                resume: resume.map(|(epoch, seq)| Resume { epoch, seq }),
            }),
        Just(ClientMessage::Unsubscribe {
            topic: Topic::Tasks(WorkspaceId::from_bytes([3; 16]))
        }),
        Just(ClientMessage::Ping),
        (proptest::bool::ANY, proptest::option::of("\\PC{0,30}")).prop_map(|(approve, comment)| {
            ClientMessage::Decide {
                approval: ApprovalId::from_bytes([4; 16]),
                verdict: if approve {
                    Verdict::Approve
                } else {
                    Verdict::Reject
                },
                comment,
            }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn apply_of_diff_gives_the_new_state((old, new) in state().prop_flat_map(successor)) {
        let ops = diff::diff(&old, &new);
        let mut applied = old.clone();
        diff::apply(&mut applied, &ops).expect("a server diff applies to the state it follows");
        prop_assert_eq!(&applied, &new);
        // Applying it again changes nothing: a replayed diff is harmless.
        diff::apply(&mut applied, &ops).expect("replay");
        prop_assert_eq!(applied, new);
    }

    #[test]
    fn server_messages_round_trip_in_both_codecs(msg in server_message()) {
        for codec in Codec::ALL {
            let bytes = codec.encode(&msg).unwrap();
            let back: ServerMessage = codec.decode(&bytes).unwrap();
            prop_assert_eq!(&back, &msg, "{:?}", codec);
        }
    }

    #[test]
    fn client_messages_round_trip_in_both_codecs(msg in client_message()) {
        for codec in Codec::ALL {
            let bytes = codec.encode(&msg).unwrap();
            let back: ClientMessage = codec.decode(&bytes).unwrap();
            prop_assert_eq!(&back, &msg, "{:?}", codec);
        }
    }

    #[test]
    fn garbage_is_an_error_never_a_panic(bytes in vec(any::<u8>(), 0..64)) {
        for codec in Codec::ALL {
            let _ = codec.decode::<ClientMessage>(&bytes);
        }
        let _ = compact::Decoder::new().decode(&bytes);
    }

    /// The compact encoding of a server's diff, numbered from the client's state, decodes
    /// to the same ops; applied, they give the new state.
    #[test]
    fn compact_diffs_decode_to_the_same_ops(
        (old, new) in state().prop_flat_map(successor),
        workspace_topic in proptest::bool::ANY,
        seq in 1u64..u64::MAX,
    ) {
        let ws = WorkspaceId::from_bytes([1; 16]);
        let topic = if workspace_topic { Topic::Workspace(ws) } else { Topic::Tasks(ws) };
        let message = ServerMessage::Diff {
            topic,
            epoch: 7,
            seq,
            server_time: 1_700_000_000_123_456,
            ops: diff::diff(&old, &new),
        };
        let numbers = Known { old: &old, new: &new, agents: workspace_topic };
        let mut client = compact::Decoder::new();
        let snapshot = ServerMessage::Snapshot { topic, epoch: 7, seq: seq - 1, state: old.clone() };
        let opened = client.decode(&Codec::Compact.encode(&snapshot).unwrap()).unwrap();
        prop_assert_eq!(&opened, &snapshot);

        let bytes = compact::encode(&message, &numbers).unwrap();
        let back = client.decode(&bytes).unwrap();
        prop_assert_eq!(&back, &message);
        let by_ids = compact::encode(&message, &compact::ByIds).unwrap();
        // Never larger than the named MessagePack (not always smaller than by ids: the
        // pieces are chosen greedily, and more texts to choose from can cost a byte).
        prop_assert!(bytes.len() <= Codec::MessagePack.encode(&message).unwrap().len());
        prop_assert_eq!(&compact::Decoder::new().decode(&by_ids).unwrap(), &message);

        // The client's numbers now follow the new state: a diff on from it decodes too.
        let next = ServerMessage::Diff {
            topic,
            epoch: 7,
            seq,
            server_time: 1_700_000_000_200_000,
            ops: diff::diff(&new, &old),
        };
        let numbers = Known { old: &new, new: &old, agents: workspace_topic };
        let back = client.decode(&compact::encode(&next, &numbers).unwrap()).unwrap();
        prop_assert_eq!(&back, &next);
    }

    #[test]
    fn compact_garbage_after_a_snapshot_is_an_error_never_a_panic(
        state in state(),
        bytes in vec(any::<u8>(), 0..96),
    ) {
        let topic = Topic::Workspace(WorkspaceId::from_bytes([1; 16]));
        let mut client = compact::Decoder::new();
        client
            .decode(&Codec::Compact.encode(&ServerMessage::Snapshot { topic, epoch: 1, seq: 1, state }).unwrap())
            .unwrap();
        // A diff envelope for the topic, then random ops.
        let mut frame = vec![0x96, 0x00, 0xc4, 16];
        frame.extend([1; 16]);
        frame.extend([0x01, 0x02, 0x03]);
        frame.extend(&bytes);
        let _ = client.decode(&frame);
    }
}

/// The numbers a server may use for a diff from `old` to `new`: the entities the client
/// holds before it or learns in it (agents only on `workspace/{id}`).
struct Known<'a> {
    old: &'a OfficeState,
    new: &'a OfficeState,
    agents: bool,
}

impl compact::Numbers for Known<'_> {
    fn agent(&self, id: AgentId) -> Option<u32> {
        if !self.agents {
            return None;
        }
        self.new
            .agents
            .get(&id)
            .or(self.old.agents.get(&id))
            .map(|a| a.n)
    }
    fn task(&self, id: TaskId) -> Option<u32> {
        self.new
            .tasks
            .get(&id)
            .or(self.old.tasks.get(&id))
            .map(|t| t.n)
    }
    fn title(&self, id: TaskId) -> Option<&str> {
        self.new
            .tasks
            .get(&id)
            .or(self.old.tasks.get(&id))
            .map(|t| t.title.as_str())
    }
    fn titled(&self, title: &str) -> Option<TaskId> {
        let old = self
            .old
            .tasks
            .values()
            .filter(|t| !self.new.tasks.contains_key(&t.id));
        self.new
            .tasks
            .values()
            .chain(old)
            .filter(|t| t.title == title)
            .min_by_key(|t| t.n)
            .map(|t| t.id)
    }
    fn lines(&self) -> Vec<(u64, &str)> {
        // The client holds the old lines until the diff has applied, and learns the new.
        let old = self.old.activity.iter();
        let new = self.new.activity.iter();
        old.chain(new).map(|l| (l.id, l.text.as_str())).collect()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn golden_diff() -> ServerMessage {
    let agent = AgentId::from_bytes([0xa1; 16]);
    let task = TaskId::from_bytes([0x7a; 16]);
    ServerMessage::Diff {
        topic: Topic::Workspace(WorkspaceId::from_bytes([0x11; 16])),
        epoch: 3,
        seq: 42,
        server_time: 1_700_000_000_000_000,
        ops: Diff {
            ops: vec![
                Op::Agent(agenthq_protocol::diff::AgentPatch {
                    id: agent,
                    n: None,
                    name: None,
                    personality: None,
                    status: Some(AgentStatus::Working),
                    desk: None,
                    max_concurrent: None,
                    running: Some(1),
                    queued: None,
                    current_task: Some(Some(task)),
                    restarts: None,
                }),
                Op::TaskRemoved { id: task },
            ],
        },
    }
}

/// Any change to these bytes is a wire change: bump PROTOCOL_VERSION or keep the bytes.
#[test]
fn golden_json() {
    type Encode = Box<dyn Fn() -> Vec<u8>>;
    let cases: Vec<(Encode, &str)> = vec![
        (
            Box::new(|| {
                Codec::Json
                    .encode(&ClientMessage::Subscribe {
                        topic: Topic::Tasks(WorkspaceId::from_bytes([0x11; 16])),
                        resume: Some(Resume { epoch: 3, seq: 41 }),
                    })
                    .unwrap()
            }),
            r#"{"type":"subscribe","topic":"workspace/11111111-1111-1111-1111-111111111111/tasks","resume":{"epoch":3,"seq":41}}"#,
        ),
        (
            Box::new(|| Codec::Json.encode(&golden_diff()).unwrap()),
            r#"{"type":"diff","topic":"workspace/11111111-1111-1111-1111-111111111111","epoch":3,"seq":42,"server_time":1700000000000000,"ops":[{"op":"agent","id":"a1a1a1a1-a1a1-a1a1-a1a1-a1a1a1a1a1a1","status":"working","running":1,"current_task":"7a7a7a7a-7a7a-7a7a-7a7a-7a7a7a7a7a7a"},{"op":"task_removed","id":"7a7a7a7a-7a7a-7a7a-7a7a-7a7a7a7a7a7a"}]}"#,
        ),
        (
            Box::new(|| Codec::Json.encode(&ClientMessage::Ping).unwrap()),
            r#"{"type":"ping"}"#,
        ),
        (
            Box::new(|| {
                Codec::Json
                    .encode(&ClientMessage::Decide {
                        approval: ApprovalId::from_bytes([0x22; 16]),
                        verdict: Verdict::Approve,
                        comment: Some("go".into()),
                    })
                    .unwrap()
            }),
            r#"{"type":"decide","approval":"22222222-2222-2222-2222-222222222222","verdict":"approve","comment":"go"}"#,
        ),
    ];
    for (encode, expected) in cases {
        assert_eq!(String::from_utf8(encode()).unwrap(), expected);
    }
}

/// The compact frame of [`golden_diff`], the agent known as 5 and the task as 9: the layout
/// of docs/protocol.md, byte by byte.
#[test]
fn golden_compact() {
    struct Numbered;
    impl compact::Numbers for Numbered {
        fn agent(&self, _: AgentId) -> Option<u32> {
            Some(5)
        }
        fn task(&self, _: TaskId) -> Option<u32> {
            Some(9)
        }
    }
    let bytes = compact::encode(&golden_diff(), &Numbered).unwrap();
    assert_eq!(hex(&bytes), GOLDEN_COMPACT);
    let named = Codec::MessagePack.encode(&golden_diff()).unwrap();
    assert!(
        bytes.len() * 4 < named.len(),
        "{} vs {}",
        bytes.len(),
        named.len()
    );
    // Ops other than the hot ones ride as their named MessagePack maps.
    let mut message = golden_diff();
    let ServerMessage::Diff { ops, .. } = &mut message else {
        unreachable!()
    };
    ops.ops.push(Op::WorkspaceRemoved);
    let bytes = compact::encode(&message, &compact::ByIds).unwrap();
    assert!(hex(&bytes).ends_with("81a26f70b1776f726b73706163655f72656d6f766564"));
    assert_eq!(compact::Decoder::new().decode(&bytes).unwrap(), message);
}

/// Texts the client holds are named, not repeated: a line's phrase and title from an older
/// line, a title by its task's number, a new task's title by an older task's, a message's
/// mention of its task. The client composes the same texts.
#[test]
fn compact_names_the_texts_the_client_holds() {
    let topic = Topic::Workspace(WorkspaceId::from_bytes([1; 16]));
    let task = |byte: u8, n: u32| TaskView {
        id: TaskId::from_bytes([byte; 16]),
        n,
        title: "Write the launch post".into(),
        target: None,
        assigned: None,
        priority: 0,
        status: TaskStatus::Running,
        progress: 0,
        attempts: 1,
        max_attempts: 3,
    };
    let (first, second) = (task(2, 7), task(3, 8));
    let ada = AgentId::from_bytes([9; 16]);
    let line = |id: u64, task: &TaskView, text: &str| ActivityLine {
        id,
        agent: ada,
        task: Some(task.id),
        kind: ActivityKind::Thought,
        text: text.into(),
        at: 1_700_000_000_000,
    };
    let mut old = OfficeState::default();
    old.tasks.insert(first.id, first.clone());
    old.push_activity(line(
        10,
        &first,
        "Reading the brief for Write the launch post",
    ));
    let mut new = old.clone();
    new.tasks.insert(second.id, second.clone());
    new.push_activity(line(
        11,
        &first,
        "Weighing two approaches to Write the launch post",
    ));
    new.push_activity(line(
        12,
        &second,
        "Reading the brief for Write the launch post",
    ));
    new.push_activity(line(13, &second, "search(\"Write the launch post\")"));
    let mut ops = diff::diff(&old, &new);
    ops.push(Op::Message(MessageView {
        id: MessageId::from_bytes([5; 16]),
        from: Some(ada),
        to: None,
        author: "Ada".into(),
        text: "Finished Write the launch post; notes are in the shared drive.".into(),
        task: Some(first.id),
        at: 1_699_999_999_000,
    }));
    let message = ServerMessage::Diff {
        topic,
        epoch: 1,
        seq: 2,
        server_time: 1_700_000_000_500_000,
        ops,
    };
    let known = Known {
        old: &old,
        new: &new,
        agents: true,
    };
    let named = compact::encode(&message, &known).unwrap();
    let written = compact::encode(&message, &NumbersOnly(&known)).unwrap();
    // Without the held texts only the diff's own lines can be named: the old line and the
    // titles (in three lines, a new task and a message) are then written out.
    assert!(
        named.len() + 75 < written.len(),
        "{} against {}",
        named.len(),
        written.len()
    );
    for bytes in [&named, &written] {
        let mut client = compact::Decoder::new();
        let snapshot = ServerMessage::Snapshot {
            topic,
            epoch: 1,
            seq: 1,
            state: old.clone(),
        };
        client
            .decode(&Codec::Compact.encode(&snapshot).unwrap())
            .unwrap();
        assert_eq!(client.decode(bytes).unwrap(), message);
        // The same diff again (a replay the client ignores) does not move its table on: the
        // next diff, counting its line from the newest, still reads right.
        let _ = client.decode(bytes);
        let mut newer = new.clone();
        newer.push_activity(line(
            14,
            &first,
            "Weighing two approaches to Write the launch post",
        ));
        let next = ServerMessage::Diff {
            topic,
            epoch: 1,
            seq: 3,
            server_time: 1_700_000_000_550_000,
            ops: diff::diff(&new, &newer),
        };
        let known = Known {
            old: &new,
            new: &newer,
            agents: true,
        };
        let next_bytes = compact::encode(&next, &known).unwrap();
        let written = compact::encode(&next, &NumbersOnly(&known)).unwrap();
        assert!(
            next_bytes.len() + 40 < written.len(),
            "{} bytes",
            next_bytes.len()
        );
        assert_eq!(client.decode(&next_bytes).unwrap(), next);
    }
    // A client that does not hold the lines named cannot compose the text: it must resync.
    let mut stranger = compact::Decoder::new();
    assert!(matches!(
        stranger.decode(&named),
        Err(compact::DecodeError::UnknownLine(_) | compact::DecodeError::UnknownNumber { .. })
    ));
}

/// The same numbers, no texts: every text written out.
struct NumbersOnly<'a>(&'a Known<'a>);

impl compact::Numbers for NumbersOnly<'_> {
    fn agent(&self, id: AgentId) -> Option<u32> {
        compact::Numbers::agent(self.0, id)
    }
    fn task(&self, id: TaskId) -> Option<u32> {
        compact::Numbers::task(self.0, id)
    }
}

/// [diff: workspace topic (kind 0, id), epoch 3, seq 42, server_time, 2 ops:
/// [agent, n 5, mask status|running|current_task (0b1011), working, 1, task 9],
/// [task removed, 9]].
const GOLDEN_COMPACT: &str = concat!(
    "9600c410",
    "11111111111111111111111111111111",
    "032acf00060a24181e4000",
    "92",
    "9601050b020109",
    "920409",
);

#[test]
fn golden_msgpack() {
    assert_eq!(
        hex(&Codec::MessagePack.encode(&ClientMessage::Ping).unwrap()),
        GOLDEN_PING
    );
    assert_eq!(
        hex(&Codec::MessagePack.encode(&golden_diff()).unwrap()),
        GOLDEN_DIFF
    );
}

const GOLDEN_PING: &str = "81a474797065a470696e67";
const GOLDEN_DIFF: &str = "86a474797065a464696666a5746f706963d92e776f726b73706163652f31313131313131312d313131312d313131312d313131312d313131313131313131313131a565706f636803a37365712aab7365727665725f74696d65cf00060a24181e4000a36f70739285a26f70a56167656e74a26964c410a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a6737461747573a7776f726b696e67a772756e6e696e6701ac63757272656e745f7461736bc4107a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a82a26f70ac7461736b5f72656d6f766564a26964c4107a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a";
