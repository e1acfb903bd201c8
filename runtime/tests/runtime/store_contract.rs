//! One contract, every store: memory, SQLite and PostgreSQL behave the same.

use agenthq_protocol::{AgentId, TaskId, TaskStatus, Tier, WorkspaceId};
use agenthq_runtime::store::{
    AgentRecord, ExecutorConfig, InsertOutcome, UsageDelta, WorkspaceRecord, WriteBatch,
};
use agenthq_runtime::{Store, TaskFilter, TaskRecord};

use crate::helpers::*;

fn task(ws: WorkspaceId, key: Option<&str>) -> TaskRecord {
    TaskRecord {
        id: TaskId::new(),
        workspace: ws,
        agent: None,
        assigned: None,
        title: "write the report".into(),
        input: serde_json::json!({ "pages": 3 }),
        priority: 1,
        status: TaskStatus::Queued,
        attempts: 0,
        max_attempts: 3,
        backoff_ms: 500,
        timeout_ms: 60_000,
        idempotency_key: key.map(str::to_owned),
        result: None,
        error: None,
        created_at: 1,
        updated_at: 1,
        run_after: None,
    }
}

async fn contract(store: &dyn Store) {
    let ws = WorkspaceRecord {
        id: WorkspaceId::new(),
        name: "Generic Corp".into(),
        tier: Tier::Starter,
        max_running: 4,
        max_queued: 100,
        epoch: 0,
        public: true,
        created_at: 1,
    };
    let other = WorkspaceRecord {
        id: WorkspaceId::new(),
        name: "Other".into(),
        public: false,
        ..ws.clone()
    };
    store.create_workspace(&ws).await.unwrap();
    store.create_workspace(&other).await.unwrap();
    assert_eq!(store.workspace(ws.id).await.unwrap(), Some(ws.clone()));
    assert_eq!(
        store.workspace(other.id).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(store.bump_epoch(ws.id).await.unwrap(), 1);
    assert_eq!(store.bump_epoch(ws.id).await.unwrap(), 2);
    assert!(store.bump_epoch(WorkspaceId::new()).await.is_err());

    let agent = AgentRecord {
        id: AgentId::new(),
        workspace: ws.id,
        name: "Ada".into(),
        personality: "precise".into(),
        executor: ExecutorConfig {
            kind: "sim".into(),
            params: serde_json::json!({ "steps": 2 }),
        },
        max_concurrent: 2,
        desk: 0,
        created_at: 1,
    };
    store.put_agent(&agent).await.unwrap();
    store
        .put_agent(&AgentRecord {
            name: "Ada L.".into(),
            ..agent.clone()
        })
        .await
        .unwrap();
    assert_eq!(store.agents(ws.id).await.unwrap()[0].name, "Ada L.");
    assert!(store.agents(other.id).await.unwrap().is_empty());
    assert!(
        !store.delete_agent(other.id, agent.id).await.unwrap(),
        "scoped to the workspace"
    );

    // Inserts with an idempotency key: the second one finds the first.
    let a = task(ws.id, Some("k1"));
    let b = task(ws.id, Some("k1"));
    let c = task(other.id, Some("k1"));
    let outcomes = store
        .write(&WriteBatch {
            inserts: vec![a.clone(), b, c.clone()],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(outcomes[0], InsertOutcome::Inserted);
    assert_eq!(outcomes[1], InsertOutcome::Duplicate(Box::new(a.clone())));
    assert_eq!(
        outcomes[2],
        InsertOutcome::Inserted,
        "keys are per workspace"
    );

    // Whole-row updates, usage that adds up.
    let running = TaskRecord {
        status: TaskStatus::Running,
        attempts: 1,
        assigned: Some(agent.id),
        ..a.clone()
    };
    let delta = UsageDelta {
        agent_ms: 10,
        succeeded: 1,
        ..UsageDelta::default()
    };
    let day = 20_000;
    store
        .write(&WriteBatch {
            updates: vec![running.clone().into()],
            usage: vec![(ws.id, day, delta)],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    store
        .write(&WriteBatch {
            usage: vec![(ws.id, day, delta)],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.task(ws.id, a.id).await.unwrap(),
        Some(running.clone())
    );
    assert_eq!(
        store.task(other.id, a.id).await.unwrap(),
        None,
        "another tenant's task is not found"
    );
    let usage = store.usage(ws.id).await.unwrap();
    assert_eq!(
        (
            usage.len(),
            usage[0].usage.agent_ms,
            usage[0].usage.succeeded
        ),
        (1, 20, 2)
    );

    // Recovery: running goes back to queued; on its last attempt it is dead.
    let last = TaskRecord {
        status: TaskStatus::Running,
        attempts: 3,
        ..task(ws.id, None)
    };
    store
        .write(&WriteBatch {
            inserts: vec![last.clone()],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    let live = store.recover_tasks(ws.id).await.unwrap();
    assert_eq!(
        live.iter().map(|t| (t.id, t.status)).collect::<Vec<_>>(),
        [(a.id, TaskStatus::Queued)]
    );
    assert_eq!(
        store.task(ws.id, last.id).await.unwrap().unwrap().status,
        TaskStatus::Dead
    );

    // Listing: newest first, filters, cursor.
    let more: Vec<TaskRecord> = (0..5).map(|_| task(ws.id, None)).collect();
    store
        .write(&WriteBatch {
            inserts: more.clone(),
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    let page = store
        .tasks(
            ws.id,
            &TaskFilter {
                limit: 3,
                ..TaskFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|t| t.id).collect::<Vec<_>>(),
        [more[4].id, more[3].id, more[2].id]
    );
    let next = store
        .tasks(
            ws.id,
            &TaskFilter {
                limit: 3,
                before: Some(page[2].id),
                ..TaskFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|t| t.id).collect::<Vec<_>>(),
        [more[1].id, more[0].id, last.id]
    );
    let dead = store
        .tasks(
            ws.id,
            &TaskFilter {
                limit: 10,
                status: Some(TaskStatus::Dead),
                ..TaskFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    let by_agent = store
        .tasks(
            ws.id,
            &TaskFilter {
                limit: 10,
                agent: Some(agent.id),
                ..TaskFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_agent.iter().map(|t| t.id).collect::<Vec<_>>(), [a.id]);
    assert!(store.delete_agent(ws.id, agent.id).await.unwrap());
}

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    contract(&*TestStore::new(Backend::Memory).await.unwrap().store).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_contract() {
    contract(&*TestStore::new(Backend::Sqlite).await.unwrap().store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_contract() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    contract(&*store.store).await;
}
