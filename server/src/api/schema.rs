//! The JSON bodies of the HTTP API, with their OpenAPI schemas. Store records are turned
//! into these at the edge, so the API's shape is chosen here and not by the tables.

use agenthq_protocol::{AgentId, ApiKeyId, TaskId, TaskStatus, Tier, UserId, WorkspaceId};
use agenthq_runtime::TaskRecord;
use agenthq_runtime::store::{
    AgentRecord, ApiKeyRecord, ExecutorConfig, Member, Role, UsageDelta, UsageRow, UserRecord,
    WorkspaceRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::TokenPair;

// ---- accounts ----

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    #[schema(example = "ada@example.com")]
    pub email: String,
    /// 8 to 256 bytes.
    #[schema(example = "correct horse battery")]
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    pub email: String,
    /// Unix milliseconds.
    pub created_at: i64,
}

impl From<&UserRecord> for User {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            created_at: u.created_at,
        }
    }
}

/// Login, registration and refresh answer with a fresh pair of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub user: User,
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchange at `/api/v1/auth/refresh` for a new pair; works once.
    pub refresh_token: String,
}

impl Session {
    pub fn new(user: &UserRecord, tokens: TokenPair) -> Self {
        Self {
            user: user.into(),
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token,
        }
    }
}

/// Who the credential is, and where it may act.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The user, for an access token.
    pub user: Option<User>,
    /// The key, for an API key.
    pub api_key: Option<ApiKey>,
    pub workspaces: Vec<Workspace>,
}

// ---- workspaces, members, keys ----

/// A new workspace, on the `free` tier (an operator changes tiers).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWorkspace {
    #[schema(example = "Generic Corp")]
    pub name: String,
    /// Watchable over WebSocket without credentials.
    #[serde(default)]
    pub public: bool,
}

/// A workspace anyone may watch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicWorkspace {
    #[schema(value_type = String, format = Uuid)]
    pub id: WorkspaceId,
    pub name: String,
}

/// `GET /public/workspaces`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicWorkspaces {
    pub workspaces: Vec<PublicWorkspace>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Workspace {
    #[schema(value_type = String, format = Uuid)]
    pub id: WorkspaceId,
    pub name: String,
    #[schema(value_type = String, example = "free")]
    pub tier: Tier,
    pub public: bool,
    /// Tasks running at once, at most.
    pub max_running: u32,
    /// Tasks waiting, at most; submissions past it get 429 `queue_full`.
    pub max_queued: u32,
    pub created_at: i64,
    /// The caller's role here: `owner`, `member` or `viewer`.
    #[schema(value_type = String, example = "owner")]
    pub role: Role,
}

impl Workspace {
    pub fn new(w: &WorkspaceRecord, role: Role) -> Self {
        Self {
            id: w.id,
            name: w.name.clone(),
            tier: w.tier,
            public: w.public,
            max_running: w.max_running,
            max_queued: w.max_queued,
            created_at: w.created_at,
            role,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMember {
    /// A registered user's email.
    pub email: String,
    #[schema(value_type = String, example = "member")]
    pub role: Role,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeRole {
    #[schema(value_type = String, example = "viewer")]
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    #[schema(value_type = String, format = Uuid)]
    pub user_id: UserId,
    pub email: String,
    #[schema(value_type = String, example = "member")]
    pub role: Role,
    pub joined_at: i64,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            user_id: m.membership.user,
            email: m.email.clone(),
            role: m.membership.role,
            joined_at: m.membership.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiKey {
    #[schema(example = "ci")]
    pub name: String,
    #[schema(value_type = String, example = "member")]
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    #[schema(value_type = String, format = Uuid)]
    pub id: ApiKeyId,
    #[schema(value_type = String, format = Uuid)]
    pub workspace: WorkspaceId,
    pub name: String,
    #[schema(value_type = String, example = "member")]
    pub role: Role,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub created_by: Option<UserId>,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl From<&ApiKeyRecord> for ApiKey {
    fn from(k: &ApiKeyRecord) -> Self {
        Self {
            id: k.id,
            workspace: k.workspace,
            name: k.name.clone(),
            role: k.role,
            created_by: k.created_by,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A new key. `secret` is shown this once; only its digest is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub key: ApiKey,
    #[schema(example = "ahq_0190f5d28c4b7d3e9a1b2c3d4e5f6a7b_...")]
    pub secret: String,
}

// ---- agents ----

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Executor {
    /// A registered executor: `sim` (simulated work).
    #[schema(example = "sim")]
    pub kind: String,
    /// The executor's settings.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
}

impl From<Executor> for ExecutorConfig {
    fn from(e: Executor) -> Self {
        ExecutorConfig {
            kind: e.kind,
            params: e.params,
        }
    }
}

/// A new agent. Fields left out take their defaults (`sim` executor, one task at a time).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateAgent {
    #[schema(example = "Sable Chen")]
    pub name: String,
    #[serde(default)]
    #[schema(example = "Principal engineer; terse, exacting, kind in review.")]
    pub personality: String,
    pub executor: Option<Executor>,
    /// Tasks this agent runs at once; at least 1.
    pub max_concurrent: Option<u32>,
}

/// Changes to an agent; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateAgent {
    pub name: Option<String>,
    pub personality: Option<String>,
    pub executor: Option<Executor>,
    pub max_concurrent: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agent {
    #[schema(value_type = String, format = Uuid)]
    pub id: AgentId,
    pub name: String,
    pub personality: String,
    pub executor: Executor,
    pub max_concurrent: u32,
    /// Its desk in the office.
    pub desk: u32,
    pub created_at: i64,
}

impl From<&AgentRecord> for Agent {
    fn from(a: &AgentRecord) -> Self {
        Self {
            id: a.id,
            name: a.name.clone(),
            personality: a.personality.clone(),
            executor: Executor {
                kind: a.executor.kind.clone(),
                params: a.executor.params.clone(),
            },
            max_concurrent: a.max_concurrent,
            desk: a.desk,
            created_at: a.created_at,
        }
    }
}

// ---- tasks ----

/// `POST .../tasks/batch`: up to 1 000 submissions.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitBatch {
    pub tasks: Vec<SubmitTask>,
}

/// One task's answer in a batch: the status it would have had alone, and the task or the
/// error.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    pub status: u16,
    pub task: Option<Task>,
    #[schema(value_type = Option<Object>)]
    pub error: Option<crate::api::error::ErrorDetail>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchAnswer {
    pub results: Vec<BatchItem>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitTask {
    #[schema(example = "Review the billing migration")]
    pub title: String,
    /// Free-form input for the executor.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub input: serde_json::Value,
    /// The agent to run it; the least-loaded agent when left out.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agent: Option<AgentId>,
    /// Higher runs first (default 0).
    #[serde(default)]
    pub priority: i32,
    /// Attempts in all (the server's retry policy when left out).
    pub max_attempts: Option<u32>,
    /// Timeout of one attempt, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Delay before the first retry, doubling after, in milliseconds.
    pub backoff_ms: Option<u64>,
    /// A second submission with the same key returns the first task (200 instead of
    /// 201). The `Idempotency-Key` header does the same.
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    #[schema(value_type = String, format = Uuid)]
    pub id: TaskId,
    #[schema(value_type = String, format = Uuid)]
    pub workspace: WorkspaceId,
    /// The agent it was submitted to, if any.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub agent: Option<AgentId>,
    /// The agent running it, or that last ran it.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assigned: Option<AgentId>,
    pub title: String,
    #[schema(value_type = Object)]
    pub input: serde_json::Value,
    pub priority: i32,
    /// `queued`, `running`, `succeeded`, `failed`, `cancelled` or `dead`.
    #[schema(value_type = String, example = "queued")]
    pub status: TaskStatus,
    pub attempts: u32,
    pub max_attempts: u32,
    pub backoff_ms: u64,
    pub timeout_ms: u64,
    pub idempotency_key: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// A queued task waiting out a retry backoff runs no earlier than this (unix ms).
    pub run_after: Option<i64>,
}

impl From<TaskRecord> for Task {
    fn from(t: TaskRecord) -> Self {
        Self {
            id: t.id,
            workspace: t.workspace,
            agent: t.agent,
            assigned: t.assigned,
            title: t.title,
            input: t.input,
            priority: t.priority,
            status: t.status,
            attempts: t.attempts,
            max_attempts: t.max_attempts,
            backoff_ms: t.backoff_ms,
            timeout_ms: t.timeout_ms,
            idempotency_key: t.idempotency_key,
            result: t.result,
            error: t.error,
            created_at: t.created_at,
            updated_at: t.updated_at,
            run_after: t.run_after,
        }
    }
}

/// One page of a list, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub items: Vec<Task>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Only tasks in this status.
    #[param(value_type = Option<String>, example = "running")]
    pub status: Option<String>,
    /// Only tasks submitted to, or run by, this agent.
    #[param(value_type = Option<String>, format = Uuid)]
    pub agent: Option<AgentId>,
    /// From a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page: 1 to 200, default 50.
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<String>,
    /// Items per page: 1 to 200, default 50.
    pub limit: Option<u32>,
}

// ---- usage ----

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct UsageDay {
    /// The UTC day, `YYYY-MM-DD` (`total` in the totals row).
    pub day: String,
    /// Seconds agents spent running tasks.
    pub agent_seconds: f64,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub dead: u64,
    /// Model tokens sent to `llm` endpoints (prompts, tool results).
    pub tokens_in: u64,
    /// Model tokens received from them (replies, tool calls).
    pub tokens_out: u64,
    /// What those tokens cost by the node's price table, in US dollars.
    pub spend_usd: f64,
    /// Tasks accepted.
    pub submitted: u64,
    /// API requests on the workspace's routes.
    pub api_requests: u64,
    /// Time WebSocket connections spent watching the workspace, in seconds.
    pub ws_connection_seconds: f64,
}

/// A quota of the workspace's tier, where it stands in its current period.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaView {
    /// `tasks_per_day`, `agent_minutes_per_month` or `llm_budget_usd`.
    pub quota: &'static str,
    /// The period: `YYYY-MM-DD` or `YYYY-MM`.
    pub period: String,
    pub used: f64,
    pub limit: f64,
    /// `under`; `warning` from 80 %; `exhausted` from 100 %, when submissions are refused
    /// (429 `quota_exceeded`; 402 `budget_exceeded` for the model budget).
    pub level: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Usage {
    /// Oldest first.
    pub days: Vec<UsageDay>,
    /// Per calendar month (UTC; `day` is `YYYY-MM`), oldest first.
    pub months: Vec<UsageDay>,
    pub total: UsageDay,
    /// Each quota of the tier in its current period.
    pub quotas: Vec<QuotaView>,
    pub budget: Budget,
    /// Each agent's share (agents that used nothing are left out; a removed agent's
    /// usage stays).
    pub agents: Vec<AgentUsage>,
}

/// One agent's usage: this calendar month (UTC; `day` is `YYYY-MM`) and in total.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentUsage {
    #[schema(value_type = String, format = Uuid)]
    pub agent: AgentId,
    pub month: UsageDay,
    pub total: UsageDay,
}

/// The workspace's model budget for the current calendar month (UTC), set by its tier.
#[derive(Debug, Serialize, ToSchema)]
pub struct Budget {
    /// `YYYY-MM`.
    pub month: String,
    pub limit_usd: f64,
    pub spent_usd: f64,
    /// `under`; `warning` from 80 % spent; `exhausted` from 100 %, when tasks for agents
    /// that call a model are refused (402 `budget_exceeded`) until the next month.
    pub level: &'static str,
}

impl Usage {
    /// The rows' days and totals, and the budget of the month holding `today` (days since
    /// the epoch) against `limit` micro-dollars.
    pub fn new(
        rows: &[UsageRow],
        agent_rows: &[agenthq_runtime::store::AgentUsageRow],
        tier: &agenthq_runtime::TierLimits,
        today: i64,
    ) -> Self {
        let limit = tier.llm_budget();
        let month = agenthq_runtime::budget::month_start(today);
        let spent: u64 = rows
            .iter()
            .filter(|row| row.day >= month)
            .map(|row| row.usage.spend_micros)
            .sum();
        let level = level_name(agenthq_runtime::budget::level(spent, limit));
        let budget = Budget {
            month: civil_date(month)[..7].to_owned(),
            limit_usd: limit as f64 / 1e6,
            spent_usd: spent as f64 / 1e6,
            level,
        };
        let mut total = UsageDelta::default();
        let days = rows
            .iter()
            .map(|row| {
                total.add(&row.usage);
                usage_day(civil_date(row.day), &row.usage)
            })
            .collect();
        let mut agents: std::collections::BTreeMap<AgentId, [UsageDelta; 2]> = Default::default();
        for row in agent_rows {
            let [this_month, all] = agents.entry(row.agent).or_default();
            if row.day >= month {
                this_month.add(&row.usage);
            }
            all.add(&row.usage);
        }
        let agents = agents
            .into_iter()
            .map(|(agent, [this_month, all])| AgentUsage {
                agent,
                month: usage_day(budget.month.clone(), &this_month),
                total: usage_day("total".into(), &all),
            })
            .collect();
        let mut months: std::collections::BTreeMap<i64, UsageDelta> = Default::default();
        for row in rows {
            months
                .entry(agenthq_runtime::budget::month_start(row.day))
                .or_default()
                .add(&row.usage);
        }
        let months = months
            .into_iter()
            .map(|(first, u)| usage_day(civil_date(first)[..7].to_owned(), &u))
            .collect();
        let quotas = agenthq_runtime::quota::Quotas::new(rows, today);
        let quota = |quota, period: String, used: u64, limit: u64, scale: f64| QuotaView {
            quota,
            period,
            used: used as f64 / scale,
            limit: limit as f64 / scale,
            level: level_name(agenthq_runtime::budget::level(used, limit)),
        };
        let quotas = vec![
            quota(
                "tasks_per_day",
                civil_date(today),
                quotas.tasks_today,
                tier.tasks_per_day,
                1.0,
            ),
            quota(
                "agent_minutes_per_month",
                budget.month.clone(),
                quotas.agent_ms_month,
                tier.agent_minutes_per_month.saturating_mul(60_000),
                60_000.0,
            ),
            quota("llm_budget_usd", budget.month.clone(), spent, limit, 1e6),
        ];
        Self {
            days,
            months,
            total: usage_day("total".into(), &total),
            quotas,
            budget,
            agents,
        }
    }

    /// The days (`period` `day`) or months as CSV, oldest first, with a header row.
    pub fn csv(&self, months: bool) -> String {
        let mut out = String::from(
            "period,agent_seconds,submitted,succeeded,failed,cancelled,dead,tokens_in,tokens_out,spend_usd,api_requests,ws_connection_seconds\n",
        );
        let rows = if months { &self.months } else { &self.days };
        for d in rows {
            out.push_str(&format!(
                "{},{:.3},{},{},{},{},{},{},{},{:.6},{},{:.3}\n",
                d.day,
                d.agent_seconds,
                d.submitted,
                d.succeeded,
                d.failed,
                d.cancelled,
                d.dead,
                d.tokens_in,
                d.tokens_out,
                d.spend_usd,
                d.api_requests,
                d.ws_connection_seconds
            ));
        }
        out
    }
}

fn level_name(level: agenthq_runtime::budget::Level) -> &'static str {
    match level {
        agenthq_runtime::budget::Level::Under => "under",
        agenthq_runtime::budget::Level::Warning => "warning",
        agenthq_runtime::budget::Level::Exhausted => "exhausted",
    }
}

fn usage_day(day: String, u: &UsageDelta) -> UsageDay {
    UsageDay {
        day,
        agent_seconds: u.agent_ms as f64 / 1000.0,
        succeeded: u.succeeded,
        failed: u.failed,
        cancelled: u.cancelled,
        dead: u.dead,
        tokens_in: u.tokens_in,
        tokens_out: u.tokens_out,
        spend_usd: u.spend_micros as f64 / 1e6,
        submitted: u.submitted,
        api_requests: u.api_requests,
        ws_connection_seconds: u.ws_ms as f64 / 1000.0,
    }
}

/// `YYYY-MM-DD` of a day number since 1970-01-01.
fn civil_date(days: i64) -> String {
    let (year, month, day) = agenthq_runtime::task::civil(days);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_become_calendar_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(19_723), "2024-01-01");
        assert_eq!(super::civil_date(20_414), "2025-11-22");
        assert_eq!(super::civil_date(-1), "1969-12-31");
    }
}

// ---- messages and approvals ----

/// A message between agents, or between an agent and the workspace's people.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    #[schema(value_type = String, format = Uuid)]
    pub id: agenthq_protocol::MessageId,
    /// The agent that wrote it; absent for a person.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub from: Option<AgentId>,
    /// The agent it is for; absent for the workspace's people.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub to: Option<AgentId>,
    /// The agent's name, or the person's email (`key <name>` for an API key).
    pub author: String,
    pub text: String,
    /// The task its writer was working on.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub task: Option<TaskId>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// When its reader (an agent) took it into a turn; absent while unread.
    pub delivered_at: Option<i64>,
}

impl From<agenthq_runtime::MessageRecord> for Message {
    fn from(m: agenthq_runtime::MessageRecord) -> Self {
        Self {
            id: m.id,
            from: m.from,
            to: m.to,
            author: m.author,
            text: m.text,
            task: m.task,
            created_at: m.created_at,
            delivered_at: m.delivered_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<Message>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// The agent to write to; absent or null for the workspace's people.
    #[schema(value_type = Option<String>, format = Uuid)]
    #[serde(default)]
    pub to: Option<AgentId>,
    /// 1 to 4000 characters.
    #[schema(example = "Please prioritise the EU numbers.")]
    pub text: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// Only messages from or to this agent.
    #[param(value_type = Option<String>, format = Uuid)]
    pub agent: Option<AgentId>,
    /// `people`: only messages to the workspace's people.
    #[param(value_type = Option<String>, example = "people")]
    pub to: Option<String>,
    pub cursor: Option<String>,
    /// Items per page: 1 to 200, default 50.
    pub limit: Option<u32>,
}

/// An agent's request for a person's approval, and how it ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Approval {
    #[schema(value_type = String, format = Uuid)]
    pub id: agenthq_protocol::ApprovalId,
    #[schema(value_type = String, format = Uuid)]
    pub task: TaskId,
    #[schema(value_type = String, format = Uuid)]
    pub agent: AgentId,
    /// What the agent wants to do.
    pub action: String,
    /// What a person needs to decide.
    pub detail: String,
    /// `pending`, `approved`, `rejected`, `expired` or `cancelled`.
    #[schema(example = "pending")]
    pub status: &'static str,
    /// Who decided (an email, or `key <name>`).
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    /// Unix milliseconds.
    pub requested_at: i64,
    /// When it expires undecided (Unix milliseconds).
    pub expires_at: i64,
    pub decided_at: Option<i64>,
}

impl From<agenthq_runtime::ApprovalRecord> for Approval {
    fn from(a: agenthq_runtime::ApprovalRecord) -> Self {
        Self {
            id: a.id,
            task: a.task,
            agent: a.agent,
            action: a.action,
            detail: a.detail,
            status: a.status.as_str(),
            decided_by: a.decided_by,
            comment: a.comment,
            requested_at: a.requested_at,
            expires_at: a.expires_at,
            decided_at: a.decided_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalPage {
    pub items: Vec<Approval>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalQuery {
    /// Only requests in this status (`pending` for those waiting for a decision).
    #[param(value_type = Option<String>, example = "pending")]
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// Items per page: 1 to 200, default 50.
    pub limit: Option<u32>,
}

/// A person's decision on an approval request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decide {
    /// `approve` or `reject`.
    #[schema(value_type = String, example = "approve")]
    pub verdict: agenthq_protocol::Verdict,
    /// Passed to the agent with the decision; at most 4000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}
