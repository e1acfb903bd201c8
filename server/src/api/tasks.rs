//! Tasks: submit, list, read, cancel, retry; the dead set; usage.

use std::time::Duration;

use agenthq_protocol::{TaskId, TaskStatus, WorkspaceId};
use agenthq_runtime::store::Role;
use agenthq_runtime::task::MAX_IDEMPOTENCY_KEY_BYTES;
use agenthq_runtime::{NewTask, TaskFilter, TaskRecord};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::extract::{Json, Path, Query};
use super::schema::{PageQuery, SubmitTask, Task, TaskPage, TaskQuery, Usage};
use super::{ApiError, ErrorBody, access, page_limit};
use crate::auth::Caller;
use crate::startup::AppState;

/// Longest task title, in bytes.
pub const MAX_TITLE_BYTES: usize = 500;

fn parse_cursor(cursor: Option<&str>) -> Result<Option<TaskId>, ApiError> {
    cursor
        .map(|c| {
            c.parse()
                .map_err(|_| ApiError::bad_request(format!("bad cursor {c:?}")))
        })
        .transpose()
}

fn page(items: Vec<TaskRecord>, limit: u32) -> TaskPage {
    let next_cursor = (items.len() == limit as usize)
        .then(|| items.last().map(|t| t.id.to_string()))
        .flatten();
    TaskPage {
        items: items.into_iter().map(Task::from).collect(),
        next_cursor,
    }
}

/// Submits a task (members and owners); answered once it is durable. With an idempotency
/// key (in the body or the `Idempotency-Key` header) a repeat returns the first task with
/// 200.
#[utoipa::path(post, path = "/workspaces/{workspace}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid),
        ("Idempotency-Key" = Option<String>, Header, description = "Same as `idempotency_key` in the body")),
    request_body = SubmitTask,
    responses(
        (status = 201, description = "Accepted and stored", body = Task),
        (status = 200, description = "An earlier submission with the same key", body = Task),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such workspace or agent", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "`queue_full`: the workspace holds max_queued tasks", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    headers: HeaderMap,
    Json(body): Json<SubmitTask>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let header_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| ApiError::invalid("Idempotency-Key must be visible ASCII"))?;
    let idempotency_key = match (body.idempotency_key, header_key) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::invalid(
                "the Idempotency-Key header and idempotency_key differ",
            ));
        }
        (a, b) => a.or(b),
    };
    if idempotency_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY_BYTES)
    {
        return Err(ApiError::invalid(format!(
            "idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes"
        )));
    }
    let title = body.title.trim();
    if title.is_empty() || title.len() > MAX_TITLE_BYTES {
        return Err(ApiError::invalid(format!(
            "title must be 1 to {MAX_TITLE_BYTES} bytes"
        )));
    }
    let task = NewTask {
        agent: body.agent,
        title: title.to_owned(),
        input: body.input,
        priority: body.priority,
        max_attempts: body.max_attempts,
        timeout: body.timeout_ms.map(Duration::from_millis),
        backoff: body.backoff_ms.map(Duration::from_millis),
        idempotency_key,
    };
    let submitted = state.runtime.submit(workspace, task).await?;
    let status = if submitted.created {
        tracing::debug!(task_id = %submitted.task.id, "task accepted");
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Task::from(submitted.task))))
}

/// Tasks, newest first, a page at a time; filter by status and agent.
#[utoipa::path(get, path = "/workspaces/{workspace}/tasks", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), TaskQuery),
    responses((status = 200, body = TaskPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    Query(query): Query<TaskQuery>,
) -> Result<Json<TaskPage>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            TaskStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown status {s:?}: queued, running, succeeded, failed, cancelled or dead"
                ))
            })
        })
        .transpose()?;
    let limit = page_limit(query.limit)?;
    let filter = TaskFilter {
        status,
        agent: query.agent,
        before: parse_cursor(query.cursor.as_deref())?,
        limit,
    };
    let tasks = state.runtime.tasks(workspace, &filter).await?;
    Ok(Json(page(tasks, limit)))
}

/// One task.
#[utoipa::path(get, path = "/workspaces/{workspace}/tasks/{task}", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("task" = String, Path, format = Uuid)),
    responses((status = 200, body = Task), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, task_id = %task))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((workspace, task)): Path<(WorkspaceId, TaskId)>,
) -> Result<Json<Task>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    Ok(Json(Task::from(state.runtime.task(workspace, task).await?)))
}

/// Cancels a task (members and owners). A queued task is cancelled at once; a running one
/// still says `running` here and ends `cancelled` when its attempt stops.
#[utoipa::path(post, path = "/workspaces/{workspace}/tasks/{task}/cancel", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("task" = String, Path, format = Uuid)),
    responses((status = 200, body = Task), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The task has finished", body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, task_id = %task))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path((workspace, task)): Path<(WorkspaceId, TaskId)>,
) -> Result<Json<Task>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    Ok(Json(Task::from(
        state.runtime.cancel(workspace, task).await?,
    )))
}

/// Puts a dead or failed task back in the queue with fresh attempts (members and owners).
#[utoipa::path(post, path = "/workspaces/{workspace}/tasks/{task}/retry", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), ("task" = String, Path, format = Uuid)),
    responses((status = 200, body = Task), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The task is still live", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace, task_id = %task))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    Path((workspace, task)): Path<(WorkspaceId, TaskId)>,
) -> Result<Json<Task>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    Ok(Json(Task::from(
        state.runtime.retry(workspace, task).await?,
    )))
}

/// The dead set: tasks that used up their attempts, newest first.
#[utoipa::path(get, path = "/workspaces/{workspace}/dead", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), PageQuery),
    responses((status = 200, body = TaskPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn dead(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    Query(query): Query<PageQuery>,
) -> Result<Json<TaskPage>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    let limit = page_limit(query.limit)?;
    let before = parse_cursor(query.cursor.as_deref())?;
    let tasks = state.runtime.dead(workspace, before, limit).await?;
    Ok(Json(page(tasks, limit)))
}

/// Usage per UTC day, and totals.
#[utoipa::path(get, path = "/workspaces/{workspace}/usage", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    responses((status = 200, body = Usage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
) -> Result<Json<Usage>, ApiError> {
    access(&state, &caller, workspace, Role::Viewer).await?;
    Ok(Json(Usage::new(&state.runtime.usage(workspace).await?)))
}
