//! Workspace ownership across nodes of a cluster (real Redis; PostgreSQL when reachable,
//! always in CI): one owner, told to the others, and failover when it dies.

use std::sync::Arc;
use std::time::Duration;

use agenthq_runtime::cluster::{BridgeConfig, Leases, NodeId, RedisLink};

use crate::cluster::{Node, redis_url};

/// A runtime as one node of a cluster, on a store it shares with the other nodes.
struct ClusterNode {
    rt: agenthq_runtime::Runtime,
    node: NodeId,
    bridge: Node,
}

async fn cluster_node(
    url: &str,
    store: Arc<dyn agenthq_runtime::Store>,
    ttl: Duration,
) -> ClusterNode {
    let bridge = Node::start(url, BridgeConfig::default()).await;
    let node = bridge.bus.node().clone();
    let link = RedisLink::new(url, Duration::from_secs(2)).unwrap();
    let cluster = agenthq_runtime::cluster::Cluster {
        bus: bridge.bus.clone(),
        leases: Leases::new(link, node.clone(), ttl),
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
    use agenthq_runtime::RuntimeError;
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
    b.rt.shutdown().await;
    a.bridge.stop().await;
    b.bridge.stop().await;
}

#[tokio::test]
async fn when_the_owner_dies_another_node_takes_over_and_every_accepted_task_finishes() {
    use agenthq_runtime::RuntimeError;
    let Some(url) = redis_url().await else { return };
    let store = shared_store().await;
    let ttl = Duration::from_secs(2);
    let a = cluster_node(&url, store.store.clone(), ttl).await;
    let b = cluster_node(&url, store.store.clone(), ttl).await;
    let ws = crate::helpers::workspace(&a.rt, 2, 100).await;
    a.rt.create_agent(
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
    let deadline = tokio::time::Instant::now() + ttl + Duration::from_secs(2);
    let taken_over = loop {
        match b.rt.submit(ws, sim_task(100)).await {
            Ok(submitted) => break submitted,
            Err(RuntimeError::NotOwner { node, .. }) => assert_eq!(node, a.node),
            Err(other) => panic!("unexpected {other:?}"),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "taken over within the lease ttl + 2 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
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
    b.rt.shutdown().await;
    a.bridge.stop().await;
    b.bridge.stop().await;
}
