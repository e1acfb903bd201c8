//! Agents: list, create, read, change, remove.

use agenthq_protocol::{AgentId, WorkspaceId};
use agenthq_runtime::NewAgent;
use agenthq_runtime::store::{AgentRecord, Role};
use axum::extract::State;
use axum::http::StatusCode;

use super::extract::{Json, Path};
use super::schema::{Agent, CreateAgent, UpdateAgent};
use super::workspaces::check_name;
use super::{ApiError, ErrorBody, access};
use crate::audit::{ClientIp, Entry};
use crate::auth::Caller;
use crate::startup::AppState;
use serde_json::json;

/// Longest personality, in bytes.
pub const MAX_PERSONALITY_BYTES: usize = 4 * 1024;

fn check_personality(personality: String) -> Result<String, ApiError> {
    if personality.len() > MAX_PERSONALITY_BYTES {
        return Err(ApiError::invalid(format!(
            "personality must be at most {MAX_PERSONALITY_BYTES} bytes"
        )));
    }
    Ok(personality)
}

async fn find(
    state: &AppState,
    workspace: WorkspaceId,
    id: AgentId,
) -> Result<AgentRecord, ApiError> {
    state
        .runtime
        .store()
        .agents(workspace)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::not_found("agent"))
}

/// The workspace's agents, by desk.
#[utoipa::path(get, path = "/workspaces/{workspace}/agents", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<Agent>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Json<Vec<Agent>>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let agents = state.runtime.store().agents(workspace).await?;
    Ok(Json(agents.iter().map(Agent::from).collect()))
}

/// Adds an agent (members and owners); it takes the next free desk.
#[utoipa::path(post, path = "/workspaces/{workspace}/agents", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    request_body = CreateAgent,
    responses((status = 201, body = Agent), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, description = "Bad name, executor or cap", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path(workspace): Path<WorkspaceId>,
    Json(body): Json<CreateAgent>,
) -> Result<(StatusCode, Json<Agent>), ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let defaults = NewAgent::default();
    let new = NewAgent {
        name: check_name(&body.name)?,
        personality: check_personality(body.personality)?,
        executor: body.executor.map_or(defaults.executor, Into::into),
        max_concurrent: body.max_concurrent.unwrap_or(defaults.max_concurrent),
    };
    let agent = state.runtime.create_agent(workspace, new).await?;
    tracing::info!(agent_id = %agent.id, "agent created");
    let detail = json!({ "name": agent.name, "executor": agent.executor.kind });
    let entry = Entry::new(workspace, "agent.create")
        .target(agent.id)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok((StatusCode::CREATED, Json(Agent::from(&agent))))
}

/// One agent.
#[utoipa::path(get, path = "/workspaces/{workspace}/agents/{agent}", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("agent" = String, Path, format = Uuid)),
    responses((status = 200, body = Agent), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, agent_id = %agent))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((workspace, agent)): Path<(WorkspaceId, AgentId)>,
) -> Result<Json<Agent>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    Ok(Json(Agent::from(&find(&state, workspace, agent).await?)))
}

/// Changes an agent (members and owners); fields left out stay.
#[utoipa::path(patch, path = "/workspaces/{workspace}/agents/{agent}", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("agent" = String, Path, format = Uuid)),
    request_body = UpdateAgent,
    responses((status = 200, body = Agent), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, agent_id = %agent))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path((workspace, agent)): Path<(WorkspaceId, AgentId)>,
    Json(body): Json<UpdateAgent>,
) -> Result<Json<Agent>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let old = find(&state, workspace, agent).await?;
    let new = NewAgent {
        name: match body.name {
            Some(name) => check_name(&name)?,
            None => old.name,
        },
        personality: check_personality(body.personality.unwrap_or(old.personality))?,
        executor: body.executor.map_or(old.executor, Into::into),
        max_concurrent: body.max_concurrent.unwrap_or(old.max_concurrent),
    };
    let updated = state.runtime.update_agent(workspace, agent, new).await?;
    let detail = json!({ "name": updated.name, "executor": updated.executor.kind });
    let entry = Entry::new(workspace, "agent.update")
        .target(agent)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok(Json(Agent::from(&updated)))
}

/// Removes an agent (members and owners): its running tasks are cancelled, its queued ones
/// go to the other agents.
#[utoipa::path(delete, path = "/workspaces/{workspace}/agents/{agent}", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("agent" = String, Path, format = Uuid)),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, agent_id = %agent))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path((workspace, agent)): Path<(WorkspaceId, AgentId)>,
) -> Result<StatusCode, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    find(&state, workspace, agent).await?;
    state.runtime.delete_agent(workspace, agent).await?;
    tracing::info!("agent removed");
    let entry = Entry::new(workspace, "agent.delete").target(agent);
    state.audit.record(&caller, ip, entry).await;
    Ok(StatusCode::NO_CONTENT)
}
