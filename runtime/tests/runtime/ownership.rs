//! Workspace ownership across nodes of a cluster (real Redis; PostgreSQL when reachable,
//! always in CI): one owner, told to the others, and failover when it dies.

use std::sync::Arc;
use std::time::Duration;

use agenthq_runtime::cluster::{BridgeConfig, Leases, NodeId, RedisLink};

use agenthq_protocol::Topic;
use agenthq_runtime::{Delivery, RuntimeError};

use crate::cluster::{Node, redis_url};
use crate::helpers::Follower;
use crate::redis_fixtures::{OwnRedis, Proxy};

/// A runtime as one node of a cluster, on a store it shares with the other nodes.
struct ClusterNode {
    rt: agenthq_runtime::Runtime,
    node: NodeId,
    bridge: Node,
}

impl ClusterNode {
    /// Shuts the runtime down, then the node's bridge.
    async fn stop(self) {
        self.rt.shutdown().await;
        self.bridge.stop().await;
    }
}

async fn cluster_node(
    url: &str,
    store: Arc<dyn agenthq_runtime::Store>,
    ttl: Duration,
) -> ClusterNode {
    cluster_node_with(url, store, ttl, BridgeConfig::default(), false).await
}

async fn cluster_node_with(
    url: &str,
    store: Arc<dyn agenthq_runtime::Store>,
    ttl: Duration,
    config: BridgeConfig,
    rebalance: bool,
) -> ClusterNode {
    let bridge = Node::start(url, config).await;
    let node = bridge.bus.node().clone();
    let link = RedisLink::new(url, Duration::from_secs(2)).unwrap();
    let cluster = agenthq_runtime::cluster::Cluster {
        bus: bridge.bus.clone(),
        leases: Leases::new(link, node.clone(), ttl),
        rebalance,
    };
    let gauge = Arc::new(crate::helpers::Gauge::default());
    let rt = agenthq_runtime::Runtime::start_in_cluster(
        crate::helpers::test_config(),
        store,
        cluster,
        crate::helpers::registry(&gauge),
    )
    .await
    .unwrap();
    ClusterNode { rt, node, bridge }
}

/// The shared store: PostgreSQL when it is reachable (always in CI), else one in memory.
async fn shared_store() -> crate::helpers::TestStore {
    use crate::helpers::{Backend, TestStore};
    match TestStore::new(Backend::Postgres).await {
        Some(store) => store,
        None => TestStore::new(Backend::Memory).await.unwrap(),
    }
}

fn sim_task(n: usize) -> agenthq_runtime::NewTask {
    agenthq_runtime::NewTask {
        title: format!("task {n}"),
        idempotency_key: Some(format!("key-{n}")),
        ..agenthq_runtime::NewTask::default()
    }
}

#[tokio::test]
async fn a_workspace_belongs_to_the_node_that_takes_it_and_the_others_are_told_who() {
    let Some(url) = redis_url().await else { return };
    let store = shared_store().await;
    let a = cluster_node(&url, store.store.clone(), Duration::from_secs(10)).await;
    let b = cluster_node(&url, store.store.clone(), Duration::from_secs(10)).await;
    let ws = crate::helpers::workspace(&a.rt, 4, 100).await;
    crate::helpers::agent(&a.rt, ws, "Sable", "sim", 2).await;

    let on_owner = a.rt.submit(ws, sim_task(1)).await.unwrap();
    assert!(on_owner.created);
    match b.rt.submit(ws, sim_task(2)).await {
        Err(RuntimeError::NotOwner { workspace, node }) => {
            assert_eq!((workspace, &node), (ws, &a.node));
        }
        other => panic!("the other node is told who owns it, got {other:?}"),
    }
    // The owner's epoch is its lease's fence or above.
    assert!(a.rt.stats(ws).await.unwrap().epoch >= 1);
    a.rt.shutdown().await;
    // Given back at shutdown: the other node takes it at once, with a higher epoch.
    let before = store.store.workspace(ws).await.unwrap().unwrap().epoch;
    b.rt.submit(ws, sim_task(3)).await.unwrap();
    assert!(b.rt.stats(ws).await.unwrap().epoch > before);
    b.stop().await;
    a.bridge.stop().await; // Its runtime is gone already.
}

#[tokio::test]
async fn when_the_owner_dies_another_node_takes_over_and_every_accepted_task_finishes() {
    let Some(url) = redis_url().await else { return };
    let store = shared_store().await;
    let ttl = Duration::from_secs(2);
    let a = cluster_node(&url, store.store.clone(), ttl).await;
    let b = cluster_node(&url, store.store.clone(), ttl).await;
    let ws = crate::helpers::workspace(&a.rt, 2, 100).await;
    slow_sim_agent(&a.rt, ws).await;
    let mut accepted = Vec::new();
    for n in 0..12 {
        accepted.push(a.rt.submit(ws, sim_task(n)).await.unwrap().task.id);
    }
    crate::helpers::eventually(
        Duration::from_secs(10),
        "a task running on the owner",
        || async { a.rt.stats(ws).await.is_ok_and(|s| s.running > 0) },
    )
    .await;
    let old_epoch = a.rt.stats(ws).await.unwrap().epoch;
    a.rt.kill().await; // No lease given back, nothing more written.

    // Node B is told A owns it until the lease lapses, then takes it over.
    let taken_over = submit_until_taken_over(&b, &a.node, ws, ttl + Duration::from_secs(2)).await;
    accepted.push(taken_over.task.id);
    assert!(b.rt.stats(ws).await.unwrap().epoch > old_epoch);
    // Every accepted task ends: those running on A were re-queued (attempt + 1).
    crate::helpers::all_terminal(&b.rt, ws, &accepted, Duration::from_secs(30)).await;
    let filter = agenthq_runtime::TaskFilter {
        limit: u32::MAX,
        ..agenthq_runtime::TaskFilter::default()
    };
    let tasks = b.rt.tasks(ws, &filter).await.unwrap();
    assert_eq!(tasks.len(), accepted.len(), "no task lost, none doubled");
    assert!(
        tasks
            .iter()
            .all(|t| t.status == agenthq_protocol::TaskStatus::Succeeded)
    );
    assert!(
        tasks.iter().any(|t| t.attempts > 1),
        "a task A was running ran again on B"
    );
    b.stop().await;
    a.bridge.stop().await; // Its runtime is gone already.
}

/// Submits on `to` until it owns the workspace (told `NotOwner(from)` until then), which
/// must happen `within`.
async fn submit_until_taken_over(
    to: &ClusterNode,
    from: &NodeId,
    ws: agenthq_protocol::WorkspaceId,
    within: Duration,
) -> agenthq_runtime::Submitted {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match to.rt.submit(ws, sim_task(100)).await {
            Ok(submitted) => return submitted,
            Err(RuntimeError::NotOwner { node, .. }) => assert_eq!(&node, from),
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "taken over within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A bridge that notices a lost or returned Redis within a second.
fn fast_bridge() -> BridgeConfig {
    BridgeConfig {
        probe_every: Duration::from_millis(100),
        probe_timeout: Duration::from_millis(500),
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        ..BridgeConfig::default()
    }
}

async fn slow_sim_agent(rt: &agenthq_runtime::Runtime, ws: agenthq_protocol::WorkspaceId) {
    rt.create_agent(
        ws,
        agenthq_runtime::NewAgent {
            name: "Sable".into(),
            executor: agenthq_runtime::ExecutorConfig {
                kind: "sim".into(),
                params: serde_json::json!({ "steps": 4, "step_ms": 50 }),
            },
            max_concurrent: 2,
            ..agenthq_runtime::NewAgent::default()
        },
    )
    .await
    .unwrap();
}

/// Reads a subscription until it is told to resync, checking every diff before that
/// follows the last; fails if no resync comes within 10 s.
async fn until_resync(follower: &mut Follower) {
    loop {
        let delivery = tokio::time::timeout(Duration::from_secs(10), follower.sub.stream.recv())
            .await
            .expect("a resync within 10 s");
        match delivery {
            Some(Delivery::Publication(p)) => follower.apply(Delivery::Publication(p)),
            Some(Delivery::Lagged) | None => return,
        }
    }
}

/// Catches the follower up with the owner and checks that its copy, built from what it
/// was delivered, is the owner's state at that seq.
async fn matches_owner(follower: &mut Follower, owner: &agenthq_runtime::Runtime) {
    let agenthq_protocol::ServerMessage::Snapshot {
        epoch, seq, state, ..
    } = owner.snapshot(follower.topic).await.unwrap()
    else {
        panic!("a snapshot")
    };
    follower.catch_up(seq).await;
    assert_eq!((follower.epoch, follower.seq), (epoch, seq));
    assert_eq!(follower.state, state, "the copy is the owner's state");
}

#[tokio::test]
async fn a_node_cut_off_from_redis_stops_writing_a_workspace_another_node_took_over() {
    let Some(url) = redis_url().await else { return };
    let proxy = Proxy::start(&url).await;
    let store = shared_store().await;
    let ttl = Duration::from_secs(2);
    let a = cluster_node(&proxy.url(), store.store.clone(), ttl).await;
    let b = cluster_node(&url, store.store.clone(), ttl).await;
    let ws = crate::helpers::workspace(&a.rt, 2, 100).await;
    slow_sim_agent(&a.rt, ws).await;
    let mut accepted = Vec::new();
    for n in 0..4 {
        accepted.push(a.rt.submit(ws, sim_task(n)).await.unwrap().task.id);
    }
    let old_epoch = a.rt.stats(ws).await.unwrap().epoch;
    let mut watcher = Follower::subscribe(&a.rt, Topic::Workspace(ws)).await;

    // A loses Redis. It cannot renew its lease, and keeps serving what it owns.
    proxy.cut();
    accepted.push(a.rt.submit(ws, sim_task(10)).await.unwrap().task.id);

    // B still reaches Redis: once A's lease lapses there, B takes the workspace over.
    let taken_over = submit_until_taken_over(&b, &a.node, ws, ttl + Duration::from_secs(3)).await;
    accepted.push(taken_over.task.id);
    assert!(b.rt.stats(ws).await.unwrap().epoch > old_epoch);

    // From then on the store refuses A's writes, and A stops the workspace: its watcher
    // is told to resync, and nothing A accepts lands.
    let refused = a.rt.submit(ws, sim_task(200)).await;
    assert!(
        refused.is_err(),
        "a replaced owner accepted a task: {refused:?}"
    );
    assert_eq!(store.store.task_by_key(ws, "key-200").await.unwrap(), None);
    crate::helpers::eventually(Duration::from_secs(10), "A stops the workspace", || async {
        a.rt.stats(ws).await.is_err()
    })
    .await;
    until_resync(&mut watcher).await;

    // Every task accepted on either node ends, on B, exactly once.
    crate::helpers::all_terminal(&b.rt, ws, &accepted, Duration::from_secs(30)).await;
    let filter = agenthq_runtime::TaskFilter {
        limit: u32::MAX,
        ..agenthq_runtime::TaskFilter::default()
    };
    let tasks = b.rt.tasks(ws, &filter).await.unwrap();
    assert_eq!(tasks.len(), accepted.len(), "no task lost, none doubled");
    assert!(
        tasks
            .iter()
            .all(|t| t.status == agenthq_protocol::TaskStatus::Succeeded)
    );

    // A back on Redis is told who owns the workspace now.
    proxy.heal();
    crate::helpers::eventually(Duration::from_secs(10), "A is told B owns it", || async {
        matches!(a.rt.submit(ws, sim_task(300)).await,
            Err(RuntimeError::NotOwner { node, .. }) if node == b.node)
    })
    .await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn through_a_redis_outage_the_owner_keeps_serving_and_keeps_its_workspace() {
    let Some(mut redis) = OwnRedis::start().await else {
        return;
    };
    let store = shared_store().await;
    let ttl = Duration::from_secs(2);
    let a = cluster_node_with(&redis.url(), store.store.clone(), ttl, fast_bridge(), false).await;
    let b = cluster_node_with(&redis.url(), store.store.clone(), ttl, fast_bridge(), false).await;
    let ws = crate::helpers::workspace(&a.rt, 2, 100).await;
    let topic = Topic::Workspace(ws);
    crate::helpers::agent(&a.rt, ws, "Sable", "sim", 2).await;
    let first = a.rt.submit(ws, sim_task(0)).await.unwrap().task.id;
    crate::helpers::all_terminal(&a.rt, ws, &[first], Duration::from_secs(10)).await;
    let epoch = a.rt.stats(ws).await.unwrap().epoch;
    let mut here = Follower::subscribe(&a.rt, topic).await;
    let mut there = Follower::subscribe(&b.rt, topic).await;
    assert_eq!((here.epoch, there.epoch), (epoch, epoch));

    // Redis goes away for longer than a lease lives. The owner accepts and runs tasks all
    // along, and its own watcher follows every diff, in order.
    redis.kill();
    let until = tokio::time::Instant::now() + ttl * 2;
    let mut n = 1;
    while tokio::time::Instant::now() < until {
        let id = a.rt.submit(ws, sim_task(n)).await.unwrap().task.id;
        crate::helpers::all_terminal(&a.rt, ws, &[id], Duration::from_secs(10)).await;
        n += 1;
    }
    matches_owner(&mut here, &a.rt).await;
    assert_eq!(here.epoch, epoch);

    // Redis is back, empty. The other node's watcher missed diffs: it is told to resync
    // (its earlier diffs all in order). The owner takes its lease back under the same
    // fence: the same epoch, nothing restarted, and the other node is told who owns it.
    redis.spawn().await.unwrap();
    until_resync(&mut there).await;
    let observer = Leases::new(
        RedisLink::new(&redis.url(), Duration::from_secs(2)).unwrap(),
        NodeId::from("observer"),
        ttl,
    );
    crate::helpers::eventually(Duration::from_secs(10), "A reclaims its lease", || async {
        observer
            .holder(ws)
            .await
            .ok()
            .flatten()
            .is_some_and(|h| h.node == a.node && h.fence == epoch)
    })
    .await;
    assert_eq!(a.rt.stats(ws).await.unwrap().epoch, epoch);
    let on_b = b.rt.submit(ws, sim_task(1000)).await;
    assert!(
        matches!(&on_b, Err(RuntimeError::NotOwner { node, .. }) if node == &a.node),
        "{on_b:?}"
    );

    // The other node's watcher subscribes again and follows the owner's diffs.
    crate::helpers::eventually(Duration::from_secs(10), "B can subscribe again", || async {
        b.rt.subscribe(topic, None).await.is_ok()
    })
    .await;
    let mut again = Follower::subscribe(&b.rt, topic).await;
    let last = a.rt.submit(ws, sim_task(n)).await.unwrap().task.id;
    crate::helpers::all_terminal(&a.rt, ws, &[last], Duration::from_secs(10)).await;
    matches_owner(&mut again, &a.rt).await;
    assert_eq!(again.epoch, epoch);

    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_watched_workspace_whose_owner_died_is_taken_over_with_no_command_sent() {
    let Some(url) = redis_url().await else { return };
    let store = shared_store().await;
    let ttl = Duration::from_secs(2);
    let a = cluster_node(&url, store.store.clone(), ttl).await;
    let b = cluster_node(&url, store.store.clone(), ttl).await;
    let ws = crate::helpers::workspace(&a.rt, 2, 100).await;
    let topic = Topic::Workspace(ws);
    crate::helpers::agent(&a.rt, ws, "Sable", "sim", 2).await;
    let queued = a.rt.submit(ws, sim_task(0)).await.unwrap().task.id;
    let old_epoch = a.rt.stats(ws).await.unwrap().epoch;
    let mut watcher = Follower::subscribe(&b.rt, topic).await;

    // The owner dies; nobody sends a command. B finds the watched workspace without an
    // owner once the lease lapses, and takes it: the watcher is told to resync, and its
    // new subscription follows B under a higher epoch.
    a.rt.kill().await;
    // A watcher subscribing meanwhile is not turned away while the dead owner's lease
    // runs out: its subscription waits, and opens on the new owner.
    let fresh = Follower::subscribe(&b.rt, topic).await;
    assert!(fresh.epoch > old_epoch);
    until_resync(&mut watcher).await;
    crate::helpers::eventually(Duration::from_secs(10), "B owns the workspace", || async {
        b.rt.stats(ws).await.is_ok_and(|s| s.epoch > old_epoch)
    })
    .await;
    let mut again = Follower::subscribe(&b.rt, topic).await;
    assert!(again.epoch > old_epoch);
    crate::helpers::all_terminal(&b.rt, ws, &[queued], Duration::from_secs(10)).await;
    matches_owner(&mut again, &b.rt).await;
    b.stop().await;
    a.bridge.stop().await; // Its runtime is gone already.
}

#[tokio::test]
async fn a_node_that_joins_takes_its_share_of_the_workspaces_and_their_watchers_follow() {
    // Its own Redis: rebalancing nodes count every node that reports in the same Redis.
    let Some(redis) = OwnRedis::start().await else {
        return;
    };
    let store = shared_store().await;
    let ttl = Duration::from_secs(2);
    let url = redis.url();
    let a = cluster_node_with(&url, store.store.clone(), ttl, fast_bridge(), true).await;
    let mut watchers = Vec::new();
    for n in 0..4 {
        let ws = crate::helpers::workspace(&a.rt, 2, 100).await;
        crate::helpers::agent(&a.rt, ws, "Sable", "sim", 2).await;
        a.rt.submit(ws, sim_task(n)).await.unwrap();
        watchers.push((ws, Follower::subscribe(&a.rt, Topic::Workspace(ws)).await));
    }
    assert_eq!(a.rt.owned_workspaces().len(), 4);

    // B joins: A hands it workspaces, one per period, until neither owns two more.
    let b = cluster_node_with(&url, store.store.clone(), ttl, fast_bridge(), true).await;
    crate::helpers::eventually(Duration::from_secs(20), "two workspaces each", || async {
        (a.rt.owned_workspaces().len(), b.rt.owned_workspaces().len()) == (2, 2)
    })
    .await;

    // Each workspace runs on its owner, the other node is told who that is, and A's
    // watchers of the moved ones resync and then follow B's state.
    for (ws, mut watcher) in watchers {
        let (owner, other) = if b.rt.owned_workspaces().contains(&ws) {
            (&b, &a)
        } else {
            (&a, &b)
        };
        let id = owner.rt.submit(ws, sim_task(100)).await.unwrap().task.id;
        crate::helpers::all_terminal(&owner.rt, ws, &[id], Duration::from_secs(10)).await;
        let told = other.rt.submit(ws, sim_task(101)).await;
        assert!(
            matches!(&told, Err(RuntimeError::NotOwner { node, .. }) if node == &owner.node),
            "{told:?}"
        );
        if std::ptr::eq(owner, &b) {
            until_resync(&mut watcher).await;
            let mut again = Follower::subscribe(&a.rt, Topic::Workspace(ws)).await;
            matches_owner(&mut again, &b.rt).await;
        } else {
            matches_owner(&mut watcher, &a.rt).await;
        }
    }
    // Balanced, it stays put: nothing moves over the next few periods.
    tokio::time::sleep(ttl * 2).await;
    assert_eq!(
        (a.rt.owned_workspaces().len(), b.rt.owned_workspaces().len()),
        (2, 2)
    );
    a.stop().await;
    b.stop().await;
}
