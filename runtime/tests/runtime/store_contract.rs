//! One contract, every store: memory, SQLite and PostgreSQL behave the same.

use std::sync::Arc;

use agenthq_protocol::{AgentId, ApiKeyId, TaskId, TaskStatus, Tier, UserId, WorkspaceId};
use agenthq_runtime::StoreError;
use agenthq_runtime::store::{
    AgentRecord, ApiKeyRecord, ExecutorConfig, InsertOutcome, Membership, RefreshTokenRecord, Role,
    UsageDelta, UserRecord, WorkspaceRecord, WriteBatch,
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
    assert_eq!(store.bump_epoch(ws.id, 0).await.unwrap(), 1);
    assert_eq!(store.bump_epoch(ws.id, 0).await.unwrap(), 2);
    // A lease fence above the stored epoch lifts it there; one below does not lower it.
    assert_eq!(store.bump_epoch(ws.id, 40).await.unwrap(), 40);
    assert_eq!(store.bump_epoch(ws.id, 7).await.unwrap(), 41);
    assert!(store.bump_epoch(WorkspaceId::new(), 0).await.is_err());

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
    let found = store
        .agent(agent.id)
        .await
        .unwrap()
        .expect("found by id alone");
    assert_eq!((found.workspace, found.name.as_str()), (ws.id, "Ada L."));
    assert!(store.agent(AgentId::new()).await.unwrap().is_none());
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
    assert_eq!(
        store.task_by_key(ws.id, "k1").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store.task_by_key(other.id, "k1").await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(store.task_by_key(ws.id, "k2").await.unwrap(), None);

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
        tokens_in: 1_000,
        tokens_out: 3_000_000_000, // Past 32 bits: the columns are 64-bit.
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
    let elsewhere = AgentId::new();
    store
        .write(&WriteBatch {
            usage: vec![(ws.id, day, delta)],
            agent_usage: vec![
                (ws.id, agent.id, day, delta),
                (ws.id, agent.id, day + 1, delta),
                (other.id, elsewhere, day, delta),
            ],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    store
        .write(&WriteBatch {
            agent_usage: vec![(ws.id, agent.id, day, delta)],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    let per_agent = store.agent_usage(ws.id).await.unwrap();
    let seen: Vec<(AgentId, i64, u64, u64)> = per_agent
        .iter()
        .map(|r| (r.agent, r.day, r.usage.agent_ms, r.usage.tokens_out))
        .collect();
    assert_eq!(
        seen,
        [
            (agent.id, day, 20, 6_000_000_000),
            (agent.id, day + 1, 10, 3_000_000_000)
        ],
        "per agent and day, adding up, this workspace's only"
    );
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
            usage[0].usage.succeeded,
            usage[0].usage.tokens_in,
            usage[0].usage.tokens_out,
        ),
        (1, 20, 2, 2_000, 6_000_000_000)
    );

    // Recovery: running (or waiting for an approval) goes back to queued; on its last
    // attempt it is dead.
    let last = TaskRecord {
        status: TaskStatus::Running,
        attempts: 3,
        ..task(ws.id, None)
    };
    let waiting = TaskRecord {
        status: TaskStatus::AwaitingApproval,
        attempts: 1,
        ..task(ws.id, None)
    };
    store
        .write(&WriteBatch {
            inserts: vec![last.clone(), waiting.clone()],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store.task(ws.id, waiting.id).await.unwrap().unwrap().status,
        TaskStatus::AwaitingApproval,
        "stored as such"
    );
    let live = store.recover_tasks(ws.id).await.unwrap();
    assert_eq!(
        live.iter().map(|t| (t.id, t.status)).collect::<Vec<_>>(),
        [(a.id, TaskStatus::Queued), (waiting.id, TaskStatus::Queued)]
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
        [more[1].id, more[0].id, waiting.id]
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

    // The epoch fence: a batch with writes made under an epoch the workspace has moved
    // past (a newer owner loaded it) is refused whole, naming the workspace.
    let epoch = store.workspace(ws.id).await.unwrap().unwrap().epoch;
    let other_epoch = store.workspace(other.id).await.unwrap().unwrap().epoch;
    let stale = task(ws.id, None);
    let fresh = task(other.id, None);
    let refused = store
        .write(&WriteBatch {
            inserts: vec![fresh.clone(), stale.clone()],
            epochs: vec![(other.id, other_epoch), (ws.id, epoch - 1)],
            ..WriteBatch::default()
        })
        .await;
    assert!(
        matches!(&refused, Err(StoreError::FencedOff(ids)) if ids == &[ws.id]),
        "{refused:?}"
    );
    assert_eq!(store.task(ws.id, stale.id).await.unwrap(), None);
    assert_eq!(
        store.task(other.id, fresh.id).await.unwrap(),
        None,
        "nothing of a refused batch is written"
    );
    store
        .write(&WriteBatch {
            inserts: vec![fresh.clone(), stale.clone()],
            epochs: vec![(other.id, other_epoch), (ws.id, epoch)],
            ..WriteBatch::default()
        })
        .await
        .unwrap();
    assert!(store.task(ws.id, stale.id).await.unwrap().is_some());
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

async fn accounts_contract(store: &dyn Store) {
    let ws = WorkspaceId::new();
    let other_ws = WorkspaceId::new();
    let ada = UserRecord {
        id: UserId::new(),
        email: "ada@example.com".into(),
        password_hash: "$argon2id$fake".into(),
        created_at: 1,
        operator: false,
    };
    let bob = UserRecord {
        id: UserId::new(),
        email: "bob@example.com".into(),
        created_at: 2,
        ..ada.clone()
    };
    store.create_user(&ada).await.unwrap();
    store.create_user(&bob).await.unwrap();
    let twin = UserRecord {
        id: UserId::new(),
        ..ada.clone()
    };
    assert!(matches!(
        store.create_user(&twin).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.user(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(
        store.user_by_email("bob@example.com").await.unwrap(),
        Some(bob.clone())
    );
    assert_eq!(store.user_by_email("eve@example.com").await.unwrap(), None);
    assert!(store.set_operator(bob.id, true).await.unwrap());
    assert!(store.user(bob.id).await.unwrap().unwrap().operator);
    assert!(!store.user(ada.id).await.unwrap().unwrap().operator);
    assert!(store.set_operator(bob.id, false).await.unwrap());
    assert!(!store.user(bob.id).await.unwrap().unwrap().operator);
    assert!(!store.set_operator(UserId::new(), true).await.unwrap());

    let owner = Membership {
        workspace: ws,
        user: ada.id,
        role: Role::Owner,
        created_at: 10,
    };
    let viewer = Membership {
        workspace: ws,
        user: bob.id,
        role: Role::Viewer,
        created_at: 11,
    };
    store.put_membership(&owner).await.unwrap();
    store.put_membership(&viewer).await.unwrap();
    store
        .put_membership(&Membership {
            workspace: other_ws,
            user: bob.id,
            role: Role::Owner,
            created_at: 12,
        })
        .await
        .unwrap();
    // A second put changes the role and keeps the join time.
    store
        .put_membership(&Membership {
            role: Role::Member,
            created_at: 99,
            ..viewer.clone()
        })
        .await
        .unwrap();
    let members = store.members(ws).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.email.as_str(), m.membership.role, m.membership.created_at))
            .collect::<Vec<_>>(),
        [
            ("ada@example.com", Role::Owner, 10),
            ("bob@example.com", Role::Member, 11)
        ]
    );
    assert_eq!(
        store.membership(ws, bob.id).await.unwrap().map(|m| m.role),
        Some(Role::Member)
    );
    assert_eq!(
        store
            .memberships(bob.id)
            .await
            .unwrap()
            .iter()
            .map(|m| m.workspace)
            .collect::<Vec<_>>(),
        [ws, other_ws]
    );
    assert!(store.delete_membership(ws, bob.id).await.unwrap());
    assert!(!store.delete_membership(ws, bob.id).await.unwrap());
    assert_eq!(store.membership(ws, bob.id).await.unwrap(), None);

    let key = ApiKeyRecord {
        id: ApiKeyId::new(),
        workspace: ws,
        name: "ci".into(),
        role: Role::Member,
        digest: vec![7; 32],
        created_by: Some(ada.id),
        created_at: 20,
        revoked_at: None,
    };
    store.create_api_key(&key).await.unwrap();
    assert_eq!(store.api_key(key.id).await.unwrap(), Some(key.clone()));
    assert_eq!(
        store.api_keys(ws).await.unwrap(),
        std::slice::from_ref(&key)
    );
    assert!(store.api_keys(other_ws).await.unwrap().is_empty());
    // Revoking through another workspace does nothing.
    assert!(!store.revoke_api_key(other_ws, key.id, 30).await.unwrap());
    assert!(store.revoke_api_key(ws, key.id, 30).await.unwrap());
    assert!(store.revoke_api_key(ws, key.id, 40).await.unwrap());
    assert_eq!(
        store.api_key(key.id).await.unwrap().unwrap().revoked_at,
        Some(30),
        "the first revocation time stays"
    );

    let token = RefreshTokenRecord {
        digest: vec![1, 2, 3],
        user: ada.id,
        expires_at: 1_000,
    };
    store.put_refresh_token(&token).await.unwrap();
    assert_eq!(
        store.take_refresh_token(&[1, 2, 3]).await.unwrap(),
        Some(token)
    );
    assert_eq!(
        store.take_refresh_token(&[1, 2, 3]).await.unwrap(),
        None,
        "a refresh token works once"
    );
}

#[tokio::test]
async fn memory_store_keeps_the_accounts_contract() {
    accounts_contract(&*TestStore::new(Backend::Memory).await.unwrap().store).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_accounts_contract() {
    accounts_contract(&*TestStore::new(Backend::Sqlite).await.unwrap().store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_accounts_contract() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    accounts_contract(&*store.store).await;
}

async fn talk_contract(store: &dyn Store) {
    use agenthq_protocol::{ApprovalId, Decision, MessageId, TaskId};
    use agenthq_runtime::store::{
        ApprovalFilter, ApprovalRecord, ApprovalStatus, MessageFilter, MessageRecord, Settlement,
    };
    let (ws, other) = (WorkspaceId::new(), WorkspaceId::new());
    let (ada, sable) = (AgentId::new(), AgentId::new());
    let message = |workspace, from, to, text: &str| MessageRecord {
        id: MessageId::new(),
        workspace,
        from,
        to,
        author: "someone".into(),
        text: text.into(),
        task: None,
        created_at: 5,
        delivered_at: None,
    };
    let sent = [
        message(ws, Some(ada), Some(sable), "one"),
        message(ws, None, Some(sable), "two"),
        message(ws, Some(sable), None, "three"),
        message(ws, Some(ada), Some(sable), "four"),
        message(other, Some(ada), Some(sable), "elsewhere"),
    ];
    for m in &sent {
        store.put_message(m).await.unwrap();
    }
    let list = |filter: MessageFilter| async move {
        store
            .messages(ws, &filter)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.text)
            .collect::<Vec<_>>()
    };
    let all = MessageFilter {
        limit: 10,
        ..MessageFilter::default()
    };
    assert_eq!(list(all.clone()).await, ["four", "three", "two", "one"]);
    let page = MessageFilter {
        before: Some(sent[2].id),
        limit: 1,
        ..MessageFilter::default()
    };
    assert_eq!(list(page).await, ["two"]);
    let people = MessageFilter {
        to_people: true,
        limit: 10,
        ..MessageFilter::default()
    };
    assert_eq!(list(people).await, ["three"]);
    let of_ada = MessageFilter {
        agent: Some(ada),
        limit: 10,
        ..MessageFilter::default()
    };
    assert_eq!(list(of_ada).await, ["four", "one"]);

    // The inbox: oldest first, in batches, each message once, not another workspace's.
    let taken = store.take_inbox(ws, sable, 2, 9).await.unwrap();
    let texts: Vec<&str> = taken.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["one", "two"]);
    assert!(taken.iter().all(|m| m.delivered_at == Some(9)));
    let rest = store.take_inbox(ws, sable, 2, 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].text, "four");
    assert!(store.take_inbox(ws, sable, 2, 11).await.unwrap().is_empty());
    assert!(store.take_inbox(ws, ada, 2, 11).await.unwrap().is_empty());

    let approval = |workspace| ApprovalRecord {
        id: ApprovalId::new(),
        workspace,
        task: TaskId::new(),
        agent: ada,
        action: "Send the email".into(),
        detail: "To: everyone".into(),
        status: ApprovalStatus::Pending,
        decided_by: None,
        comment: None,
        requested_at: 100,
        expires_at: 200,
        decided_at: None,
    };
    let (first, second, third) = (approval(ws), approval(ws), approval(other));
    for a in [&first, &second, &third] {
        store.put_approval(a).await.unwrap();
    }
    assert_eq!(
        store.approval(ws, first.id).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.approval(ws, third.id).await.unwrap(),
        None,
        "not this workspace's"
    );
    let decision = Settlement {
        decision: Decision::Rejected,
        by: Some("kim@example.com".into()),
        comment: Some("not yet".into()),
        at: 150,
    };
    let settled = store
        .settle_approval(ws, first.id, &decision)
        .await
        .unwrap()
        .expect("pending, so settled");
    assert_eq!(settled.status, ApprovalStatus::Settled(Decision::Rejected));
    assert_eq!(
        (
            settled.decided_by.as_deref(),
            settled.comment.as_deref(),
            settled.decided_at
        ),
        (Some("kim@example.com"), Some("not yet"), Some(150))
    );
    let approve = Settlement {
        decision: Decision::Approved,
        ..decision.clone()
    };
    assert_eq!(
        store.settle_approval(ws, first.id, &approve).await.unwrap(),
        None,
        "settled once"
    );
    assert_eq!(
        store.settle_approval(ws, third.id, &approve).await.unwrap(),
        None,
        "not across workspaces"
    );
    let pending = ApprovalFilter {
        status: Some(ApprovalStatus::Pending),
        limit: 10,
        ..ApprovalFilter::default()
    };
    let ids: Vec<ApprovalId> = store
        .approvals(ws, &pending)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, [second.id]);
    assert_eq!(
        store
            .cancel_pending_approvals(ws, "restarted", 300)
            .await
            .unwrap(),
        1
    );
    let everything = ApprovalFilter {
        limit: 10,
        ..ApprovalFilter::default()
    };
    let listed = store.approvals(ws, &everything).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, second.id, "newest first");
    assert_eq!(
        listed[0].status,
        ApprovalStatus::Settled(Decision::Cancelled)
    );
    assert_eq!(listed[0].comment.as_deref(), Some("restarted"));
    assert_eq!(
        store
            .approval(other, third.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ApprovalStatus::Pending,
        "another workspace's requests untouched"
    );
}

#[tokio::test]
async fn memory_store_keeps_the_talk_contract() {
    talk_contract(&*TestStore::new(Backend::Memory).await.unwrap().store).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_talk_contract() {
    talk_contract(&*TestStore::new(Backend::Sqlite).await.unwrap().store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_talk_contract() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    talk_contract(&*store.store).await;
}

async fn audit_contract(store: &dyn Store) {
    use agenthq_runtime::store::{ActorKind, AuditEntry};
    let ws = WorkspaceId::new();
    let other = WorkspaceId::new();
    let entry = |workspace: WorkspaceId, n: i64| AuditEntry {
        id: agenthq_protocol::id::new_v7(),
        workspace,
        at: n,
        actor_kind: if n % 2 == 0 {
            ActorKind::User
        } else {
            ActorKind::ApiKey
        },
        actor: *UserId::new().as_uuid(),
        action: format!("task.submit.{n}"),
        target: (n != 3).then(|| format!("target {n}")),
        detail: serde_json::json!({ "n": n, "title": "a \"quoted\" title" }),
        ip: (n != 2).then(|| "203.0.113.9".to_owned()),
    };
    let mine: Vec<AuditEntry> = (1..=5).map(|n| entry(ws, n)).collect();
    store.put_audit(&mine[..3]).await.unwrap();
    store.put_audit(&[entry(other, 9)]).await.unwrap();
    store.put_audit(&mine[3..]).await.unwrap();
    store.put_audit(&[]).await.unwrap();

    let newest_first: Vec<AuditEntry> = mine.iter().rev().cloned().collect();
    assert_eq!(store.audit(ws, None, 10).await.unwrap(), newest_first);
    let page = store.audit(ws, None, 2).await.unwrap();
    assert_eq!(page, newest_first[..2]);
    let next = store.audit(ws, Some(page[1].id), 2).await.unwrap();
    assert_eq!(next, newest_first[2..4], "older than the cursor");
    let other_entries = store.audit(other, None, 10).await.unwrap();
    assert_eq!(other_entries.len(), 1, "each workspace sees its own");
    assert!(
        store
            .audit(WorkspaceId::new(), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn memory_store_keeps_the_audit_contract() {
    audit_contract(&*TestStore::new(Backend::Memory).await.unwrap().store).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_audit_contract() {
    audit_contract(&*TestStore::new(Backend::Sqlite).await.unwrap().store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_audit_contract() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    audit_contract(&*store.store).await;
}

/// Everything of one workspace, in every table that holds workspace data.
async fn holdings(store: &dyn Store, ws: WorkspaceId) -> usize {
    use agenthq_runtime::store::{ApprovalFilter, MessageFilter};
    let page = TaskFilter {
        limit: 1000,
        ..TaskFilter::default()
    };
    store.workspace(ws).await.unwrap().iter().count()
        + store.agents(ws).await.unwrap().len()
        + store.tasks(ws, &page).await.unwrap().len()
        + store.usage(ws).await.unwrap().len()
        + store.agent_usage(ws).await.unwrap().len()
        + store.members(ws).await.unwrap().len()
        + store.api_keys(ws).await.unwrap().len()
        + store
            .messages(
                ws,
                &MessageFilter {
                    limit: 100,
                    ..MessageFilter::default()
                },
            )
            .await
            .unwrap()
            .len()
        + store
            .approvals(
                ws,
                &ApprovalFilter {
                    limit: 100,
                    ..ApprovalFilter::default()
                },
            )
            .await
            .unwrap()
            .len()
        + store.audit(ws, None, 100).await.unwrap().len()
}

async fn delete_contract(store: &dyn Store) {
    use agenthq_protocol::{ApprovalId, MessageId};
    use agenthq_runtime::store::{
        ActorKind, ApprovalRecord, ApprovalStatus, AuditEntry, MessageRecord,
    };
    let user = UserRecord {
        id: UserId::new(),
        email: format!("{}@example.com", UserId::new()),
        password_hash: "$argon2id$fake".into(),
        created_at: 1,
        operator: false,
    };
    store.create_user(&user).await.unwrap();
    let mut kept = 0;
    let mut ids = Vec::new();
    for name in ["doomed", "kept"] {
        let ws = WorkspaceRecord {
            id: WorkspaceId::new(),
            name: name.into(),
            tier: Tier::Free,
            max_running: 4,
            max_queued: 100,
            epoch: 0,
            public: false,
            created_at: 1,
        };
        store.create_workspace(&ws).await.unwrap();
        let agent = AgentId::new();
        store
            .put_agent(&AgentRecord {
                id: agent,
                workspace: ws.id,
                name: "Ada".into(),
                personality: String::new(),
                executor: ExecutorConfig::default(),
                max_concurrent: 1,
                desk: 0,
                created_at: 1,
            })
            .await
            .unwrap();
        let t = task(ws.id, Some("k"));
        let usage = UsageDelta {
            succeeded: 1,
            ..UsageDelta::default()
        };
        store
            .write(&WriteBatch {
                inserts: vec![t.clone()],
                usage: vec![(ws.id, 20_000, usage)],
                agent_usage: vec![(ws.id, agent, 20_000, usage)],
                ..WriteBatch::default()
            })
            .await
            .unwrap();
        store
            .put_membership(&Membership {
                workspace: ws.id,
                user: user.id,
                role: Role::Owner,
                created_at: 1,
            })
            .await
            .unwrap();
        store
            .create_api_key(&ApiKeyRecord {
                id: ApiKeyId::new(),
                workspace: ws.id,
                name: "ci".into(),
                role: Role::Member,
                digest: vec![1; 32],
                created_by: None,
                created_at: 1,
                revoked_at: None,
            })
            .await
            .unwrap();
        store
            .put_message(&MessageRecord {
                id: MessageId::new(),
                workspace: ws.id,
                from: None,
                to: Some(agent),
                author: "kim".into(),
                text: "hello".into(),
                task: None,
                created_at: 1,
                delivered_at: None,
            })
            .await
            .unwrap();
        store
            .put_approval(&ApprovalRecord {
                id: ApprovalId::new(),
                workspace: ws.id,
                task: t.id,
                agent,
                action: "deploy".into(),
                detail: String::new(),
                status: ApprovalStatus::Pending,
                decided_by: None,
                comment: None,
                requested_at: 1,
                expires_at: 2,
                decided_at: None,
            })
            .await
            .unwrap();
        store
            .put_audit(&[AuditEntry {
                id: agenthq_protocol::id::new_v7(),
                workspace: ws.id,
                at: 1,
                actor_kind: ActorKind::User,
                actor: *user.id.as_uuid(),
                action: "task.submit".into(),
                target: None,
                detail: serde_json::json!({}),
                ip: None,
            }])
            .await
            .unwrap();
        kept = holdings(store, ws.id).await;
        ids.push(ws.id);
    }
    assert_eq!(kept, 10, "one of each kind");
    assert!(store.delete_workspace(ids[0]).await.unwrap());
    assert_eq!(holdings(store, ids[0]).await, 0, "nothing of it is left");
    assert!(
        store.task_by_key(ids[0], "k").await.unwrap().is_none(),
        "its idempotency keys are free"
    );
    assert_eq!(holdings(store, ids[1]).await, 10, "the other is untouched");
    assert!(store.user(user.id).await.unwrap().is_some(), "people stay");
    assert!(
        !store.delete_workspace(ids[0]).await.unwrap(),
        "gone already"
    );
}

#[tokio::test]
async fn memory_store_keeps_the_delete_contract() {
    delete_contract(&*TestStore::new(Backend::Memory).await.unwrap().store).await;
}

#[tokio::test]
async fn sqlite_store_keeps_the_delete_contract() {
    delete_contract(&*TestStore::new(Backend::Sqlite).await.unwrap().store).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_delete_contract() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    delete_contract(&*store.store).await;
}

/// Two writers at once, as a server has them: the store writer (whose batches read the
/// workspace's epoch, then write) and another (accounts, agents, tiers; `put_audit`
/// stands for it here). Every write must land without an
/// error: on SQLite a transaction that read first could not wait for the other's lock
/// ("database is locked", refused at once), so each write transaction takes the lock when
/// it begins.
async fn concurrent_writers_contract(store: Arc<dyn Store>) {
    use agenthq_runtime::store::{ActorKind, AuditEntry};
    let ws = WorkspaceRecord {
        id: WorkspaceId::new(),
        name: "Busy".into(),
        tier: Tier::Pro,
        max_running: 4,
        max_queued: 10_000,
        epoch: 0,
        public: false,
        created_at: 1,
    };
    store.create_workspace(&ws).await.unwrap();
    let epoch = store.bump_epoch(ws.id, 0).await.unwrap();
    let tasks = tokio::spawn({
        let store = store.clone();
        async move {
            for _ in 0..150 {
                let batch = WriteBatch {
                    inserts: (0..5).map(|_| task(ws.id, None)).collect(),
                    epochs: vec![(ws.id, epoch)],
                    ..WriteBatch::default()
                };
                store.write(&batch).await.expect("a task batch lands");
            }
        }
    });
    let audit = tokio::spawn({
        let store = store.clone();
        async move {
            for n in 0..150 {
                let entry = AuditEntry {
                    id: agenthq_protocol::id::new_v7(),
                    workspace: ws.id,
                    at: n,
                    actor_kind: ActorKind::User,
                    actor: *UserId::new().as_uuid(),
                    action: "task.submit".into(),
                    target: None,
                    detail: serde_json::Value::Null,
                    ip: None,
                };
                store
                    .put_audit(&[entry])
                    .await
                    .expect("an audit entry lands");
            }
        }
    });
    tasks.await.unwrap();
    audit.await.unwrap();
    assert_eq!(store.audit(ws.id, None, 500).await.unwrap().len(), 150);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_takes_concurrent_writers_without_refusals() {
    let store = TestStore::new(Backend::Sqlite).await.unwrap();
    concurrent_writers_contract(store.store.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_takes_concurrent_writers_without_refusals() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    concurrent_writers_contract(store.store.clone()).await;
}

fn audit_entry(ws: WorkspaceId, action: &str) -> agenthq_runtime::store::AuditEntry {
    agenthq_runtime::store::AuditEntry {
        id: agenthq_protocol::id::new_v7(),
        workspace: ws,
        at: 1,
        actor_kind: agenthq_runtime::store::ActorKind::ApiKey,
        actor: *ApiKeyId::new().as_uuid(),
        action: action.into(),
        target: Some("t".into()),
        detail: serde_json::json!({ "title": "write the report" }),
        ip: Some("127.0.0.1".into()),
    }
}

/// Audit entries queued to the store writer commit in its batches, beside the tasks; a
/// batch the store refuses for one workspace's stale epoch is written again without that
/// workspace's tasks, and its audit entries (of any workspace) still land.
async fn writer_audit_contract(store: Arc<dyn Store>) {
    use agenthq_runtime::store::writer::{StoreWriter, WriteOp};
    use tokio::sync::oneshot;
    let record = |name: &str| WorkspaceRecord {
        id: WorkspaceId::new(),
        name: name.into(),
        tier: Tier::Pro,
        max_running: 4,
        max_queued: 100,
        epoch: 0,
        public: false,
        created_at: 1,
    };
    let (replaced, current) = (record("Replaced"), record("Current"));
    store.create_workspace(&replaced).await.unwrap();
    store.create_workspace(&current).await.unwrap();
    let stale = store.bump_epoch(replaced.id, 0).await.unwrap();
    store.bump_epoch(replaced.id, 0).await.unwrap(); // A newer owner took it.
    let epoch = store.bump_epoch(current.id, 0).await.unwrap();

    let tracker = tokio_util::task::TaskTracker::new();
    let stop = tokio_util::sync::CancellationToken::new();
    let writer = StoreWriter::spawn(store.clone(), 64, 1_000, &tracker, stop.clone());
    let insert = |ws: WorkspaceId, epoch: u64| {
        let (tx, rx) = oneshot::channel();
        let op = WriteOp::Insert {
            epoch,
            tasks: vec![task(ws, None)],
            done: Box::new(move |_, outcome| {
                let _ = tx.send(outcome);
            }),
        };
        (op, rx)
    };
    let audit = |entry| {
        let (done, rx) = oneshot::channel();
        (
            WriteOp::Audit {
                entries: vec![entry],
                done,
            },
            rx,
        )
    };
    // Queued before the writer task first runs (this test's runtime has one thread), so
    // all four are one batch.
    let (op, fenced_insert) = insert(replaced.id, stale);
    writer.send(op).await.unwrap();
    let (op, fenced_audit) = audit(audit_entry(replaced.id, "task.submit"));
    writer.send(op).await.unwrap();
    let (op, current_insert) = insert(current.id, epoch);
    writer.send(op).await.unwrap();
    let (op, current_audit) = audit(audit_entry(current.id, "task.submit"));
    writer.send(op).await.unwrap();

    assert!(matches!(
        fenced_insert.await.unwrap(),
        Err(StoreError::Fenced)
    ));
    assert_eq!(
        current_insert.await.unwrap().unwrap(),
        vec![InsertOutcome::Inserted]
    );
    fenced_audit.await.unwrap().expect("the audit entry lands");
    current_audit.await.unwrap().expect("the audit entry lands");
    for ws in [replaced.id, current.id] {
        let log = store.audit(ws, None, 10).await.unwrap();
        assert_eq!(log.len(), 1, "one entry for {ws}");
        assert_eq!(log[0].detail["title"], "write the report");
        assert_eq!(log[0].ip.as_deref(), Some("127.0.0.1"));
    }
    let count = |ws| {
        let store = store.clone();
        async move {
            let filter = TaskFilter {
                limit: 10,
                ..TaskFilter::default()
            };
            store.tasks(ws, &filter).await.unwrap().len()
        }
    };
    assert_eq!(
        count(replaced.id).await,
        0,
        "the stale owner's task is not stored"
    );
    assert_eq!(count(current.id).await, 1);
    stop.cancel();
    tracker.close();
    tracker.wait().await;
}

#[tokio::test]
async fn memory_store_writer_commits_audit_entries_with_the_tasks() {
    writer_audit_contract(TestStore::new(Backend::Memory).await.unwrap().store).await;
}

#[tokio::test]
async fn sqlite_store_writer_commits_audit_entries_with_the_tasks() {
    let store = TestStore::new(Backend::Sqlite).await.unwrap();
    writer_audit_contract(store.store.clone()).await;
}

#[tokio::test]
async fn postgres_store_writer_commits_audit_entries_with_the_tasks() {
    let Some(store) = TestStore::new(Backend::Postgres).await else {
        return;
    };
    writer_audit_contract(store.store.clone()).await;
}
