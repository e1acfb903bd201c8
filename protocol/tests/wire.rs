//! The wire contract: round trips in every codec, golden bytes, and the diff law.

mod common;

use agenthq_protocol::diff;
use agenthq_protocol::*;
use common::*;
use proptest::collection::vec;
use proptest::prelude::*;

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
