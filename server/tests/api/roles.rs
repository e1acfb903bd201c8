//! The role matrix: every route of the API (taken from the OpenAPI document, so a new
//! route without a row here fails) × owner / member / viewer users, member and viewer API
//! keys, a user and a key of another tenant, and no credentials. Each answer must be the
//! expected status, and no answer to an outsider carries anything of the workspace.

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::store::{Membership, Role, UserRecord};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// Who calls.
#[derive(Debug, Clone)]
struct Caller {
    name: &'static str,
    token: Option<String>,
    /// Role in the workspace under test (`None`: a stranger to it).
    role: Option<Role>,
    is_user: bool,
}

/// One route: what it needs, what it answers when allowed, and a body.
struct Route {
    method: Method,
    path: &'static str,
    needs: Role,
    ok: u16,
    body: Option<Value>,
}

fn route(method: Method, path: &'static str, needs: Role, ok: u16, body: Option<Value>) -> Route {
    Route {
        method,
        path,
        needs,
        ok,
        body,
    }
}

fn workspace_routes() -> Vec<Route> {
    use Role::{Member, Owner, Viewer};
    let get = Method::GET;
    let post = Method::POST;
    vec![
        route(get.clone(), "/workspaces/{workspace}", Viewer, 200, None),
        route(
            get.clone(),
            "/workspaces/{workspace}/members",
            Viewer,
            200,
            None,
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/members",
            Owner,
            201,
            Some(json!({ "email": "{email}", "role": "viewer" })),
        ),
        route(
            Method::PATCH,
            "/workspaces/{workspace}/members/{user}",
            Owner,
            200,
            Some(json!({ "role": "member" })),
        ),
        route(
            Method::DELETE,
            "/workspaces/{workspace}/members/{user}",
            Owner,
            204,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/api-keys",
            Owner,
            200,
            None,
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/api-keys",
            Owner,
            201,
            Some(json!({ "name": "matrix", "role": "viewer" })),
        ),
        route(
            Method::DELETE,
            "/workspaces/{workspace}/api-keys/{key}",
            Owner,
            204,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/agents",
            Viewer,
            200,
            None,
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/agents",
            Member,
            201,
            Some(
                json!({ "name": "Temp", "executor": { "kind": "sim", "params": { "step_ms": 60000 } } }),
            ),
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/agents/{agent}",
            Viewer,
            200,
            None,
        ),
        route(
            Method::PATCH,
            "/workspaces/{workspace}/agents/{agent}",
            Member,
            200,
            Some(json!({ "personality": "calm" })),
        ),
        route(
            Method::DELETE,
            "/workspaces/{workspace}/agents/{agent}",
            Member,
            204,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/tasks",
            Viewer,
            200,
            None,
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/tasks",
            Member,
            201,
            Some(json!({ "title": "matrix task" })),
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/tasks/batch",
            Member,
            200,
            Some(json!({ "tasks": [{ "title": "matrix batch task" }] })),
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/tasks/{task}",
            Viewer,
            200,
            None,
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/tasks/{task}/cancel",
            Member,
            200,
            None,
        ),
        // The fixture task is live, so an allowed retry is refused for its state (409),
        // after the role check passed.
        route(
            post.clone(),
            "/workspaces/{workspace}/tasks/{task}/retry",
            Member,
            409,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/dead",
            Viewer,
            200,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/usage",
            Viewer,
            200,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/usage.csv",
            Viewer,
            200,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/messages",
            Viewer,
            200,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/tier",
            Viewer,
            200,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/audit",
            Owner,
            200,
            None,
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/export",
            Owner,
            200,
            None,
        ),
        // Operators only: no role in the workspace is enough, and outsiders learn nothing.
        route(
            Method::PUT,
            "/workspaces/{workspace}/tier",
            Viewer,
            403,
            Some(json!({ "tier": "pro" })),
        ),
        route(
            post.clone(),
            "/workspaces/{workspace}/messages",
            Member,
            201,
            Some(json!({ "to": "{agent}", "text": "Please look at the EU numbers." })),
        ),
        route(
            get.clone(),
            "/workspaces/{workspace}/approvals",
            Viewer,
            200,
            None,
        ),
        // No request is pending in the fixture: an allowed caller learns it is not there,
        // after the role check passed.
        route(
            get,
            "/workspaces/{workspace}/approvals/{approval}",
            Viewer,
            404,
            None,
        ),
        route(
            post,
            "/workspaces/{workspace}/approvals/{approval}/decision",
            Member,
            404,
            Some(json!({ "verdict": "approve" })),
        ),
    ]
}

/// Checked last, weakest caller first: the owner's call deletes the workspace.
const DELETE_WORKSPACE: &str = "DELETE /api/v1/workspaces/{workspace}";

/// Routes not under a workspace, with their own rules (checked in the test below).
const ACCOUNT_ROUTES: [(&str, &str); 8] = [
    ("GET", "/public/workspaces"),
    ("GET", "/tiers"),
    ("POST", "/auth/register"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("GET", "/me"),
    ("GET", "/workspaces"),
    ("POST", "/workspaces"),
];

/// What a caller should get from a workspace route.
fn expected(caller: &Caller, route: &Route) -> u16 {
    match (caller.token.is_some(), caller.role) {
        (false, _) => 401,
        (true, None) => 404,
        (true, Some(role)) if role < route.needs => 403,
        _ => route.ok,
    }
}

/// Fresh objects for one request, so allowed deletes and cancels always find theirs.
struct Fixture {
    values: Vec<(&'static str, String)>,
}

impl Fixture {
    /// Makes what `route` refers to: a member and a spare user, a key, an agent with a task.
    async fn new(
        app: &TestApp,
        ws: WorkspaceId,
        route: &Route,
        agent_params: &Value,
        n: usize,
    ) -> Self {
        let wants = |name: &str| {
            route.path.contains(name)
                || route
                    .body
                    .as_ref()
                    .is_some_and(|b| b.to_string().contains(name))
        };
        let mut values = vec![("{workspace}", ws.to_string())];
        let store = app.runtime.store();
        if wants("{user}") || wants("{email}") {
            let user = UserRecord {
                id: agenthq_protocol::UserId::new(),
                email: format!("fixture{n}@example.com"),
                password_hash: "unused".into(),
                created_at: 1,
                operator: false,
            };
            store.create_user(&user).await.unwrap();
            let spare = UserRecord {
                id: agenthq_protocol::UserId::new(),
                email: format!("spare{n}@example.com"),
                ..user.clone()
            };
            store.create_user(&spare).await.unwrap();
            let membership = Membership {
                workspace: ws,
                user: user.id,
                role: Role::Viewer,
                created_at: 1,
            };
            store.put_membership(&membership).await.unwrap();
            values.push(("{user}", user.id.to_string()));
            values.push(("{email}", spare.email));
        }
        if wants("{key}") {
            let key = agenthq_server::auth::api_key::generate(ws, "fixture", Role::Viewer, None);
            store.create_api_key(&key.record).await.unwrap();
            values.push(("{key}", key.record.id.to_string()));
        }
        if wants("{agent}") || wants("{task}") {
            let agent = app
                .runtime
                .create_agent(
                    ws,
                    agenthq_runtime::NewAgent {
                        name: format!("Fixture {n}"),
                        executor: agenthq_runtime::ExecutorConfig {
                            kind: "sim".into(),
                            params: agent_params.clone(),
                        },
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let task = app
                .runtime
                .submit(
                    ws,
                    agenthq_runtime::NewTask {
                        title: "fixture".into(),
                        agent: Some(agent.id),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .task;
            values.push(("{agent}", agent.id.to_string()));
            values.push(("{task}", task.id.to_string()));
        }
        if wants("{approval}") {
            values.push((
                "{approval}",
                agenthq_protocol::ApprovalId::new().to_string(),
            ));
        }
        Self { values }
    }

    fn fill(&self, text: &str) -> String {
        self.values
            .iter()
            .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
    }

    /// Ids an outsider must never see.
    fn secrets(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|(_, v)| v.as_str())
    }
}

#[tokio::test]
async fn every_route_answers_each_role_and_outsider_as_expected() {
    // Each request's fixture adds an agent: more than the free tier's.
    let app = spawn_app_with(|s| s.default_tier = agenthq_protocol::Tier::Enterprise).await;
    let owner = app.register("owner@example.com").await;
    let ws = app.create_workspace(&owner.access, "Acme").await;
    let mut callers = vec![Caller {
        name: "owner",
        token: Some(owner.access.clone()),
        role: Some(Role::Owner),
        is_user: true,
    }];
    for (name, role) in [("member", Role::Member), ("viewer", Role::Viewer)] {
        let user = app.register(&format!("{name}@example.com")).await;
        let add = json!({ "email": format!("{name}@example.com"), "role": role.as_str() });
        let path = format!("/api/v1/workspaces/{ws}/members");
        assert_eq!(
            app.call(Method::POST, &path, Some(&owner.access), Some(add))
                .await
                .0,
            201
        );
        callers.push(Caller {
            name,
            token: Some(user.access),
            role: Some(role),
            is_user: true,
        });
    }
    for (name, role) in [("member key", Role::Member), ("viewer key", Role::Viewer)] {
        let key = app.api_key(&owner.access, ws, role.as_str()).await;
        callers.push(Caller {
            name,
            token: Some(key),
            role: Some(role),
            is_user: false,
        });
    }
    let stranger = app.register("stranger@example.com").await;
    let elsewhere = app.create_workspace(&stranger.access, "Elsewhere").await;
    let foreign_key = app.api_key(&stranger.access, elsewhere, "owner").await;
    callers.push(Caller {
        name: "other tenant",
        token: Some(stranger.access.clone()),
        role: None,
        is_user: true,
    });
    callers.push(Caller {
        name: "other tenant's key",
        token: Some(foreign_key),
        role: None,
        is_user: false,
    });
    callers.push(Caller {
        name: "anonymous",
        token: None,
        role: None,
        is_user: false,
    });

    // The matrix covers the route table exactly.
    let (_, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    let mut documented: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| format!("{} {}", m.to_uppercase(), path))
        })
        .collect();
    documented.sort();
    let mut covered: Vec<String> = workspace_routes()
        .iter()
        .map(|r| format!("{} /api/v1{}", r.method, r.path))
        .chain(
            ACCOUNT_ROUTES
                .iter()
                .map(|(m, p)| format!("{m} /api/v1{p}")),
        )
        .chain([DELETE_WORKSPACE.to_owned()])
        .collect();
    covered.sort();
    assert_eq!(
        documented, covered,
        "every documented route has a row in the matrix"
    );

    let params = json!({ "steps": 1, "step_ms": 60_000 });
    let mut n = 0;
    let mut failures = Vec::new();
    for route in workspace_routes() {
        for caller in &callers {
            n += 1;
            let fixture = Fixture::new(&app, ws, &route, &params, n).await;
            let path = fixture.fill(&format!("/api/v1{}", route.path));
            let body = route
                .body
                .as_ref()
                .map(|b| serde_json::from_str(&fixture.fill(&b.to_string())).unwrap());
            let (status, answer) = app
                .call(route.method.clone(), &path, caller.token.as_deref(), body)
                .await;
            let want = expected(caller, &route);
            if status != want {
                failures.push(format!(
                    "{} {} as {}: {status}, expected {want}: {answer}",
                    route.method, route.path, caller.name
                ));
            }
            if caller.role.is_none() {
                let text = answer.to_string();
                assert!(
                    !fixture.secrets().any(|s| text.contains(s)),
                    "{} leaked to {}: {text}",
                    route.path,
                    caller.name
                );
                assert!(
                    !text.contains("Acme"),
                    "{} leaked the name to {}: {text}",
                    route.path,
                    caller.name
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} unexpected answers:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Account routes.
    for caller in &callers {
        let (me, _) = app
            .call(Method::GET, "/api/v1/me", caller.token.as_deref(), None)
            .await;
        let (list, listed) = app
            .call(
                Method::GET,
                "/api/v1/workspaces",
                caller.token.as_deref(),
                None,
            )
            .await;
        let create = json!({ "name": "Another" });
        let (created, _) = app
            .call(
                Method::POST,
                "/api/v1/workspaces",
                caller.token.as_deref(),
                Some(create),
            )
            .await;
        let (want_read, want_create) = match (&caller.token, caller.is_user) {
            (None, _) => (401, 401),
            (Some(_), true) => (200, 201),
            (Some(_), false) => (200, 403),
        };
        assert_eq!(
            (me, list, created),
            (want_read, want_read, want_create),
            "{}",
            caller.name
        );
        if caller.role.is_none() && caller.token.is_some() {
            assert!(
                !listed.to_string().contains(&ws.to_string()),
                "{} sees the workspace",
                caller.name
            );
        }
    }

    // Deleting the workspace: everyone but an owner is refused, the owner's call deletes.
    let path = format!("/api/v1/workspaces/{ws}");
    let mut order: Vec<&Caller> = callers.iter().collect();
    order.sort_by_key(|c| (c.token.is_some(), c.role));
    for caller in order {
        let (status, answer) = app
            .call(Method::DELETE, &path, caller.token.as_deref(), None)
            .await;
        let want = match (&caller.token, caller.role) {
            (None, _) => 401,
            (Some(_), None) => 404,
            (Some(_), Some(Role::Owner)) => 204,
            (Some(_), Some(_)) => 403,
        };
        assert_eq!(status, want, "DELETE as {}: {answer}", caller.name);
    }
}
