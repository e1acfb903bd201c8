//! Data rights: a workspace's data as one JSON archive, and deleting a workspace with
//! everything in it (owners only).

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::store::Role;
use agenthq_runtime::{ApprovalFilter, MessageFilter, Store, TaskFilter};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use tokio::sync::mpsc;

use super::extract::Path;
use super::schema::{Agent, ApiKey, Approval, MemberView, Message, Task, Workspace};
use super::{ApiError, ErrorBody, access};
use crate::auth::Caller;
use crate::startup::AppState;

/// The archive's format; its last key is `"complete": true`, so a cut-off download shows.
pub const FORMAT: &str = "agenthq.export.v1";
/// Rows read from the store at a time.
const PAGE: u32 = 500;
/// Chunks of the archive waiting for the client, at most (the store is read no faster
/// than the client takes them).
const CHUNKS: usize = 4;

/// The workspace's data as one JSON document, streamed: the workspace, members, API keys
/// (never secrets), agents, usage per day and per agent, then every task, message,
/// approval request and audit entry, newest first. Owners only.
#[utoipa::path(get, path = "/workspaces/{workspace}/export", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, description = "The archive (`application/json`, keys: format, exported_at, workspace, members, api_keys, agents, usage, agent_usage, tasks, messages, approvals, audit, complete)"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Response, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    let record = state.runtime.workspace(workspace).await?;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(CHUNKS);
    let store = state.runtime.store().clone();
    tokio::spawn(async move {
        let out = Out { tx };
        if let Err(err) = write_archive(&*store, &record, &out).await {
            tracing::error!(workspace_id = %record.id, error = %err.message, "export cut short");
            let _ = out.tx.send(Err(std::io::Error::other(err.message))).await;
        }
    });
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"agenthq-{workspace}.json\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Deletes the workspace and everything in it: tasks, agents, messages, approval
/// requests, usage, memberships, API keys and its audit log (export it first). Its
/// agents stop at once. Owners only.
#[utoipa::path(delete, path = "/workspaces/{workspace}", tag = "workspaces", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<StatusCode, ApiError> {
    access(&state, &caller, workspace, Role::Owner).await?;
    state.runtime.delete_workspace(workspace).await?;
    state.rate.forget_tier(workspace);
    // Its audit log went with it: the deletion is in the node's log.
    tracing::info!(workspace_id = %workspace, credential = %caller.credential(), "workspace deleted with everything in it");
    Ok(StatusCode::NO_CONTENT)
}

struct Out {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Out {
    async fn raw(&self, s: impl Into<String>) -> Result<(), ApiError> {
        self.tx
            .send(Ok(Bytes::from(s.into())))
            .await
            .map_err(|_| internal("the client went away"))
    }

    /// `"key":` and the value.
    async fn field(&self, key: &str, value: &impl Serialize) -> Result<(), ApiError> {
        let value = serde_json::to_string(value).map_err(internal)?;
        self.raw(format!("\"{key}\":{value},")).await
    }

    /// `"key":[...],` from the pages `read(cursor)` answers: each page's items, and the
    /// cursor of the next page (`None` after the last).
    async fn pages<C, U, F, Fut>(&self, key: &str, mut read: F) -> Result<(), ApiError>
    where
        U: Serialize,
        F: FnMut(Option<C>) -> Fut,
        Fut: std::future::Future<Output = Result<(Vec<U>, Option<C>), ApiError>>,
    {
        self.raw(format!("\"{key}\":[")).await?;
        let (mut cursor, mut first) = (None, true);
        loop {
            let (items, next) = read(cursor).await?;
            self.items(&items, first).await?;
            first = false;
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        self.raw("],").await
    }

    /// Items of an array (`first`: none was written before them).
    async fn items<T: Serialize>(&self, items: &[T], first: bool) -> Result<(), ApiError> {
        let mut chunk = String::new();
        for (i, item) in items.iter().enumerate() {
            if i > 0 || !first {
                chunk.push(',');
            }
            chunk.push_str(&serde_json::to_string(item).map_err(internal)?);
        }
        self.raw(chunk).await
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

/// The cursor for the page after `page` (its last id), if it was full.
fn next<T, C>(page: &[T], id: impl Fn(&T) -> C) -> Option<C> {
    (page.len() == PAGE as usize)
        .then(|| page.last().map(id))
        .flatten()
}

async fn write_archive(
    store: &dyn Store,
    record: &agenthq_runtime::store::WorkspaceRecord,
    out: &Out,
) -> Result<(), ApiError> {
    let ws = record.id;
    out.raw("{").await?;
    out.field("format", &FORMAT).await?;
    out.field("exported_at", &agenthq_runtime::task::now_ms())
        .await?;
    out.field("workspace", &Workspace::new(record, Role::Owner))
        .await?;
    let members: Vec<MemberView> = store
        .members(ws)
        .await?
        .iter()
        .map(MemberView::from)
        .collect();
    out.field("members", &members).await?;
    let keys: Vec<ApiKey> = store.api_keys(ws).await?.iter().map(ApiKey::from).collect();
    out.field("api_keys", &keys).await?;
    let agents: Vec<Agent> = store.agents(ws).await?.iter().map(Agent::from).collect();
    out.field("agents", &agents).await?;
    out.field("usage", &store.usage(ws).await?).await?;
    out.field("agent_usage", &store.agent_usage(ws).await?)
        .await?;

    out.pages("tasks", |before| async move {
        let filter = TaskFilter {
            before,
            limit: PAGE,
            ..TaskFilter::default()
        };
        let page = store.tasks(ws, &filter).await?;
        let cursor = next(&page, |t| t.id);
        Ok((page.into_iter().map(Task::from).collect::<Vec<_>>(), cursor))
    })
    .await?;
    out.pages("messages", |before| async move {
        let filter = MessageFilter {
            before,
            limit: PAGE,
            ..MessageFilter::default()
        };
        let page = store.messages(ws, &filter).await?;
        let cursor = next(&page, |m| m.id);
        Ok((
            page.into_iter().map(Message::from).collect::<Vec<_>>(),
            cursor,
        ))
    })
    .await?;
    out.pages("approvals", |before| async move {
        let filter = ApprovalFilter {
            before,
            limit: PAGE,
            ..ApprovalFilter::default()
        };
        let page = store.approvals(ws, &filter).await?;
        let cursor = next(&page, |a| a.id);
        Ok((
            page.into_iter().map(Approval::from).collect::<Vec<_>>(),
            cursor,
        ))
    })
    .await?;
    out.pages("audit", |before| async move {
        let page = store.audit(ws, before, PAGE).await?;
        let cursor = next(&page, |e| e.id);
        Ok((super::audit::items(store, ws, page).await?, cursor))
    })
    .await?;
    out.raw("\"complete\":true}").await
}
