//! Tiers: the table every workspace's limits come from, and setting a workspace's tier
//! (operators only: people flagged with `agenthq user create --operator`).

use agenthq_protocol::{Tier, WorkspaceId};
use agenthq_runtime::store::{Role, WorkspaceRecord};
use agenthq_runtime::{TierLimits, WorkspaceCaps};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Json, Path};
use super::{ApiError, ErrorBody, access};
use crate::audit::Entry;
use crate::auth::Caller;
use crate::startup::AppState;

/// One tier and what it allows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TierRow {
    #[schema(value_type = String, example = "free")]
    pub tier: Tier,
    /// `max_running`, `max_queued`, `max_agents`, `max_priority`, `tasks_per_day`,
    /// `agent_minutes_per_month`, `llm_budget_usd`, `requests_per_hour`,
    /// `ws_connections`.
    #[schema(value_type = Object)]
    pub limits: TierLimits,
}

/// `GET /tiers`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TierTable {
    pub tiers: Vec<TierRow>,
}

/// A workspace's tier: what the tier allows, and the caps in force (the tier's unless
/// an operator set others).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceTier {
    #[schema(value_type = String, format = Uuid)]
    pub workspace: WorkspaceId,
    #[schema(value_type = String, example = "free")]
    pub tier: Tier,
    #[schema(value_type = Object)]
    pub limits: TierLimits,
    pub max_running: u32,
    pub max_queued: u32,
}

impl WorkspaceTier {
    fn new(w: &WorkspaceRecord, limits: &TierLimits) -> Self {
        Self {
            workspace: w.id,
            tier: w.tier,
            limits: *limits,
            max_running: w.max_running,
            max_queued: w.max_queued,
        }
    }
}

/// `PUT /workspaces/{id}/tier`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTier {
    #[schema(value_type = String, example = "pro")]
    pub tier: Tier,
    /// Caps other than the tier's (an agreement); each defaults to the tier's.
    #[serde(default)]
    pub max_running: Option<u32>,
    #[serde(default)]
    pub max_queued: Option<u32>,
}

fn row(tier: Tier, limits: &TierLimits) -> TierRow {
    TierRow {
        tier,
        limits: *limits,
    }
}

/// What each tier allows: caps, quotas, model budget, request rate, WebSocket
/// connections. Public, like a pricing page.
#[utoipa::path(get, path = "/tiers", tag = "workspaces",
    responses((status = 200, body = TierTable)))]
pub async fn table(State(state): State<AppState>) -> Json<TierTable> {
    let tiers = &state.runtime.config().tiers;
    Json(TierTable {
        tiers: Tier::ALL.iter().map(|&t| row(t, tiers.get(t))).collect(),
    })
}

/// The workspace's tier, what it allows, and the caps in force.
#[utoipa::path(get, path = "/workspaces/{workspace}/tier", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, body = WorkspaceTier), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Json<WorkspaceTier>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let record = state.runtime.workspace(workspace).await?;
    Ok(Json(WorkspaceTier::new(
        &record,
        state.runtime.config().tiers.get(record.tier),
    )))
}

/// Sets a workspace's tier, at once and without a restart: its caps (the tier's, or
/// `max_running` / `max_queued` given here), model budget, quotas and rate limits follow.
/// Operators only.
#[utoipa::path(put, path = "/workspaces/{workspace}/tier", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    request_body = SetTier,
    responses(
        (status = 200, body = WorkspaceTier),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Only operators set tiers", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn set(
    State(state): State<AppState>,
    caller: Caller,
    ip: crate::audit::ClientIp,
    Path(workspace): Path<WorkspaceId>,
    Json(body): Json<SetTier>,
) -> Result<Json<WorkspaceTier>, ApiError> {
    let operator = match caller {
        Caller::User(user) => state
            .runtime
            .store()
            .user(user)
            .await?
            .is_some_and(|u| u.operator),
        Caller::ApiKey { .. } => false,
    };
    if !operator {
        // A member learns it needs an operator; anyone else learns nothing of the id.
        access(&state, &caller, workspace, Role::Viewer).await?;
        return Err(ApiError::forbidden(
            "only an operator of this installation sets a workspace's tier",
        ));
    }
    let limits = *state.runtime.config().tiers.get(body.tier);
    let caps = match (body.max_running, body.max_queued) {
        (None, None) => None,
        (running, queued) => Some(WorkspaceCaps {
            max_running: running.unwrap_or(limits.max_running),
            max_queued: queued.unwrap_or(limits.max_queued),
        }),
    };
    let record = state.runtime.set_tier(workspace, body.tier, caps).await?;
    state.rate.forget_tier(workspace);
    let detail = serde_json::json!({
        "tier": record.tier.as_str(),
        "max_running": record.max_running,
        "max_queued": record.max_queued,
    });
    let entry = Entry::new(workspace, "tier.set").detail(detail);
    state.audit.record(&caller, ip, entry).await;
    tracing::info!(workspace_id = %workspace, tier = record.tier.as_str(), "tier set");
    Ok(Json(WorkspaceTier::new(&record, &limits)))
}
