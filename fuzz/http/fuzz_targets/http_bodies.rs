//! Whatever JSON (or not-JSON) body a client sends to the API's routes, the answer is a
//! status below 500 with, for an error, the API's JSON error body; never a panic or an
//! internal error. The real application (memory store, no rate limits) is built once; each
//! input picks a route with its first byte and is that route's body.
#![no_main]

use std::sync::OnceLock;

use agenthq_server::{Application, Settings};
use axum::body::Body;
use axum::http::{Method, Request};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Fixture {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    token: String,
    routes: Vec<(Method, String)>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (router, token, routes) = rt.block_on(async {
            let data = std::env::temp_dir().join(format!("agenthq-fuzz-{}", std::process::id()));
            let mut settings = Settings {
                listen: ([127, 0, 0, 1], 0).into(),
                data_dir: data,
                database_url: Some("memory:".into()),
                default_tier: agenthq_protocol::Tier::Enterprise,
                ..Settings::default()
            };
            settings.rate_limits.enabled = false;
            let app = Application::build(settings).await.unwrap();
            let user = app
                .auth()
                .register("fuzz@example.com", "correct horse battery staple")
                .await
                .unwrap();
            app.runtime().store().set_operator(user.id, true).await.unwrap();
            let token = app.auth().issue(user.id).await.unwrap().access_token;
            let router = app.router();
            let call = |method: Method, path: String, body: &str| {
                let request = Request::builder()
                    .method(method)
                    .uri(path)
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(body.to_owned()))
                    .unwrap();
                router.clone().oneshot(request)
            };
            let answer = call(Method::POST, "/api/v1/workspaces".into(), r#"{"name":"Fuzz"}"#)
                .await
                .unwrap();
            let bytes = axum::body::to_bytes(answer.into_body(), 1 << 20).await.unwrap();
            let ws: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let ws = ws["id"].as_str().unwrap().to_owned();
            let answer = call(
                Method::POST,
                format!("/api/v1/workspaces/{ws}/agents"),
                r#"{"name":"Ada","executor":{"kind":"sim","params":{}}}"#,
            )
            .await
            .unwrap();
            let bytes = axum::body::to_bytes(answer.into_body(), 1 << 20).await.unwrap();
            let agent: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let agent = agent["id"].as_str().unwrap().to_owned();
            let user = user.id;
            let approval = agenthq_protocol::ApprovalId::new();
            let base = format!("/api/v1/workspaces/{ws}");
            let routes = vec![
                (Method::POST, format!("{base}/members")),
                (Method::PATCH, format!("{base}/members/{user}")),
                (Method::POST, format!("{base}/api-keys")),
                (Method::POST, format!("{base}/agents")),
                (Method::PATCH, format!("{base}/agents/{agent}")),
                (Method::POST, format!("{base}/tasks")),
                (Method::POST, format!("{base}/tasks/batch")),
                (Method::POST, format!("{base}/messages")),
                (Method::POST, format!("{base}/approvals/{approval}/decision")),
                (Method::PUT, format!("{base}/tier")),
                (Method::POST, "/api/v1/auth/refresh".to_owned()),
            ];
            (router, token, routes)
        });
        Fixture {
            rt,
            router,
            token,
            routes,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let (method, path) = &f.routes[pick as usize % f.routes.len()];
    let request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", f.token))
        .body(Body::from(body.to_vec()))
        .unwrap();
    let (status, bytes) = f.rt.block_on(async {
        let answer = f.router.clone().oneshot(request).await.unwrap();
        let status = answer.status();
        let bytes = axum::body::to_bytes(answer.into_body(), 16 << 20).await.unwrap();
        (status, bytes)
    });
    assert!(
        !status.is_server_error() || status.as_u16() == 503,
        "{method} {path} answered {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    if status.is_client_error() {
        let error: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!("{method} {path}: a {status} without a JSON body: {bytes:?}")
        });
        assert!(error["error"]["code"].is_string(), "{error}");
    }
});
