//! The `llm` executor against a local server speaking each provider's wire format: text
//! only, a tool loop, a 429 then success, a stream cut mid-way, a cancellation mid-stream,
//! a refused key; the office sees the agent's words and tool calls; tokens are metered and
//! the monthly budget warns, then refuses; approval round trips (approved, expired,
//! cancelled) and messages between agents and people.

use std::sync::Arc;
use std::time::Duration;

use agenthq_protocol::{
    ActivityKind, ActivityLine, AgentId, AgentStatus, Decision, Op, TaskStatus, Topic, Verdict,
    WorkspaceId,
};
use agenthq_runtime::executor::{
    ApiKey, CallPolicy, Endpoint, LlmExecutor, LlmSettings, Price, Provider, ShellSettings,
    ToolSettings,
};
use agenthq_runtime::testing::{Answer, ModelServer, Turn};
use agenthq_runtime::{
    ApprovalFilter, ApprovalStatus, ExecutorConfig, ExecutorRegistry, MemoryBus, MemoryStore,
    MessageFilter, NewAgent, NewTask, Outgoing, Runtime, RuntimeConfig, RuntimeError, TaskRecord,
};
use serde_json::{Value, json};

use crate::helpers::*;

const KEY: &str = "sk-test-0123456789";

/// Settings with one endpoint per provider on `server`, quick retries, and a shell.
fn settings(server: &ModelServer, sandbox: &std::path::Path) -> LlmSettings {
    let endpoint = |provider, base: String, model: &str| Endpoint {
        provider,
        base_url: base,
        api_key: Some(ApiKey::new(KEY)),
        model: model.into(),
    };
    LlmSettings {
        endpoints: [
            (
                "default".to_owned(),
                endpoint(Provider::Anthropic, server.base.clone(), "claude-test"),
            ),
            (
                "local".to_owned(),
                endpoint(
                    Provider::Openai,
                    format!("{}/v1", server.base),
                    "local-test",
                ),
            ),
        ]
        .into(),
        sandbox_dir: Some(sandbox.to_owned()),
        tools: ToolSettings {
            shell: ShellSettings {
                enabled: true,
                ..ShellSettings::default()
            },
            ..ToolSettings::default()
        },
        call: CallPolicy {
            base_backoff: Duration::from_millis(10),
            idle_timeout: Duration::from_secs(10),
            ..CallPolicy::default()
        },
        ..LlmSettings::default()
    }
}

struct Office {
    rt: Runtime,
    ws: WorkspaceId,
    server: ModelServer,
    sandbox: tempfile::TempDir,
}

async fn office(script: Vec<Answer>) -> Office {
    office_with(script, |_, _| {}).await
}

async fn office_with(
    script: Vec<Answer>,
    tweak: impl FnOnce(&mut LlmSettings, &mut RuntimeConfig),
) -> Office {
    let server = ModelServer::start(script).await;
    let sandbox = tempfile::tempdir().unwrap();
    let mut registry = ExecutorRegistry::default();
    let mut llm = settings(&server, sandbox.path());
    let mut config = test_config();
    tweak(&mut llm, &mut config);
    registry.register("llm", Arc::new(LlmExecutor::new(llm).unwrap()));
    let bus = Arc::new(MemoryBus::new(config.history_len, config.subscriber_buffer));
    let rt = Runtime::start(config, Arc::new(MemoryStore::default()), bus, registry)
        .await
        .unwrap();
    let ws = workspace(&rt, 4, 10).await;
    Office {
        rt,
        ws,
        server,
        sandbox,
    }
}

async fn llm_agent(office: &Office, params: Value) -> Result<AgentId, RuntimeError> {
    named_agent(office, "Ada", params).await
}

async fn named_agent(office: &Office, name: &str, params: Value) -> Result<AgentId, RuntimeError> {
    let agent = office
        .rt
        .create_agent(
            office.ws,
            NewAgent {
                name: name.into(),
                personality: "Meticulous, and fond of lists.".into(),
                executor: ExecutorConfig {
                    kind: "llm".into(),
                    params,
                },
                max_concurrent: 1,
            },
        )
        .await?;
    Ok(agent.id)
}

/// A task for `agent` with `prompt` as its input and one attempt, run to its end.
async fn run(office: &Office, agent: AgentId, prompt: &str) -> TaskRecord {
    let task = NewTask {
        agent: Some(agent),
        title: "Plan the launch".into(),
        input: json!(prompt),
        max_attempts: Some(1),
        ..NewTask::default()
    };
    finish(office, task).await
}

/// Submits a task and waits for it to end; answers it as stored.
async fn finish(office: &Office, task: NewTask) -> TaskRecord {
    let task = office.rt.submit(office.ws, task).await.unwrap().task;
    all_terminal(&office.rt, office.ws, &[task.id], Duration::from_secs(20)).await;
    office.rt.task(office.ws, task.id).await.unwrap()
}

fn texts(lines: &[ActivityLine], kind: ActivityKind) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| l.text.clone())
        .collect()
}

#[tokio::test]
async fn an_anthropic_agent_answers_in_text_its_words_reach_the_office_and_tokens_are_metered() {
    let office = office(vec![Answer::Reply(Turn::text(&[
        "First, list the risks.\n",
        "Then ",
        "ship it.",
    ]))])
    .await;
    let agent = llm_agent(&office, Value::Null).await.unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;

    let task = run(&office, agent, "Launch on Friday").await;

    assert_eq!(task.status, TaskStatus::Succeeded, "{:?}", task.error);
    let result = task.result.unwrap();
    assert_eq!(result["result"], "First, list the risks.\nThen ship it.");
    assert_eq!(result["steps"], 1);
    assert_eq!(
        result["usage"],
        json!({"input_tokens": 100, "output_tokens": 20})
    );
    let lines = follower.lines_until(|l| l.text == "Then ship it.").await;
    assert_eq!(
        texts(&lines, ActivityKind::Thought),
        ["First, list the risks.", "Then ship it."]
    );

    let sent = &office.server.received()[0];
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.headers["x-api-key"], KEY);
    assert_eq!(sent.headers["anthropic-version"], "2023-06-01");
    assert_eq!(sent.body["model"], "claude-test");
    assert_eq!(sent.body["stream"], true);
    let system = sent.body["system"].as_str().unwrap();
    assert!(
        system.contains("You are Ada") && system.contains("fond of lists"),
        "{system}"
    );
    assert_eq!(
        sent.body["messages"][0]["content"][0]["text"],
        "Plan the launch\n\nLaunch on Friday"
    );

    eventually(Duration::from_secs(5), "tokens in the usage", || async {
        let usage = office.rt.usage(office.ws).await.unwrap();
        usage.iter().map(|d| d.usage.tokens_in).sum::<u64>() == 100
            && usage.iter().map(|d| d.usage.tokens_out).sum::<u64>() == 20
    })
    .await;
    office.rt.shutdown().await;
}

#[tokio::test]
async fn an_openai_compatible_agent_runs_a_tool_loop_until_it_finishes() {
    let office = office(vec![
        Answer::Reply(Turn::call("call_1", "shell", json!({"command": ["ls"]}))),
        Answer::Reply(Turn::call(
            "call_2",
            "finish",
            json!({"result": {"files": ["brief.md"]}}),
        )),
    ])
    .await;
    let agent = llm_agent(&office, json!({"endpoint": "local", "tools": ["shell"]}))
        .await
        .unwrap();
    let folder = office.sandbox.path().join(office.ws.to_string());
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("brief.md"), "# Launch").unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;

    let task = run(&office, agent, "What is in the folder?").await;

    assert_eq!(task.status, TaskStatus::Succeeded, "{:?}", task.error);
    let result = task.result.unwrap();
    assert_eq!(result["result"], json!({"files": ["brief.md"]}));
    assert_eq!(result["steps"], 2);
    assert_eq!(result["usage"]["input_tokens"], 200);

    let sent = office.server.received();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].path, "/v1/chat/completions");
    assert_eq!(sent[0].headers["authorization"], format!("Bearer {KEY}"));
    let tools: Vec<&str> = sent[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["finish", "shell"]);
    // The second call carries the tool call and its result.
    let messages = sent[1].body["messages"].as_array().unwrap();
    let call = &messages[2]["tool_calls"][0];
    assert_eq!(call["id"], "call_1");
    assert_eq!(call["function"]["arguments"], "{\"command\":[\"ls\"]}");
    assert_eq!(messages[3]["role"], "tool");
    assert_eq!(messages[3]["tool_call_id"], "call_1");
    assert_eq!(messages[3]["content"], "brief.md\n");

    let lines = follower
        .lines_until(|l| l.kind == ActivityKind::Output)
        .await;
    assert_eq!(
        texts(&lines, ActivityKind::ToolCall),
        ["shell {\"command\":[\"ls\"]}"]
    );
    assert_eq!(texts(&lines, ActivityKind::Output), ["brief.md"]);
    office.rt.shutdown().await;
}

#[tokio::test]
async fn a_429_is_retried_after_what_the_server_asked_and_a_cut_stream_is_tried_again() {
    let office = office(vec![
        Answer::Status {
            status: 429,
            retry_after: Some("1"),
        },
        Answer::Cut(Turn::text(&["Half ", "a ", "thought ", "and"])),
        Answer::Reply(Turn::text(&["Done."])),
    ])
    .await;
    let agent = llm_agent(&office, Value::Null).await.unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;

    let task = run(&office, agent, "Go").await;

    assert_eq!(task.status, TaskStatus::Succeeded, "{:?}", task.error);
    assert_eq!(task.result.unwrap()["result"], "Done.");
    assert_eq!(
        office.server.received().len(),
        3,
        "429, cut, then the reply"
    );
    let lines = follower.lines_until(|l| l.text == "Done.").await;
    let status = texts(&lines, ActivityKind::Status);
    assert!(
        status[0].contains("HTTP 429") && status[0].ends_with("retrying in 1.0 s"),
        "{status:?}"
    );
    assert!(status[1].contains("stream"), "{status:?}");
    assert!(
        !texts(&lines, ActivityKind::Thought)
            .iter()
            .any(|t| t.contains("Half")),
        "text of a cut try is not shown as said"
    );
    office.rt.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_task_mid_stream_closes_the_models_stream() {
    let office = office(vec![Answer::Hang]).await;
    let agent = llm_agent(&office, json!({"endpoint": "local"}))
        .await
        .unwrap();
    let task = office
        .rt
        .submit(
            office.ws,
            NewTask {
                agent: Some(agent),
                title: "Think forever".into(),
                ..NewTask::default()
            },
        )
        .await
        .unwrap()
        .task;
    let left = office.server.client_left();
    office.server.requests(1).await;

    office.rt.cancel(office.ws, task.id).await.unwrap();

    tokio::time::timeout(Duration::from_secs(10), left)
        .await
        .expect("the model server sees its client leave");
    all_terminal(&office.rt, office.ws, &[task.id], Duration::from_secs(10)).await;
    let task = office.rt.task(office.ws, task.id).await.unwrap();
    assert_eq!(task.status, TaskStatus::Cancelled);
    office.rt.shutdown().await;
}

#[tokio::test]
async fn a_refused_key_fails_the_task_at_once_without_retries() {
    let office = office(vec![Answer::Status {
        status: 401,
        retry_after: None,
    }])
    .await;
    let agent = llm_agent(&office, Value::Null).await.unwrap();
    let three_attempts = NewTask {
        agent: Some(agent),
        title: "Anything".into(),
        max_attempts: Some(3),
        ..NewTask::default()
    };
    let task = finish(&office, three_attempts).await;
    assert_eq!(
        task.status,
        TaskStatus::Failed,
        "a refusal is final, not retried"
    );
    assert_eq!(task.attempts, 1);
    let error = task.error.unwrap();
    assert!(
        error.contains("HTTP 401") && error.contains("scripted refusal"),
        "{error}"
    );
    assert!(!error.contains(KEY));
    assert_eq!(office.server.received().len(), 1);
    office.rt.shutdown().await;
}

#[tokio::test]
async fn an_agent_naming_an_unknown_endpoint_or_tool_is_refused_when_created() {
    let office = office(Vec::new()).await;
    let unknown = llm_agent(&office, json!({"endpoint": "elsewhere"})).await;
    assert!(
        matches!(&unknown, Err(RuntimeError::Invalid(m)) if m.contains("no model endpoint named \"elsewhere\"")),
        "{unknown:?}"
    );
    let tool = llm_agent(&office, json!({"tools": ["teleport"]})).await;
    assert!(
        matches!(&tool, Err(RuntimeError::Invalid(m)) if m.contains("teleport")),
        "{tool:?}"
    );
    let http = llm_agent(&office, json!({"tools": ["http"]})).await;
    assert!(
        matches!(&http, Err(RuntimeError::Invalid(m)) if m.contains("no host is allowed")),
        "{http:?}"
    );
    office.rt.shutdown().await;
}

#[tokio::test]
async fn a_budget_warns_at_80_percent_then_refuses_new_tasks_and_stops_running_ones() {
    // Each call: 100 tokens in at $10 and 20 out at $50 per million = 2 000 micro-dollars;
    // the workspace (tier pro) may spend 5 000 this month.
    let office = office_with(
        vec![
            Answer::Reply(Turn::text(&["One."])),
            Answer::Reply(Turn::text(&["Two."])),
            Answer::Reply(Turn::call("toolu_1", "shell", json!({"command": ["ls"]}))),
        ],
        |llm, config| {
            let price = Price {
                input: 10.0,
                output: 50.0,
            };
            llm.prices = [("claude-test".to_owned(), price)].into();
            config.tiers.pro.llm_budget_usd = 0.005;
        },
    )
    .await;
    let agent = llm_agent(&office, json!({"tools": ["shell"]}))
        .await
        .unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;

    let first = run(&office, agent, "one").await;
    let second = run(&office, agent, "two").await;
    assert_eq!(
        (first.status, second.status),
        (TaskStatus::Succeeded, TaskStatus::Succeeded)
    );
    let lines = follower
        .lines_until(|l| l.text.starts_with("Model budget: 80 %"))
        .await;
    assert!(
        lines
            .iter()
            .any(|l| l.text == "Model budget: 80 % of this month's $0.0050 spent ($0.0040)"),
        "{:?}",
        texts(&lines, ActivityKind::Status)
    );

    // The third task's first call spends the rest; it stops before its second.
    let third = run(&office, agent, "three").await;
    assert_eq!(third.status, TaskStatus::Failed);
    let error = third.error.unwrap();
    assert!(
        error.starts_with("budget_exceeded")
            && error.ends_with("(this attempt used 100 tokens in, 20 out)"),
        "{error}"
    );
    follower
        .lines_until(|l| {
            l.text
                .starts_with("Model budget spent ($0.0060 of $0.0050)")
        })
        .await;

    let refused = office
        .rt
        .submit(
            office.ws,
            NewTask {
                agent: Some(agent),
                title: "four".into(),
                ..NewTask::default()
            },
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(RuntimeError::BudgetExceeded {
                spent: 6_000,
                limit: 5_000,
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(
        office.server.received().len(),
        3,
        "no call after the budget was spent"
    );

    // The usage totals are the sum over the calls made.
    eventually(Duration::from_secs(5), "usage written", || async {
        let days = office.rt.usage(office.ws).await.unwrap();
        let sum = |f: fn(&agenthq_runtime::store::UsageDelta) -> u64| {
            days.iter().map(|d| f(&d.usage)).sum::<u64>()
        };
        (
            sum(|u| u.tokens_in),
            sum(|u| u.tokens_out),
            sum(|u| u.spend_micros),
        ) == (300, 60, 6_000)
    })
    .await;
    let per_task: u64 = [&first, &second]
        .iter()
        .map(|t| {
            t.result.as_ref().unwrap()["usage"]["input_tokens"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(
        per_task + 100,
        300,
        "two results and the failed task's one call"
    );
    office.rt.shutdown().await;
}

#[tokio::test]
async fn an_agent_delegates_to_a_colleague_waits_for_the_result_and_chains_stop_at_three() {
    let office = office(vec![
        // Ada hands the numbers to Sable and waits; Sable answers; Ada finishes with it.
        Answer::Reply(Turn::call(
            "toolu_1",
            "delegate",
            json!({"agent": "sable", "task": "Check the Q3 numbers", "details": "Revenue only"}),
        )),
        Answer::Reply(Turn::text(&["The numbers add up."])),
        Answer::Reply(Turn::call(
            "toolu_2",
            "finish",
            json!({"result": "Checked by Sable"}),
        )),
        // A task already three delegations deep may not be delegated again.
        Answer::Reply(Turn::call(
            "toolu_3",
            "delegate",
            json!({"agent": "Sable", "task": "More"}),
        )),
        Answer::Reply(Turn::text(&["I did it myself."])),
    ])
    .await;
    let ada = llm_agent(&office, json!({"tools": ["delegate"]}))
        .await
        .unwrap();
    let sable = named_agent(&office, "Sable", Value::Null).await.unwrap();

    let task = run(&office, ada, "Are the Q3 numbers right?").await;

    assert_eq!(task.status, TaskStatus::Succeeded, "{:?}", task.error);
    assert_eq!(task.result.unwrap()["result"], "Checked by Sable");
    let all = office
        .rt
        .tasks(
            office.ws,
            &agenthq_runtime::TaskFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let delegated = all
        .iter()
        .find(|t| t.agent == Some(sable))
        .expect("Sable's task");
    assert_eq!(delegated.title, "Check the Q3 numbers");
    assert_eq!(delegated.status, TaskStatus::Succeeded);
    assert_eq!(delegated.input["prompt"], "Revenue only");
    assert_eq!(delegated.input["delegated_by"]["agent"], "Ada");
    assert_eq!(delegated.input["delegated_by"]["depth"], 1);
    let sent = office.server.received();
    let result = &sent[2].body["messages"][2]["content"][0];
    assert_eq!(result["tool_use_id"], "toolu_1");
    assert_eq!(result["content"], "Sable finished: The numbers add up.");

    let deep = NewTask {
        agent: Some(ada),
        title: "Deep".into(),
        input: json!({"prompt": "go", "delegated_by": {"agent": "Sable", "depth": 3}}),
        max_attempts: Some(1),
        ..NewTask::default()
    };
    finish(&office, deep).await;
    let sent = office.server.received();
    let refused = &sent[4].body["messages"][2]["content"][0];
    assert_eq!(refused["is_error"], true);
    assert!(
        refused["content"]
            .as_str()
            .unwrap()
            .contains("already 3 delegations deep"),
        "{refused}"
    );
    office.rt.shutdown().await;
}

/// A task for `agent` that may take `timeout_ms` of running time, submitted, not awaited.
async fn start(office: &Office, agent: AgentId, timeout_ms: u64) -> TaskRecord {
    let task = NewTask {
        agent: Some(agent),
        title: "Launch email".into(),
        input: json!("Send the launch email"),
        max_attempts: Some(1),
        timeout: Some(Duration::from_millis(timeout_ms)),
        ..NewTask::default()
    };
    office.rt.submit(office.ws, task).await.unwrap().task
}

fn asks(action: &str) -> Answer {
    Answer::Reply(Turn::call(
        "toolu_ask",
        "request_approval",
        json!({"action": action, "details": "To: 1,200 customers\nSubject: We launched"}),
    ))
}

/// The text the model got back for its `request_approval` call (Anthropic wire).
fn approval_answer(office: &Office, request: usize) -> String {
    let sent = office.server.received();
    let result = &sent[request].body["messages"][2]["content"][0];
    assert_eq!(result["tool_use_id"], "toolu_ask");
    result["content"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_approval_round_trip_holds_the_task_until_a_person_approves_and_the_agent_goes_on() {
    let office = office(vec![
        asks("Send the launch email"),
        Answer::Reply(Turn::text(&["Sent."])),
    ])
    .await;
    let ada = llm_agent(&office, json!({"tools": ["request_approval"]}))
        .await
        .unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;
    let task = start(&office, ada, 30_000).await;

    // The office shows the request, the task on hold and the agent waiting.
    follower.ops_until(|op| matches!(op, Op::Approval(_))).await;
    let shown = follower.state.approvals.values().next().unwrap().clone();
    assert_eq!((shown.task, shown.agent), (task.id, ada));
    assert_eq!(shown.action, "Send the launch email");
    assert!(shown.detail.contains("1,200 customers"));
    assert_eq!(
        follower.state.tasks[&task.id].status,
        TaskStatus::AwaitingApproval
    );
    assert_eq!(
        follower.state.agents[&ada].status,
        AgentStatus::AwaitingApproval
    );
    // Durable too, with the writer's next batch (bounded poll).
    let mut stored = TaskStatus::Queued;
    for _ in 0..500 {
        stored = office.rt.task(office.ws, task.id).await.unwrap().status;
        if stored == TaskStatus::AwaitingApproval {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stored, TaskStatus::AwaitingApproval, "durable too");
    let pending = ApprovalFilter {
        status: Some(ApprovalStatus::Pending),
        limit: 10,
        ..ApprovalFilter::default()
    };
    let listed = office.rt.approvals(office.ws, &pending).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, shown.id);

    let decided = office
        .rt
        .decide(
            office.ws,
            shown.id,
            Verdict::Approve,
            "kim@example.com".into(),
            Some("ship it".into()),
        )
        .await
        .unwrap();
    assert_eq!(decided.status, ApprovalStatus::Settled(Decision::Approved));
    assert_eq!(decided.decided_by.as_deref(), Some("kim@example.com"));

    all_terminal(&office.rt, office.ws, &[task.id], Duration::from_secs(20)).await;
    let done = office.rt.task(office.ws, task.id).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(done.result.unwrap()["result"], "Sent.");
    assert_eq!(
        approval_answer(&office, 1),
        "Approved by kim@example.com. Their comment: \"ship it\". Go ahead."
    );
    let ops = follower
        .ops_until(|op| matches!(op, Op::ApprovalEvent(_)))
        .await;
    let event = ops
        .iter()
        .find_map(|op| match op {
            Op::ApprovalEvent(e) => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(event.decision, Decision::Approved);
    assert_eq!(event.comment.as_deref(), Some("ship it"));
    assert!(follower.state.approvals.is_empty());

    // Deciding again is a conflict; an unknown request is not found.
    let again = office
        .rt
        .decide(
            office.ws,
            shown.id,
            Verdict::Reject,
            "lee@example.com".into(),
            None,
        )
        .await;
    assert!(
        matches!(
            again,
            Err(RuntimeError::ApprovalSettled {
                status: "approved",
                ..
            })
        ),
        "{again:?}"
    );
    let unknown = office
        .rt
        .decide(
            office.ws,
            agenthq_protocol::ApprovalId::new(),
            Verdict::Approve,
            "kim@example.com".into(),
            None,
        )
        .await;
    assert!(matches!(unknown, Err(RuntimeError::UnknownApproval(_))));
    office.rt.shutdown().await;
}

#[tokio::test]
async fn an_undecided_request_expires_and_the_wait_does_not_count_against_the_task_timeout() {
    // The task may run 1.5 s; the request expires after 2.5 s undecided. Had the wait
    // counted, the task would have timed out first.
    let office = office_with(
        vec![
            asks("Deploy to production"),
            Answer::Reply(Turn::text(&["Not deployed."])),
        ],
        |_, config| config.approval_timeout = Duration::from_millis(2500),
    )
    .await;
    let ada = llm_agent(&office, json!({"tools": ["request_approval"]}))
        .await
        .unwrap();
    let task = start(&office, ada, 1500).await;
    all_terminal(&office.rt, office.ws, &[task.id], Duration::from_secs(20)).await;
    let done = office.rt.task(office.ws, task.id).await.unwrap();
    assert_eq!(done.status, TaskStatus::Succeeded, "{:?}", done.error);
    assert_eq!(
        approval_answer(&office, 1),
        "Nobody decided in time; the request expired. Do not do it."
    );
    let all = ApprovalFilter {
        limit: 10,
        ..ApprovalFilter::default()
    };
    let listed = office.rt.approvals(office.ws, &all).await.unwrap();
    assert_eq!(listed[0].status, ApprovalStatus::Settled(Decision::Expired));
    assert_eq!(listed[0].decided_by, None);
    office.rt.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_task_that_waits_for_approval_cancels_the_request() {
    let office = office(vec![asks("Delete the staging database")]).await;
    let ada = llm_agent(&office, json!({"tools": ["request_approval"]}))
        .await
        .unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;
    let task = start(&office, ada, 30_000).await;
    follower.ops_until(|op| matches!(op, Op::Approval(_))).await;
    let id = *follower.state.approvals.keys().next().unwrap();
    office.rt.cancel(office.ws, task.id).await.unwrap();
    all_terminal(&office.rt, office.ws, &[task.id], Duration::from_secs(20)).await;
    let done = office.rt.task(office.ws, task.id).await.unwrap();
    assert_eq!(done.status, TaskStatus::Cancelled);
    let ops = follower
        .ops_until(|op| matches!(op, Op::ApprovalEvent(_)))
        .await;
    assert!(ops.iter().any(|op| matches!(op,
        Op::ApprovalEvent(e) if e.id == id && e.decision == Decision::Cancelled)));
    assert_eq!(
        follower.state.agents[&ada].status,
        AgentStatus::Idle,
        "no longer shown waiting"
    );
    // The store hears of it in the background: bounded polling.
    let mut settled = None;
    for _ in 0..200 {
        let record = office.rt.approval(office.ws, id).await.unwrap();
        if record.status != ApprovalStatus::Pending {
            settled = Some(record.status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(settled, Some(ApprovalStatus::Settled(Decision::Cancelled)));
    let late = office
        .rt
        .decide(
            office.ws,
            id,
            Verdict::Approve,
            "kim@example.com".into(),
            None,
        )
        .await;
    assert!(
        matches!(late, Err(RuntimeError::ApprovalSettled { .. })),
        "{late:?}"
    );
    office.rt.shutdown().await;
}

#[tokio::test]
async fn agents_and_people_write_to_each_other_and_a_reader_gets_its_messages_with_its_next_turn() {
    let office = office(vec![
        // Ada writes to Sable and to the people, then finishes.
        Answer::Reply(Turn::call(
            "toolu_m1",
            "message",
            json!({"to": "sable", "text": "The Q3 numbers are in the drive."}),
        )),
        Answer::Reply(Turn::call(
            "toolu_m2",
            "message",
            json!({"to": "people", "text": "Report drafted; Sable is checking it."}),
        )),
        Answer::Reply(Turn::text(&["Done."])),
        // Sable's next task: its first turn carries both messages.
        Answer::Reply(Turn::text(&["Thanks, on it."])),
        // A third task of Sable's: nothing left unread.
        Answer::Reply(Turn::text(&["Nothing new."])),
    ])
    .await;
    let ada = llm_agent(&office, json!({"tools": ["message"]}))
        .await
        .unwrap();
    let sable = named_agent(&office, "Sable", Value::Null).await.unwrap();
    let mut follower = Follower::subscribe(&office.rt, Topic::Workspace(office.ws)).await;

    let task = run(&office, ada, "Draft the report").await;
    assert_eq!(task.status, TaskStatus::Succeeded, "{:?}", task.error);
    let kim = office
        .rt
        .send_message(
            office.ws,
            Outgoing {
                from: None,
                to: Some(sable),
                author: "kim@example.com".into(),
                text: "Please prioritise the EU numbers.".into(),
                task: None,
            },
        )
        .await
        .unwrap();

    // The office saw all three pass.
    let ops = follower
        .ops_until(|op| matches!(op, Op::Message(m) if m.id == kim.id))
        .await;
    let passed: Vec<(Option<AgentId>, Option<AgentId>, String)> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Message(m) => Some((m.from, m.to, m.author.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        passed,
        [
            (Some(ada), Some(sable), "Ada".to_owned()),
            (Some(ada), None, "Ada".to_owned()),
            (None, Some(sable), "kim@example.com".to_owned()),
        ]
    );

    let first = run(&office, sable, "Check the report").await;
    assert_eq!(first.status, TaskStatus::Succeeded, "{:?}", first.error);
    let sent = office.server.received();
    let prompt = &sent[3].body["messages"][0]["content"];
    let inbox = prompt[1]["text"]
        .as_str()
        .expect("the messages follow the task");
    assert_eq!(
        inbox,
        "Messages for you since your last turn:\n\
         - From Ada (colleague): The Q3 numbers are in the drive.\n\
         - From kim@example.com (person): Please prioritise the EU numbers."
    );
    run(&office, sable, "Anything else?").await;
    let sent = office.server.received();
    assert_eq!(
        sent[4].body["messages"][0]["content"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "each message is delivered once"
    );

    // Listed newest first; for the people only; by agent.
    let all = office
        .rt
        .messages(
            office.ws,
            &MessageFilter {
                limit: 10,
                ..MessageFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].id, kim.id);
    assert!(
        all.iter()
            .all(|m| m.to != Some(sable) || m.delivered_at.is_some())
    );
    let to_people = office
        .rt
        .messages(
            office.ws,
            &MessageFilter {
                to_people: true,
                limit: 10,
                ..MessageFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(to_people.len(), 1);
    assert_eq!(to_people[0].text, "Report drafted; Sable is checking it.");

    // Bad messages are refused with a reason.
    let to_nobody = office
        .rt
        .send_message(
            office.ws,
            Outgoing {
                from: None,
                to: Some(AgentId::new()),
                author: "kim@example.com".into(),
                text: "hello?".into(),
                task: None,
            },
        )
        .await;
    assert!(matches!(to_nobody, Err(RuntimeError::UnknownAgent(_))));
    let too_long = office
        .rt
        .send_message(
            office.ws,
            Outgoing {
                from: None,
                to: None,
                author: "kim@example.com".into(),
                text: "x".repeat(agenthq_runtime::MAX_MESSAGE_CHARS + 1),
                task: None,
            },
        )
        .await;
    assert!(
        matches!(too_long, Err(RuntimeError::Invalid(_))),
        "{too_long:?}"
    );
    office.rt.shutdown().await;
}
