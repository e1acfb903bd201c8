//! Messages between agents and people, and approval requests: list them, write to an
//! agent (or to the people), approve or reject.

use agenthq_protocol::{ApprovalId, WorkspaceId};
use agenthq_runtime::store::Role;
use agenthq_runtime::{ApprovalFilter, ApprovalStatus, MessageFilter, Outgoing};
use axum::extract::State;
use axum::http::StatusCode;

use super::extract::{Json, Path, Query};
use super::schema::{
    Approval, ApprovalPage, ApprovalQuery, Decide, Message, MessagePage, MessageQuery, SendMessage,
};
use super::{ApiError, ErrorBody, access, page_limit};
use crate::audit::{ClientIp, Entry};
use crate::auth::Caller;
use crate::startup::AppState;
use serde_json::json;

fn cursor<T: std::str::FromStr>(cursor: Option<&str>) -> Result<Option<T>, ApiError> {
    cursor
        .map(|c| {
            c.parse()
                .map_err(|_| ApiError::bad_request(format!("bad cursor {c:?}")))
        })
        .transpose()
}

/// Messages of the workspace, newest first, a page at a time.
#[utoipa::path(get, path = "/workspaces/{workspace}/messages", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), MessageQuery),
    responses((status = 200, body = MessagePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    Query(query): Query<MessageQuery>,
) -> Result<Json<MessagePage>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let to_people = match query.to.as_deref() {
        None => false,
        Some("people") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown `to` {other:?}: only `people` (or filter by `agent`)"
            )));
        }
    };
    let limit = page_limit(query.limit)?;
    let filter = MessageFilter {
        agent: query.agent,
        to_people,
        before: cursor(query.cursor.as_deref())?,
        limit,
    };
    let items = state.runtime.messages(workspace, &filter).await?;
    let next_cursor = (items.len() == limit as usize)
        .then(|| items.last().map(|m| m.id.to_string()))
        .flatten();
    Ok(Json(MessagePage {
        items: items.into_iter().map(Message::from).collect(),
        next_cursor,
    }))
}

/// Writes to an agent, who reads it with its next turn, or to the workspace's people
/// (members and owners). The office shows it passing.
#[utoipa::path(post, path = "/workspaces/{workspace}/messages", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    request_body = SendMessage,
    responses((status = 201, body = Message), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such workspace or agent", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn send(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path(workspace): Path<WorkspaceId>,
    Json(body): Json<SendMessage>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let author = caller.display_name(&**state.runtime.store()).await?;
    let message = Outgoing {
        from: None,
        to: body.to,
        author,
        text: body.text,
        task: None,
    };
    let sent = state.runtime.send_message(workspace, message).await?;
    let detail = json!({ "to": sent.to });
    let entry = Entry::new(workspace, "message.send")
        .target(sent.id)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok((StatusCode::CREATED, Json(Message::from(sent))))
}

/// Approval requests, newest first; `status=pending` for those waiting for a decision.
#[utoipa::path(get, path = "/workspaces/{workspace}/approvals", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ApprovalQuery),
    responses((status = 200, body = ApprovalPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn approvals(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    Query(query): Query<ApprovalQuery>,
) -> Result<Json<ApprovalPage>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            ApprovalStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown status {s:?}: pending, approved, rejected, expired or cancelled"
                ))
            })
        })
        .transpose()?;
    let limit = page_limit(query.limit)?;
    let filter = ApprovalFilter {
        status,
        before: cursor(query.cursor.as_deref())?,
        limit,
    };
    let items = state.runtime.approvals(workspace, &filter).await?;
    let next_cursor = (items.len() == limit as usize)
        .then(|| items.last().map(|a| a.id.to_string()))
        .flatten();
    Ok(Json(ApprovalPage {
        items: items.into_iter().map(Approval::from).collect(),
        next_cursor,
    }))
}

/// One approval request.
#[utoipa::path(get, path = "/workspaces/{workspace}/approvals/{approval}", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("approval" = String, Path, format = Uuid)),
    responses((status = 200, body = Approval), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, approval_id = %approval))]
pub async fn approval(
    State(state): State<AppState>,
    caller: Caller,
    Path((workspace, approval)): Path<(WorkspaceId, ApprovalId)>,
) -> Result<Json<Approval>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    Ok(Json(Approval::from(
        state.runtime.approval(workspace, approval).await?,
    )))
}

/// Approves or rejects a pending request (members and owners), with an optional comment
/// the agent reads; the agent goes on with the decision.
#[utoipa::path(post, path = "/workspaces/{workspace}/approvals/{approval}/decision", tag = "agents", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("approval" = String, Path, format = Uuid)),
    request_body = Decide,
    responses((status = 200, body = Approval), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_settled`: decided, expired, or its task stopped", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, approval_id = %approval))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path((workspace, approval)): Path<(WorkspaceId, ApprovalId)>,
    Json(body): Json<Decide>,
) -> Result<Json<Approval>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let by = caller.display_name(&**state.runtime.store()).await?;
    let record = state
        .runtime
        .decide(workspace, approval, body.verdict, by, body.comment)
        .await?;
    let detail = json!({ "status": record.status.as_str(), "task": record.task });
    let entry = Entry::new(workspace, "approval.decide")
        .target(approval)
        .detail(detail);
    state.audit.record(&caller, ip, entry).await;
    Ok(Json(Approval::from(record)))
}
