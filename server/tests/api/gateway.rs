//! The WebSocket gateway, spoken to as an integration would.

use std::time::Duration;

use agenthq_protocol::diff::apply;
use agenthq_protocol::{
    ClientMessage, Codec, ErrorCode, OfficeState, Resume, ServerMessage, Topic,
};
use agenthq_runtime::NewTask;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

async fn hello(client: &mut WsClient) {
    client.send(&ClientMessage::Hello { token: None }).await;
    assert!(matches!(
        client.recv().await,
        ServerMessage::Welcome {
            protocol_version: 1,
            ..
        }
    ));
}

/// Follows a topic: returns the state rebuilt from the snapshot and diffs once it reaches
/// the server's current seq.
async fn follow_until_current(
    app: &TestApp,
    client: &mut WsClient,
    topic: Topic,
) -> (OfficeState, Resume) {
    client
        .send(&ClientMessage::Subscribe {
            topic,
            resume: None,
        })
        .await;
    let ServerMessage::Snapshot {
        state, epoch, seq, ..
    } = client.recv().await
    else {
        panic!("a subscription opens with a snapshot");
    };
    let (mut state, mut at) = (state, Resume { epoch, seq });
    catch_up(app, client, topic, &mut state, &mut at).await;
    (state, at)
}

/// Applies diffs until the client is at the server's current seq, then compares.
async fn catch_up(
    app: &TestApp,
    client: &mut WsClient,
    topic: Topic,
    state: &mut OfficeState,
    at: &mut Resume,
) {
    let ServerMessage::Snapshot {
        seq: target,
        state: truth,
        ..
    } = app.runtime.snapshot(topic).await.unwrap()
    else {
        panic!()
    };
    while at.seq < target {
        let ServerMessage::Diff {
            epoch, seq, ops, ..
        } = client.recv().await
        else {
            panic!("diffs follow")
        };
        assert_eq!(
            (epoch, seq),
            (at.epoch, at.seq + 1),
            "diffs arrive in order, without gaps"
        );
        apply(state, &ops).unwrap();
        at.seq = seq;
    }
    assert_eq!(*state, truth, "the client's state is the server's");
}

/// Submits `count` tasks and waits until each has finished.
async fn run_tasks(app: &TestApp, ws: agenthq_protocol::WorkspaceId, count: usize) {
    let tasks: Vec<NewTask> = (0..count)
        .map(|n| NewTask {
            title: format!("task {n}"),
            ..NewTask::default()
        })
        .collect();
    let ids: Vec<_> = app
        .runtime
        .submit_many(ws, tasks)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().task.id)
        .collect();
    for id in ids {
        finished(app, ws, id).await;
    }
}

#[tokio::test]
async fn json_and_msgpack_clients_rebuild_the_same_office_from_snapshot_and_diffs() {
    let app = spawn_app().await;
    let ws = office(&app, true).await;
    let topic = Topic::Workspace(ws);
    let mut json = WsClient::connect(&app, Some(Codec::Json)).await;
    let mut msgpack = WsClient::connect(&app, Some(Codec::MessagePack)).await;
    let mut default = WsClient::connect(&app, None).await;
    for client in [&mut json, &mut msgpack, &mut default] {
        hello(client).await;
    }
    let (mut a, mut at_a) = follow_until_current(&app, &mut json, topic).await;
    let (mut b, mut at_b) = follow_until_current(&app, &mut msgpack, topic).await;
    run_tasks(&app, ws, 20).await;
    catch_up(&app, &mut json, topic, &mut a, &mut at_a).await;
    catch_up(&app, &mut msgpack, topic, &mut b, &mut at_b).await;
    assert_eq!(a, b, "JSON and MessagePack clients end equal");
    assert_eq!(a.agents.len(), 3);
    assert!(at_a.seq > 1, "the work was streamed as diffs");
}

#[tokio::test]
async fn compact_clients_rebuild_the_same_office_in_fewer_bytes_and_resume_by_replay() {
    let app = spawn_app().await;
    let ws = office(&app, true).await;
    let office_topic = Topic::Workspace(ws);
    let tasks_topic = Topic::Tasks(ws);
    let mut msgpack = WsClient::connect(&app, Some(Codec::MessagePack)).await;
    let mut compact = WsClient::connect(&app, Some(Codec::Compact)).await;
    let mut compact_tasks = WsClient::connect(&app, Some(Codec::Compact)).await;
    for client in [&mut msgpack, &mut compact, &mut compact_tasks] {
        hello(client).await;
    }
    let (mut a, mut at_a) = follow_until_current(&app, &mut msgpack, office_topic).await;
    let (mut b, mut at_b) = follow_until_current(&app, &mut compact, office_topic).await;
    let (mut t, mut at_t) = follow_until_current(&app, &mut compact_tasks, tasks_topic).await;
    run_tasks(&app, ws, 20).await;
    catch_up(&app, &mut msgpack, office_topic, &mut a, &mut at_a).await;
    catch_up(&app, &mut compact, office_topic, &mut b, &mut at_b).await;
    catch_up(&app, &mut compact_tasks, tasks_topic, &mut t, &mut at_t).await;
    assert_eq!(a, b, "MessagePack and compact clients end equal");
    assert_eq!(at_a, at_b);
    assert!(
        compact.diff_bytes * 2 < msgpack.diff_bytes,
        "compact diffs are less than half the bytes: {} against {}",
        compact.diff_bytes,
        msgpack.diff_bytes
    );

    // Resumed on a new connection, from the state it kept: the replayed diffs name the
    // entities by the numbers of that state.
    drop(compact);
    run_tasks(&app, ws, 5).await;
    let mut compact = WsClient::connect(&app, Some(Codec::Compact)).await;
    hello(&mut compact).await;
    compact.compact.resume(office_topic, &b);
    compact
        .send(&ClientMessage::Subscribe {
            topic: office_topic,
            resume: Some(at_b),
        })
        .await;
    catch_up(&app, &mut compact, office_topic, &mut b, &mut at_b).await;
    catch_up(&app, &mut msgpack, office_topic, &mut a, &mut at_a).await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn resume_after_a_disconnect_replays_exactly_the_missed_diffs() {
    let app = spawn_app().await;
    let ws = office(&app, true).await;
    let topic = Topic::Tasks(ws);
    let mut client = WsClient::connect(&app, Some(Codec::Json)).await;
    hello(&mut client).await;
    let (mut state, at) = follow_until_current(&app, &mut client, topic).await;
    drop(client);

    let task = app
        .runtime
        .submit(ws, NewTask::default())
        .await
        .unwrap()
        .task
        .id;
    finished(&app, ws, task).await;
    let ServerMessage::Snapshot {
        seq: now,
        state: truth,
        ..
    } = app.runtime.snapshot(topic).await.unwrap()
    else {
        panic!()
    };
    assert!(now > at.seq);

    let mut client = WsClient::connect(&app, Some(Codec::MessagePack)).await;
    hello(&mut client).await;
    client
        .send(&ClientMessage::Subscribe {
            topic,
            resume: Some(at),
        })
        .await;
    for expected in at.seq + 1..=now {
        let ServerMessage::Diff { seq, ops, .. } = client.recv().await else {
            panic!("a replayed diff")
        };
        assert_eq!(seq, expected, "exactly the missed seqs");
        apply(&mut state, &ops).unwrap();
    }
    assert_eq!(state, truth);

    // Far behind (another epoch, or older than the history): a snapshot instead.
    client
        .send(&ClientMessage::Subscribe {
            topic,
            resume: Some(Resume {
                epoch: at.epoch + 7,
                seq: 1,
            }),
        })
        .await;
    assert!(matches!(
        client.recv().await,
        ServerMessage::Snapshot { .. }
    ));
}

#[tokio::test]
async fn private_and_unknown_topics_look_the_same_to_an_anonymous_client() {
    let app = spawn_app().await;
    let private = office(&app, false).await;
    let mut client = WsClient::connect(&app, None).await;
    hello(&mut client).await;
    for topic in [
        Topic::Workspace(private),
        Topic::Workspace(agenthq_protocol::WorkspaceId::new()),
    ] {
        client
            .send(&ClientMessage::Subscribe {
                topic,
                resume: None,
            })
            .await;
        let ServerMessage::Error {
            code, topic: about, ..
        } = client.recv().await
        else {
            panic!("an error")
        };
        assert_eq!((code, about), (ErrorCode::NotFound, Some(topic)));
    }
}

#[tokio::test]
async fn bad_frames_get_errors_then_a_close_and_others_are_not_disturbed() {
    let app = spawn_app().await;
    let ws = office(&app, true).await;
    let mut bystander = WsClient::connect(&app, None).await;
    hello(&mut bystander).await;

    let mut client = WsClient::connect(&app, None).await;
    client
        .send(&ClientMessage::Subscribe {
            topic: Topic::Workspace(ws),
            resume: None,
        })
        .await;
    assert!(
        matches!(
            client.recv().await,
            ServerMessage::Error {
                code: ErrorCode::UnexpectedMessage,
                ..
            }
        ),
        "hello first"
    );
    client.send_raw(Message::Text("{not json".into())).await;
    assert!(matches!(
        client.recv().await,
        ServerMessage::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    client
        .send_raw(Message::Text(r#"{"type":"launch_missiles"}"#.into()))
        .await;
    assert!(matches!(
        client.recv().await,
        ServerMessage::Error {
            code: ErrorCode::Malformed,
            ..
        }
    ));
    assert!(
        matches!(client.next_frame().await, Frame::Closed(Some(1008))),
        "closed after three bad frames"
    );

    let mut big = WsClient::connect(&app, None).await;
    big.send_raw(Message::Text("x".repeat(64 * 1024).into()))
        .await;
    assert!(
        matches!(big.next_frame().await, Frame::Closed(Some(1009))),
        "an oversized frame closes with 1009"
    );

    bystander.send(&ClientMessage::Ping).await;
    assert_eq!(
        bystander.recv().await,
        ServerMessage::Pong,
        "the node keeps serving everyone else"
    );
    follow_until_current(&app, &mut bystander, Topic::Workspace(ws)).await;
}

#[tokio::test]
async fn shutdown_closes_websockets_with_going_away() {
    let (test_app, app) = build_app(|_| {}).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let mut client = WsClient::connect(&test_app, None).await;
    hello(&mut client).await;
    stop.send(()).unwrap();
    assert!(matches!(
        client.next_frame().await,
        Frame::Closed(Some(1001))
    ));
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_silent_client_is_closed_after_the_idle_timeout_even_while_receiving() {
    let test_app = spawn_app_with(|s| s.ws_idle_timeout_secs = 1).await;
    let ws = office(&test_app, true).await;
    let mut client = WsClient::connect(&test_app, None).await;
    hello(&mut client).await;
    client
        .send(&ClientMessage::Subscribe {
            topic: Topic::Workspace(ws),
            resume: None,
        })
        .await;
    let tasks: Vec<NewTask> = (0..50).map(|_| NewTask::default()).collect();
    test_app.runtime.submit_many(ws, tasks).await.unwrap();
    // Diffs keep coming, but the client says nothing: it is closed with 4002.
    let closed = loop {
        match client.next_frame().await {
            Frame::Message(_) => continue,
            Frame::Closed(code) => break code,
        }
    };
    assert_eq!(closed, Some(4002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_closed_and_does_not_hold_up_others() {
    let test_app = spawn_app_with(|s| s.ws_send_timeout_secs = 1).await;
    let ws = office(&test_app, true).await;
    let topic = Topic::Workspace(ws);

    let mut stalled = WsClient::connect_with_small_window(&test_app).await;
    hello(&mut stalled).await;
    stalled
        .send(&ClientMessage::Subscribe {
            topic,
            resume: None,
        })
        .await;
    let mut reader = WsClient::connect(&test_app, Some(Codec::MessagePack)).await;
    hello(&mut reader).await;
    let (mut state, mut at) = follow_until_current(&test_app, &mut reader, topic).await;

    // Megabytes of diffs (tasks with long titles) while `stalled` reads nothing.
    let title = "x".repeat(16 * 1024);
    for _ in 0..20 {
        let tasks: Vec<NewTask> = (0..40)
            .map(|_| NewTask {
                title: title.clone(),
                ..NewTask::default()
            })
            .collect();
        test_app.runtime.submit_many(ws, tasks).await.unwrap();
        // The reader keeps up all along: the stalled client does not delay it.
        tokio::time::timeout(
            Duration::from_secs(5),
            catch_up(&test_app, &mut reader, topic, &mut state, &mut at),
        )
        .await
        .expect("the reading client keeps up");
    }
    // The stalled client's writes time out and the server closes it as a slow consumer
    // (seen in the server's own count of closes; the client, not reading, cannot see it).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let metrics = test_app.get("/metrics").await.text().await.unwrap();
        if metrics.contains("agenthq_ws_closed_total{code=\"4001\"}") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled client was not closed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(stalled);
}

#[tokio::test]
async fn connections_past_the_per_address_limit_are_refused_with_429() {
    let test_app = spawn_app_with(|s| s.ws_max_connections_per_ip = 2).await;
    let url = format!("ws://127.0.0.1:{}/ws", test_app.port);

    let mut first = WsClient::connect(&test_app, None).await;
    let _second = WsClient::connect(&test_app, None).await;
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!(
            "expected a 429 refusal, got {:?}",
            other.map(|_| "a connection")
        ),
    }
    // Other addresses still connect while this one is capped.
    let other = std::net::Ipv4Addr::new(127, 0, 0, 2);
    let mut elsewhere = WsClient::connect_from(&test_app, other)
        .await
        .expect("another address connects");
    elsewhere
        .send(&agenthq_protocol::ClientMessage::Hello { token: None })
        .await;
    assert!(matches!(
        elsewhere.recv().await,
        agenthq_protocol::ServerMessage::Welcome { .. }
    ));
    // A slot comes back when a connection ends.
    first.send_raw(Message::Close(None)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio_tungstenite::connect_async(url.as_str())
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the slot never came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
