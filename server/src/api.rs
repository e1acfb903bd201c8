//! The HTTP API under `/api/v1`, and its OpenAPI document at `/openapi.json`.
//!
//! Every handler names its caller ([`Caller`], from the bearer credential) and, for
//! workspace routes, checks the caller's role there with [`access`] before touching
//! anything. A workspace the caller has no role in answers 404 exactly as a workspace
//! that does not exist, so ids of other tenants reveal nothing; a role too weak answers
//! 403. Every lookup below is scoped by the workspace in the path.
//!
//! - [`accounts`]: register, login, refresh, `me`.
//! - [`workspaces`]: workspaces, members, API keys.
//! - [`agents`], [`tasks`]: agents; tasks, the dead set, usage.

mod accounts;
mod agents;
mod audit;
mod data;
pub(crate) mod error;
mod extract;
pub mod schema;
mod talk;
mod tasks;
mod tiers;
mod workspaces;

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::store::Role;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::{ApiError, ErrorBody};

use crate::auth::Caller;
use crate::startup::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AgentHQ API",
        description = "Workspaces of AI agents running durable tasks. Authenticate with \
            `Authorization: Bearer <access token or API key>`. Errors are \
            `{\"error\": {\"code\", \"message\"}}`. Live state streams over the WebSocket \
            at `/ws` (see docs/protocol.md)."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login and tokens"),
        (name = "workspaces", description = "Workspaces, members and API keys"),
        (name = "agents", description = "Agents of a workspace"),
        (name = "tasks", description = "Tasks, the dead set and usage"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API's routes under `/api/v1`, and the OpenAPI document they describe.
pub fn router(max_body_bytes: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let api = OpenApiRouter::new()
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::refresh))
        .routes(routes!(accounts::me))
        .routes(routes!(workspaces::public))
        .routes(routes!(workspaces::list, workspaces::create))
        .routes(routes!(workspaces::get, data::delete))
        .routes(routes!(data::export))
        .routes(routes!(tiers::table))
        .routes(routes!(tiers::get, tiers::set))
        .routes(routes!(audit::list))
        .routes(routes!(workspaces::members, workspaces::add_member))
        .routes(routes!(workspaces::change_role, workspaces::remove_member))
        .routes(routes!(workspaces::api_keys, workspaces::create_api_key))
        .routes(routes!(workspaces::revoke_api_key))
        .routes(routes!(agents::list, agents::create))
        .routes(routes!(agents::get, agents::update, agents::delete))
        .routes(routes!(tasks::list, tasks::submit))
        .routes(routes!(tasks::submit_batch))
        .routes(routes!(tasks::get))
        .routes(routes!(tasks::cancel))
        .routes(routes!(tasks::retry))
        .routes(routes!(tasks::dead))
        .routes(routes!(tasks::usage))
        .routes(routes!(tasks::usage_csv))
        .routes(routes!(talk::messages, talk::send))
        .routes(routes!(talk::approvals))
        .routes(routes!(talk::approval))
        .routes(routes!(talk::decide));
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .split_for_parts();
    let router = router
        // Unknown paths under the API answer in the API's JSON (the rest of the site is
        // the web office's).
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::not_found("route") }),
        )
        .layer(DefaultBodyLimit::max(max_body_bytes));
    (router, openapi)
}

/// The caller's role in `workspace` if it is at least `needed`: 404 when it has none
/// there (or the workspace does not exist), 403 when it is weaker.
pub async fn access(
    state: &AppState,
    caller: &Caller,
    workspace: WorkspaceId,
    needed: Role,
) -> Result<Role, ApiError> {
    let role = caller
        .role_in(&**state.runtime.store(), workspace)
        .await?
        .ok_or_else(|| ApiError::not_found("workspace"))?;
    if role < needed {
        return Err(ApiError::forbidden(format!(
            "this needs the {} role in the workspace; you are {}",
            needed.as_str(),
            role.as_str()
        )));
    }
    crate::ratelimit::workspace_request(state, workspace).await?;
    Ok(role)
}

/// Items per page when a list does not say, and the most it may ask for.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        n @ 1..=MAX_PAGE => Ok(n),
        _ => Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_PAGE}"
        ))),
    }
}
