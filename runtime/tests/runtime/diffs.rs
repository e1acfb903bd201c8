//! Live state: diffs rebuild the actor's state exactly; resume replays exactly what was
//! missed, or falls back to a snapshot.

use std::time::Duration;

use agenthq_protocol::{ServerMessage, Topic};
use agenthq_runtime::{NewTask, Opening, RuntimeConfig};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_applying_every_diff_holds_exactly_the_actors_state() {
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, test_config()).await.unwrap();
    let ws = workspace(&rt, 6, 500).await;
    let mut agents = Vec::new();
    for name in ["Ada", "Grace", "Linus", "Barbara", "Ken"] {
        agents.push(agent(&rt, ws, name, "sim", 2).await);
    }
    let mut followers = vec![
        Follower::subscribe(&rt, Topic::Workspace(ws)).await,
        Follower::subscribe(&rt, Topic::Tasks(ws)).await,
        Follower::subscribe(&rt, Topic::AgentActivity(agents[0])).await,
    ];

    let mut rng = SmallRng::seed_from_u64(7);
    let mut ids = Vec::new();
    for round in 0..30 {
        let batch: Vec<NewTask> = (0..10)
            .map(|n| NewTask {
                title: format!("r{round}-{n}"),
                agent: rng.random_bool(0.5).then(|| agents[rng.random_range(0..agents.len())]),
                priority: rng.random_range(-1..3),
                input: serde_json::json!({ "steps": rng.random_range(1..4), "step_ms": rng.random_range(0..3), "fail_rate": 0.2 }),
                max_attempts: Some(2),
                ..NewTask::default()
            })
            .collect();
        for answer in rt.submit_many(ws, batch).await.unwrap() {
            ids.push(answer.unwrap().task.id);
        }
        if rng.random_bool(0.3) {
            let victim = ids[rng.random_range(0..ids.len())];
            let _ = rt.cancel(ws, victim).await;
        }
        // Apply whatever has arrived, as a live client would.
        for f in &mut followers {
            while let Some(d) = f.sub.stream.try_recv() {
                f.apply(d);
            }
        }
        if round == 15 {
            // Compare mid-run too, while tasks are moving.
            compare(&rt, &mut followers).await;
        }
    }
    all_terminal(&rt, ws, &ids, Duration::from_secs(60)).await;
    compare(&rt, &mut followers).await;
    assert!(followers[0].seq > 10, "the workload produced diffs");
    rt.shutdown().await;
}

async fn compare(rt: &agenthq_runtime::Runtime, followers: &mut [Follower]) {
    for f in followers {
        let ServerMessage::Snapshot {
            seq, state, epoch, ..
        } = rt.snapshot(f.topic).await.unwrap()
        else {
            panic!()
        };
        assert_eq!(epoch, f.epoch);
        f.catch_up(seq).await;
        assert_eq!(f.state, state, "topic {} at seq {seq}", f.topic);
    }
}

#[tokio::test]
async fn resume_within_history_replays_exactly_the_missed_diffs_and_beyond_it_sends_a_snapshot() {
    let config = RuntimeConfig {
        history_len: 16,
        ..test_config()
    };
    let TestApp {
        rt, store: _store, ..
    } = spawn_app(Backend::Memory, config).await.unwrap();
    let ws = workspace(&rt, 2, 100).await;
    agent(&rt, ws, "Ada", "sim", 1).await;
    // The tasks topic: every finished task is an event there, so each task makes a diff
    // (on the office topic a task that starts and ends within one tick may cancel out).
    let topic = Topic::Tasks(ws);
    let quick = || NewTask {
        input: serde_json::json!({ "steps": 1, "step_ms": 0 }),
        ..NewTask::default()
    };

    let mut client = Follower::subscribe(&rt, topic).await;
    let t = rt.submit(ws, quick()).await.unwrap().task.id;
    all_terminal(&rt, ws, &[t], Duration::from_secs(5)).await;
    let ServerMessage::Snapshot { seq, .. } = rt.snapshot(topic).await.unwrap() else {
        panic!()
    };
    client.catch_up(seq).await;
    let (saved_seq, saved_state, epoch) = (client.seq, client.state.clone(), client.epoch);
    drop(client); // Disconnect.
    let saved = agenthq_protocol::Resume {
        epoch,
        seq: saved_seq,
    };

    // A little happens while away: fewer diffs than the history holds.
    let t = rt.submit(ws, quick()).await.unwrap().task.id;
    all_terminal(&rt, ws, &[t], Duration::from_secs(5)).await;
    let ServerMessage::Snapshot {
        seq: now,
        state: truth,
        ..
    } = rt.snapshot(topic).await.unwrap()
    else {
        panic!()
    };
    assert!(
        now > saved_seq && now - saved_seq < 16,
        "{saved_seq} -> {now}"
    );

    let resumed = rt.subscribe(topic, Some(saved)).await.unwrap();
    let Opening::Replay(missed) = resumed.opening else {
        panic!("expected a replay")
    };
    let seqs: Vec<u64> = missed.iter().map(|p| p.seq).collect();
    assert_eq!(
        seqs,
        ((saved_seq + 1)..=now).collect::<Vec<_>>(),
        "exactly the missed seqs"
    );
    let mut state = saved_state.clone();
    for p in &missed {
        let ServerMessage::Diff { ops, .. } = &p.message else {
            panic!()
        };
        agenthq_protocol::diff::apply(&mut state, ops).unwrap();
    }
    assert_eq!(state, truth);

    // Much happens while away: more diffs than the history holds.
    for _ in 0..20 {
        let t = rt.submit(ws, quick()).await.unwrap().task.id;
        all_terminal(&rt, ws, &[t], Duration::from_secs(5)).await;
        rt.snapshot(topic).await.unwrap(); // Publishes each change as its own diff.
    }
    let resumed = rt.subscribe(topic, Some(saved)).await.unwrap();
    assert!(
        matches!(resumed.opening, Opening::Snapshot(_)),
        "beyond the ring: a snapshot"
    );
    let stale_epoch = rt
        .subscribe(
            topic,
            Some(agenthq_protocol::Resume {
                epoch: epoch + 9,
                seq: 1,
            }),
        )
        .await
        .unwrap();
    assert!(
        matches!(stale_epoch.opening, Opening::Snapshot(_)),
        "another epoch: a snapshot"
    );
    rt.shutdown().await;
}
