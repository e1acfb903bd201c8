//! The audit log of a workspace: who did what, when, from where (owners only).

use std::collections::HashMap;

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use agenthq_runtime::store::{ActorKind, AuditEntry, Role};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{Json, Path, Query};
use super::{ApiError, ErrorBody, access, page_limit};
use crate::auth::Caller;
use crate::startup::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// Items per page: 1 to 200, default 50.
    pub limit: Option<u32>,
}

/// Who acted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditActor {
    /// `user` or `api_key`.
    #[schema(value_type = String, example = "user")]
    pub kind: ActorKind,
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// The user's email, or `key <name>`; `null` when it no longer exists.
    pub name: Option<String>,
}

/// One thing someone did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditItem {
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor: AuditActor,
    /// `workspace.create`, `member.add`, `member.role`, `member.remove`, `api_key.create`,
    /// `api_key.revoke`, `agent.create`, `agent.update`, `agent.delete`, `task.submit`,
    /// `task.submit_batch`, `task.cancel`, `task.retry`, `message.send`,
    /// `approval.decide`, `tier.set`.
    pub action: String,
    /// What it was done to (an id), if anything.
    pub target: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The client's address.
    pub ip: Option<String>,
}

/// `GET /workspaces/{id}/audit`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
}

/// The audit log, newest first, a page at a time (owners only).
#[utoipa::path(get, path = "/workspaces/{workspace}/audit", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let limit = page_limit(query.limit)?;
    let before = query
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<Uuid>()
                .map_err(|_| ApiError::bad_request(format!("bad cursor {c:?}")))
        })
        .transpose()?;
    let entries = state
        .runtime
        .store()
        .audit(workspace, before, limit)
        .await?;
    let next_cursor = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id.to_string()))
        .flatten();
    let items = items(&**state.runtime.store(), workspace, entries).await?;
    Ok(Json(AuditPage { items, next_cursor }))
}

/// Entries as the API shows them, with each actor's name (looked up once per call).
pub(super) async fn items(
    store: &dyn agenthq_runtime::Store,
    workspace: WorkspaceId,
    entries: Vec<AuditEntry>,
) -> Result<Vec<AuditItem>, ApiError> {
    let mut names: HashMap<(u8, Uuid), Option<String>> = HashMap::new();
    for e in &entries {
        let key = (e.actor_kind as u8, e.actor);
        if names.contains_key(&key) {
            continue;
        }
        let name = match e.actor_kind {
            ActorKind::User => store
                .user(UserId::from_uuid(e.actor))
                .await?
                .map(|u| u.email),
            ActorKind::ApiKey => store
                .api_key(ApiKeyId::from_uuid(e.actor))
                .await?
                .filter(|k| k.workspace == workspace)
                .map(|k| format!("key {}", k.name)),
        };
        names.insert(key, name);
    }
    Ok(entries
        .into_iter()
        .map(|e: AuditEntry| AuditItem {
            actor: AuditActor {
                kind: e.actor_kind,
                id: e.actor,
                name: names.get(&(e.actor_kind as u8, e.actor)).cloned().flatten(),
            },
            id: e.id,
            at: e.at,
            action: e.action,
            target: e.target,
            detail: e.detail,
            ip: e.ip,
        })
        .collect())
}
