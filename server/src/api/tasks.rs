//! Tasks: submit, list, read, cancel, retry; the dead set; usage.

use std::time::Duration;

use agenthq_protocol::{TaskId, TaskStatus, WorkspaceId};
use agenthq_runtime::store::Role;
use agenthq_runtime::task::MAX_IDEMPOTENCY_KEY_BYTES;
use agenthq_runtime::{NewTask, TaskFilter, TaskRecord};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::error::ErrorDetail;
use super::extract::{Json, Path, Query};
use super::schema::{
    BatchAnswer, BatchItem, PageQuery, SubmitBatch, SubmitTask, Task, TaskPage, TaskQuery, Usage,
};
use super::{ApiError, ErrorBody, access, page_limit};
use crate::audit::{ClientIp, Entry};
use crate::auth::Caller;
use crate::startup::AppState;
use serde_json::json;

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
        (status = 402, description = "`budget_exceeded`: the task is for an agent that calls a model, and the workspace spent its model budget for the month", body = ErrorBody),
        (status = 429, description = "`queue_full`: the workspace holds max_queued tasks", body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
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
    let task = new_task(body, header_key)?;
    let submitted = state.runtime.submit(workspace, task).await?;
    let status = if submitted.created {
        tracing::debug!(task_id = %submitted.task.id, "task accepted");
        let t = &submitted.task;
        let detail = json!({ "title": t.title, "agent": t.agent, "priority": t.priority });
        let entry = Entry::new(workspace, "task.submit")
            .target(t.id)
            .detail(detail);
        state.audit.record(&caller, ip, entry).await;
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(Task::from(submitted.task))))
}

/// A submission checked and turned into the runtime's `NewTask`; `header_key` is the
/// `Idempotency-Key` header, if any.
fn new_task(body: SubmitTask, header_key: Option<String>) -> Result<NewTask, ApiError> {
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
    Ok(NewTask {
        agent: body.agent,
        title: title.to_owned(),
        input: body.input,
        priority: body.priority,
        max_attempts: body.max_attempts,
        timeout: body.timeout_ms.map(Duration::from_millis),
        backoff: body.backoff_ms.map(Duration::from_millis),
        idempotency_key,
    })
}

/// Most tasks in one batch submission.
pub const MAX_BATCH: usize = 1_000;

/// Submits up to 1 000 tasks in one request (members and owners), stored together (one
/// transaction where the store allows): the batch counterpart of `POST .../tasks`, for
/// integrations that enqueue in bulk. Every task is checked first (one bad task: 422 for
/// the whole batch, naming it); then each gets its own answer, in order: `201` accepted,
/// `200` an earlier submission with the same idempotency key, `429` `queue_full` past the
/// workspace's `max_queued` (the tasks before it were accepted).
#[utoipa::path(post, path = "/workspaces/{workspace}/tasks/batch", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid)),
    request_body = SubmitBatch,
    responses(
        (status = 200, description = "One answer per task, in order", body = BatchAnswer),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn submit_batch(
    State(state): State<AppState>,
    caller: Caller,
    ip: ClientIp,
    Path(workspace): Path<WorkspaceId>,
    Json(body): Json<SubmitBatch>,
) -> Result<Json<BatchAnswer>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    if body.tasks.is_empty() || body.tasks.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!(
            "a batch holds 1 to {MAX_BATCH} tasks"
        )));
    }
    let tasks = body
        .tasks
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            new_task(t, None).map_err(|e| ApiError::invalid(format!("task {i}: {}", e.message)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let answers = state.runtime.submit_many(workspace, tasks).await?;
    let created: Vec<String> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().filter(|s| s.created))
        .map(|s| s.task.id.to_string())
        .collect();
    if !created.is_empty() {
        let detail = json!({ "created": created.len(), "refused": answers.iter().filter(|a| a.is_err()).count(), "tasks": created });
        let entry = Entry::new(workspace, "task.submit_batch").detail(detail);
        state.audit.record(&caller, ip, entry).await;
    }
    let results = answers
        .into_iter()
        .map(|answer| match answer {
            Ok(submitted) => BatchItem {
                status: if submitted.created { 201 } else { 200 },
                task: Some(Task::from(submitted.task)),
                error: None,
            },
            Err(err) => {
                let err = ApiError::from(err);
                BatchItem {
                    status: err.status.as_u16(),
                    task: None,
                    error: Some(ErrorDetail {
                        code: err.code.to_owned(),
                        message: err.message,
                    }),
                }
            }
        })
        .collect();
    Ok(Json(BatchAnswer { results }))
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
    ip: ClientIp,
    Path((workspace, task)): Path<(WorkspaceId, TaskId)>,
) -> Result<Json<Task>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let cancelled = state.runtime.cancel(workspace, task).await?;
    let entry = Entry::new(workspace, "task.cancel").target(task);
    state.audit.record(&caller, ip, entry).await;
    Ok(Json(Task::from(cancelled)))
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
    ip: ClientIp,
    Path((workspace, task)): Path<(WorkspaceId, TaskId)>,
) -> Result<Json<Task>, ApiError> {
    access(&state, &caller, workspace, Role::Member).await?;
    let retried = state.runtime.retry(workspace, task).await?;
    let entry = Entry::new(workspace, "task.retry").target(task);
    state.audit.record(&caller, ip, entry).await;
    Ok(Json(Task::from(retried)))
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

/// Usage per UTC day, and totals; each agent's this month and in total.
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
    Ok(Json(usage_of(&state, workspace).await?))
}

async fn usage_of(state: &AppState, workspace: WorkspaceId) -> Result<Usage, ApiError> {
    let tier = state.runtime.workspace(workspace).await?.tier;
    let limits = state.runtime.config().tiers.get(tier);
    let rows = state.runtime.usage(workspace).await?;
    let agent_rows = state.runtime.agent_usage(workspace).await?;
    Ok(Usage::new(
        &rows,
        &agent_rows,
        limits,
        agenthq_runtime::task::today(),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// `day` (the default) or `month`.
    pub period: Option<String>,
}

/// Usage as CSV, one row per UTC day or calendar month, oldest first, for spreadsheets
/// and billing: `period, agent_seconds, submitted, succeeded, failed, cancelled, dead,
/// tokens_in, tokens_out, spend_usd, api_requests, ws_connection_seconds`.
#[utoipa::path(get, path = "/workspaces/{workspace}/usage.csv", tag = "tasks", security(("bearer" = [])),
    params(("workspace" = String, Path, format = Uuid), CsvQuery),
    responses((status = 200, description = "text/csv", content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(skip_all, fields(workspace_id = %workspace))]
pub async fn usage_csv(
    State(state): State<AppState>,
    caller: Caller,
    Path(workspace): Path<WorkspaceId>,
    Query(query): Query<CsvQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    access(&state, &caller, workspace, Role::Viewer).await?;
    let months = match query.period.as_deref() {
        None | Some("day") => false,
        Some("month") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown period {other:?}: day or month"
            )));
        }
    };
    let csv = usage_of(&state, workspace).await?.csv(months);
    let name = format!(
        "attachment; filename=\"agenthq-usage-{workspace}-{}.csv\"",
        if months { "months" } else { "days" }
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        csv,
    )
        .into_response())
}
