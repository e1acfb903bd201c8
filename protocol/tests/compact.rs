//! The compact subprotocol: diffs decode to the same ops, numbered and by ids; texts name
//! what the client holds; golden bytes; garbage is an error.

mod common;

use agenthq_protocol::diff;
use agenthq_protocol::*;
use common::*;
use proptest::collection::vec;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

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
