//! Workspaces, their members and their API keys.

use agenthq_protocol::{ApiKeyId, UserId, WorkspaceId};
use agenthq_runtime::NewWorkspace;
use agenthq_runtime::store::{Member, Membership, Role};
use agenthq_runtime::task::now_ms;
use axum::extract::State;
use axum::http::StatusCode;

use super::extract::{Json, Path};
use super::schema::{
    AddMember, ApiKey, ChangeRole, CreateApiKey, CreateWorkspace, CreatedApiKey, MemberView,
    PublicWorkspace, PublicWorkspaces, Workspace,
};
use super::{ApiError, ErrorBody, access};
use crate::audit::{ClientIp, Entry};
use crate::auth::Caller;
use crate::startup::AppState;
use serde_json::json;

/// Longest workspace, agent or key name, in bytes.
pub const MAX_NAME_BYTES: usize = 100;

pub(super) fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.len() > MAX_NAME_BYTES {
        return Err(ApiError::invalid(format!(
            "name must be 1 to {MAX_NAME_BYTES} bytes"
        )));
    }
    Ok(name.to_owned())
}

/// The public workspaces (such as the demo office): anyone may watch them over the
/// WebSocket without credentials, so anyone may list them. Viewers started without a
/// workspace pick the first.
#[utoipa::path(get, path = "/public/workspaces", tag = "workspaces",
    responses((status = 200, body = PublicWorkspaces)))]
#[tracing::instrument(skip_all)]
pub async fn public(State(state): State<AppState>) -> Result<Json<PublicWorkspaces>, ApiError> {
    let workspaces = state
        .runtime
        .store()
        .workspaces()
        .await?
        .into_iter()
        .filter(|w| w.public)
        .map(|w| PublicWorkspace {
            id: w.id,
            name: w.name,
        })
        .collect();
    Ok(Json(PublicWorkspaces { workspaces }))
}

/// The workspaces the caller belongs to.
#[utoipa::path(get, path = "/workspaces", tag = "workspaces", security(("bearer" = [])),
    responses((status = 200, body = Vec<Workspace>), (status = 401, body = ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Workspace>>, ApiError> {
    Ok(Json(caller_workspaces(&state, &caller).await?))
}

/// The workspaces a caller has a role in, with the role: a user's memberships, or an API
/// key's one workspace. (`GET /workspaces` and `GET /me` both answer with it.)
pub(super) async fn caller_workspaces(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Workspace>, ApiError> {
    let store = state.runtime.store();
    let roles: Vec<(WorkspaceId, Role)> = match *caller {
        Caller::User(user) => store
            .memberships(user)
            .await?
            .into_iter()
            .map(|m| (m.workspace, m.role))
            .collect(),
        Caller::ApiKey {
            workspace, role, ..
        } => vec![(workspace, role)],
    };
    let mut found = Vec::with_capacity(roles.len());
    for (id, role) in roles {
        if let Some(ws) = store.workspace(id).await? {
            found.push(Workspace::new(&ws, role));
        }
    }
    Ok(found)
}

/// Creates a workspace; the caller becomes its owner. Users only (an API key belongs to
/// one workspace already).
#[utoipa::path(post, path = "/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = CreateWorkspace,
    responses(
        (status = 201, body = Workspace),
        (status = 401, body = ErrorBody),
        (status = 403, description = "API keys cannot create workspaces", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Json(body): Json<CreateWorkspace>,
) -> Result<(StatusCode, Json<Workspace>), ApiError> {
    let Caller::User(user) = caller else {
        return Err(ApiError::forbidden(
            "API keys cannot create workspaces; sign in as a user",
        ));
    };

    let ws = state
        .runtime
        .create_workspace(NewWorkspace {
            name: check_name(&body.name)?,
            tier: state.default_tier,
            caps: None,
            public: body.public,
        })
        .await?;
    let owner = Membership {
        workspace: ws.id,
        user,
        role: Role::Owner,
        created_at: now_ms(),
    };
    state.runtime.store().put_membership(&owner).await?;
    tracing::info!(workspace_id = %ws.id, user_id = %user, "workspace created");
    let detail = json!({ "name": ws.name, "tier": ws.tier.as_str(), "public": ws.public });
    let entry = Entry::new(ws.id, "workspace.create").detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok((StatusCode::CREATED, Json(Workspace::new(&ws, Role::Owner))))
}

/// One workspace.
#[utoipa::path(get, path = "/workspaces/{workspace}", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, body = Workspace), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Json<Workspace>, ApiError> {
    let role = access(&state, &caller, workspace, Role::Viewer).await?;
    let ws = state.runtime.workspace(workspace).await?;
    Ok(Json(Workspace::new(&ws, role)))
}

/// The workspace's members.
#[utoipa::path(get, path = "/workspaces/{workspace}/members", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<MemberView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Json<Vec<MemberView>>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let members = state.runtime.store().members(workspace).await?;
    Ok(Json(members.iter().map(MemberView::from).collect()))
}

/// Adds a registered user to the workspace, or changes their role (owners only).
#[utoipa::path(post, path = "/workspaces/{workspace}/members", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    request_body = AddMember,
    responses(
        (status = 201, body = MemberView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "It would leave the workspace without an owner", body = ErrorBody),
        (status = 422, description = "No user has this email", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path(workspace): Path<WorkspaceId>,
    Json(body): Json<AddMember>,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let store = state.runtime.store();
    let user = store
        .user_by_email(&body.email.trim().to_lowercase())
        .await?
        .ok_or_else(|| ApiError::invalid("no user is registered with this email"))?;
    let view = set_role(&state, workspace, user.id, Some(&user.email), body.role).await?;
    let detail = json!({ "email": user.email, "role": body.role.as_str() });
    let entry = Entry::new(workspace, "member.add")
        .target(user.id)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Changes a member's role (owners only).
#[utoipa::path(patch, path = "/workspaces/{workspace}/members/{user}", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("user" = String, Path, format = Uuid)),
    request_body = ChangeRole,
    responses(
        (status = 200, body = MemberView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "It would leave the workspace without an owner", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn change_role(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path((workspace, user)): Path<(WorkspaceId, UserId)>,
    Json(body): Json<ChangeRole>,
) -> Result<Json<MemberView>, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let view = set_role(&state, workspace, user, None, body.role).await?;
    let detail = json!({ "role": body.role.as_str() });
    let entry = Entry::new(workspace, "member.role")
        .target(user)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok(Json(view))
}

/// Removes a member (owners only).
#[utoipa::path(delete, path = "/workspaces/{workspace}/members/{user}", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("user" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "It would leave the workspace without an owner", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path((workspace, user)): Path<(WorkspaceId, UserId)>,
) -> Result<StatusCode, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let store = state.runtime.store();
    keep_an_owner(&store.members(workspace).await?, user, None)?;
    if !store.delete_membership(workspace, user).await? {
        return Err(ApiError::not_found("member"));
    }
    let entry = Entry::new(workspace, "member.remove").target(user);
    state.audit.record(&caller, ip, entry).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives `user` `role` in the workspace: a new member when `email` is given (a user not
/// yet in it), else only an existing member (404 otherwise). The join time stays.
async fn set_role(
    state: &AppState,
    workspace: WorkspaceId,
    user: UserId,
    email: Option<&str>,
    role: Role,
) -> Result<MemberView, ApiError> {
    let store = state.runtime.store();
    let members = store.members(workspace).await?;
    let existing = members.iter().find(|m| m.membership.user == user);
    let email = match (existing, email) {
        (Some(member), _) => member.email.clone(),
        (None, Some(email)) => email.to_owned(),
        (None, None) => return Err(ApiError::not_found("member")),
    };
    keep_an_owner(&members, user, Some(role))?;
    let membership = Membership {
        workspace,
        user,
        role,
        created_at: existing.map_or_else(now_ms, |m| m.membership.created_at),
    };
    store.put_membership(&membership).await?;
    Ok(MemberView::from(&Member { membership, email }))
}

/// Refuses a change that would leave the workspace (whose `members` these are) with no
/// owner (`new_role` `None`: removal).
fn keep_an_owner(members: &[Member], user: UserId, new_role: Option<Role>) -> Result<(), ApiError> {
    let owner = |m: &&Member| m.membership.role == Role::Owner;
    let is_owner = members
        .iter()
        .filter(owner)
        .any(|m| m.membership.user == user);
    let others = members
        .iter()
        .filter(owner)
        .any(|m| m.membership.user != user);
    if is_owner && !others && new_role != Some(Role::Owner) {
        return Err(ApiError::conflict(
            "last_owner",
            "a workspace needs an owner: make someone else owner first",
        ));
    }
    Ok(())
}

/// The workspace's API keys, revoked ones included (owners only). Secrets are never shown
/// again.
#[utoipa::path(get, path = "/workspaces/{workspace}/api-keys", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, body = Vec<ApiKey>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn api_keys(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Json<Vec<ApiKey>>, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let keys = state.runtime.store().api_keys(workspace).await?;
    Ok(Json(keys.iter().map(ApiKey::from).collect()))
}

/// Creates an API key with a role (owners only). The secret is in this answer only.
#[utoipa::path(post, path = "/workspaces/{workspace}/api-keys", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn create_api_key(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path(workspace): Path<WorkspaceId>,
    Json(body): Json<CreateApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>), ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let created_by = match caller {
        Caller::User(user) => Some(user),
        Caller::ApiKey { .. } => None,
    };
    let new = state
        .auth
        .create_api_key(workspace, &check_name(&body.name)?, body.role, created_by)
        .await?;
    tracing::info!(api_key_id = %new.record.id, "API key created");
    let detail = json!({ "name": new.record.name, "role": new.record.role.as_str() });
    let entry = Entry::new(workspace, "api_key.create")
        .target(new.record.id)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    let created = CreatedApiKey {
        key: ApiKey::from(&new.record),
        secret: new.secret,
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes an API key at once (owners only).
#[utoipa::path(delete, path = "/workspaces/{workspace}/api-keys/{key}", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("key" = String, Path, format = Uuid)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path((workspace, key)): Path<(WorkspaceId, ApiKeyId)>,
) -> Result<StatusCode, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    if !state
        .runtime
        .store()
        .revoke_api_key(workspace, key, now_ms())
        .await?
    {
        return Err(ApiError::not_found("API key"));
    }
    tracing::info!(api_key_id = %key, "API key revoked");
    let entry = Entry::new(workspace, "api_key.revoke").target(key);
    state.audit.record(&caller, ip, entry).await;
    Ok(StatusCode::NO_CONTENT)
}
