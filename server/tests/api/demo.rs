//! The demo office: seeded once, public, and alive.

use std::time::Duration;

use agenthq_protocol::{ClientMessage, Op, ServerMessage, Topic};
use agenthq_server::demo;
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

#[tokio::test]
async fn the_demo_office_starts_from_an_empty_folder_and_keeps_changing() {
    let app = spawn_app().await;
    let (ws, agents) = demo::seed(&app.runtime, 5).await.unwrap();
    assert_eq!(agents.len(), 5);
    let (again, _) = demo::seed(&app.runtime, 5).await.unwrap();
    assert_eq!(again, ws, "seeding twice finds the same office");

    let stop = CancellationToken::new();
    tokio::spawn(demo::run_task_stream(
        app.runtime.clone(),
        ws,
        agents,
        7,
        None,
        false,
        stop.clone(),
    ));

    // Anonymous, as any visitor: the demo workspace is public.
    let mut client = WsClient::connect(&app, None).await;
    client.send(&ClientMessage::Hello { token: None }).await;
    client.recv().await;
    client
        .send(&ClientMessage::Subscribe {
            topic: Topic::Workspace(ws),
            resume: None,
        })
        .await;
    let ServerMessage::Snapshot { state, .. } = client.recv().await else {
        panic!("snapshot")
    };
    let names: Vec<&str> = state.agents.values().map(|a| a.name.as_str()).collect();
    assert!(
        names.contains(&"Marcus Bell") && names.contains(&"Yuki Tanaka"),
        "{names:?}"
    );

    // Within a few seconds tasks appear, agents work, and activity lines stream.
    let (mut saw_task, mut saw_activity) = (false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !(saw_task && saw_activity) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the office stayed still"
        );
        if let ServerMessage::Diff { ops, .. } = client.recv().await {
            saw_task |= ops.ops.iter().any(|op| matches!(op, Op::Task(_)));
            saw_activity |= ops.ops.iter().any(|op| matches!(op, Op::Activity(_)));
        }
    }
    stop.cancel();
}

#[tokio::test]
async fn anyone_can_list_the_public_workspaces_and_only_those() {
    let app = spawn_app().await;
    let private = office(&app, false).await;
    let (demo, _) = demo::seed(&app.runtime, 5).await.unwrap();
    let (status, body) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/public/workspaces",
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let listed: Vec<&str> = body["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [demo.to_string()], "the demo, not {private}");
    assert_eq!(body["workspaces"][0]["name"], "Generic Corp");
}

#[tokio::test]
async fn with_llm_the_five_run_on_the_model_and_without_it_back_on_sim() {
    use agenthq_runtime::testing::{Answer, ModelServer, Turn};
    let replies = (0..20)
        .map(|_| Answer::Reply(Turn::text(&["First, the plan."])))
        .collect();
    let model = ModelServer::start(replies).await;
    let app = spawn_app_with(|s| on_model(&model, s)).await;
    let (ws, agents) = demo::seed(&app.runtime, 6).await.unwrap();
    demo::cast(&app.runtime, ws, true).await.unwrap();
    let kinds = |agents: Vec<agenthq_runtime::store::AgentRecord>| {
        agents
            .into_iter()
            .map(|a| (a.name, a.executor.kind))
            .collect::<Vec<_>>()
    };
    let cast = kinds(app.runtime.store().agents(ws).await.unwrap());
    assert_eq!(
        cast.iter().filter(|(_, k)| k == "llm").count(),
        5,
        "{cast:?}"
    );
    assert!(
        cast.contains(&("Agent 6".to_owned(), "sim".to_owned())),
        "{cast:?}"
    );

    let stop = CancellationToken::new();
    tokio::spawn(demo::run_task_stream(
        app.runtime.clone(),
        ws,
        agents,
        7,
        Some(Duration::from_millis(20)),
        true,
        stop.clone(),
    ));
    tokio::time::timeout(Duration::from_secs(20), model.requests(1))
        .await
        .expect("a demo task reaches the model");
    stop.cancel();
    let system = model.received()[0].body["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(system.contains("Generic Corp"), "{system}");

    demo::cast(&app.runtime, ws, false).await.unwrap();
    let cast = kinds(app.runtime.store().agents(ws).await.unwrap());
    assert!(cast.iter().all(|(_, k)| k == "sim"), "{cast:?}");
}
