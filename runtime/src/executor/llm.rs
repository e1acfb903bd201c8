//! `llm`: an agent loop over a model endpoint. The agent's name, personality and
//! instructions are the system prompt, the task is the user turn; then the model is called
//! again and again, its tool calls run and their results sent back, until it answers
//! without a tool call, calls `finish`, or hits the step or token limit.
//!
//! Two wire formats, chosen per endpoint: Anthropic's Messages API and OpenAI-compatible
//! chat completions, both streamed. What the model says streams into the agent's activity
//! (its bubble in the office) as it arrives; each tool call and its outcome is a line too.
//! Tokens are metered per call into the workspace's usage and returned with the result.
//!
//! Parts: [`sse`] decodes the event streams, [`anthropic`] and [`openai`] speak the two
//! formats, [`client`] makes one call with retries, [`tools`] holds what an agent may use.

mod anthropic;
mod client;
mod conversation;
mod openai;
mod sse;
mod tools;

use std::collections::BTreeMap;
use std::path::PathBuf;

use agenthq_protocol::{ActivityKind, WorkspaceId};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Value, json};

pub use client::{ApiKey, CallPolicy, Endpoint, Provider};

pub use tools::{HttpSettings, ShellSettings, ToolName, ToolSettings};

use self::client::Progress;
use self::conversation::{Block, Delta, Message, Request, Role, Usage};
use self::tools::{ToolOutcome, Toolbox, Tools};
use super::{ExecContext, ExecError, Executor, LINE_CHARS, clip};
use crate::store::ExecutorConfig;

/// The operator's settings for every `llm` agent of the node.
#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// Model endpoints by name; an agent names one (`"endpoint": "local"`), or gets
    /// [`Self::default_endpoint`].
    pub endpoints: BTreeMap<String, Endpoint>,
    pub default_endpoint: String,
    /// A workspace's own default endpoint (by name), before the node's.
    pub workspace_endpoints: BTreeMap<WorkspaceId, String>,
    /// Model calls one task may make.
    pub max_steps: u32,
    /// Most tokens one reply may have.
    pub max_reply_tokens: u32,
    /// Tokens (in and out, all calls together) one attempt may use before it is stopped.
    pub max_task_tokens: u64,
    /// Each workspace's `shell` tool works in `<sandbox_dir>/<workspace id>`; unset, no
    /// agent can be granted `shell`.
    pub sandbox_dir: Option<PathBuf>,
    pub tools: ToolSettings,
    /// What each model costs, by model name; a model not listed costs nothing (its tokens
    /// are still counted).
    pub prices: BTreeMap<String, Price>,
    pub call: CallPolicy,
}

/// A model's price in US dollars per million tokens (the providers' own unit).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, Deserialize)]
pub struct Price {
    pub input: f64,
    pub output: f64,
}

impl Price {
    /// The cost of one call in micro-dollars (dollars per million tokens are micro-dollars
    /// per token).
    fn micros(&self, usage: Usage) -> u64 {
        let cost =
            usage.input_tokens as f64 * self.input + usage.output_tokens as f64 * self.output;
        cost.max(0.0).round() as u64
    }
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            endpoints: BTreeMap::new(),
            default_endpoint: "default".into(),
            workspace_endpoints: BTreeMap::new(),
            max_steps: 12,
            max_reply_tokens: 2048,
            max_task_tokens: 200_000,
            sandbox_dir: None,
            tools: ToolSettings::default(),
            prices: BTreeMap::new(),
            call: CallPolicy::default(),
        }
    }
}

/// What an `llm` agent's executor params say.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Params {
    /// A name in the settings' endpoints; the default endpoint when absent.
    endpoint: Option<String>,
    /// The endpoint's model when absent.
    model: Option<String>,
    /// The agent's role and instructions, after its personality in the system prompt.
    instructions: Option<String>,
    tools: Vec<ToolName>,
    /// At most the settings' `max_steps`.
    max_steps: Option<u32>,
}

impl Params {
    fn parse(params: &Value) -> Result<Self, String> {
        if params.is_null() {
            return Ok(Self::default());
        }
        Self::deserialize(params).map_err(|e| format!("invalid llm parameters: {e}"))
    }
}

/// The `llm` executor.
#[derive(Debug)]
pub struct LlmExecutor {
    settings: LlmSettings,
    http: reqwest::Client,
    tools: Tools,
}

impl LlmExecutor {
    pub fn new(settings: LlmSettings) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.call.connect_timeout)
            .build()
            .map_err(|e| format!("the HTTP client could not be built: {e}"))?;
        let tools = Tools::new(settings.tools.clone());
        Ok(Self {
            settings,
            http,
            tools,
        })
    }

    /// The endpoint and model an agent's params resolve to: the endpoint it names, else
    /// its workspace's, else the node's default.
    fn endpoint<'a>(
        &'a self,
        params: &'a Params,
        workspace: WorkspaceId,
    ) -> Result<(&'a Endpoint, &'a str), String> {
        let name = params
            .endpoint
            .as_deref()
            .or_else(|| {
                let own = self.settings.workspace_endpoints.get(&workspace);
                own.map(String::as_str)
            })
            .unwrap_or(&self.settings.default_endpoint);
        let endpoint = self.settings.endpoints.get(name).ok_or_else(|| {
            if self.settings.endpoints.is_empty() {
                "no model endpoint is configured on this node (see docs/agents.md)".to_owned()
            } else {
                format!(
                    "no model endpoint named {name:?} (configured: {})",
                    self.settings
                        .endpoints
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        })?;
        Ok((endpoint, params.model.as_deref().unwrap_or(&endpoint.model)))
    }

    /// The agent's tools, with `shell` in the workspace's sandbox folder.
    fn toolbox(&self, params: &Params, workspace: WorkspaceId) -> Result<Toolbox, String> {
        let sandbox =
            (self.settings.sandbox_dir.as_ref()).map(|dir| dir.join(workspace.to_string()));
        Toolbox::new(&params.tools, &self.tools, sandbox).map_err(|e| e.to_string())
    }
}

#[async_trait]
impl Executor for LlmExecutor {
    fn spends(&self) -> bool {
        true
    }

    fn check(&self, workspace: WorkspaceId, config: &ExecutorConfig) -> Result<(), String> {
        let params = Params::parse(&config.params)?;
        self.endpoint(&params, workspace)?;
        self.toolbox(&params, workspace)?;
        Ok(())
    }

    async fn run(&self, ctx: &ExecContext) -> Result<Value, ExecError> {
        let params = Params::parse(&ctx.config.params).map_err(ExecError::permanent)?;
        let (endpoint, model) = self
            .endpoint(&params, ctx.task.workspace)
            .map_err(ExecError::permanent)?;
        let toolbox = self
            .toolbox(&params, ctx.task.workspace)
            .map_err(ExecError::permanent)?;
        let plan = Plan {
            endpoint,
            model,
            price: self.settings.prices.get(model),
            system: system_prompt(ctx, &params),
            specs: toolbox.specs(),
            toolbox,
            max_steps: params
                .max_steps
                .unwrap_or(self.settings.max_steps)
                .clamp(1, self.settings.max_steps.max(1)),
        };
        let mut usage = Usage::default();
        self.converse(ctx, &plan, &mut usage)
            .await
            .map_err(|mut e| {
                // A failed attempt still cost what it used: say so on the task.
                if usage.total() > 0 {
                    e.message.push_str(&format!(
                        " (this attempt used {} tokens in, {} out)",
                        usage.input_tokens, usage.output_tokens
                    ));
                }
                e
            })
    }
}

/// How one attempt talks to its model.
struct Plan<'a> {
    endpoint: &'a Endpoint,
    model: &'a str,
    price: Option<&'a Price>,
    system: String,
    specs: Vec<conversation::ToolSpec>,
    toolbox: Toolbox,
    max_steps: u32,
}

impl LlmExecutor {
    /// The loop: call the model, run its tool calls, send their results, until it answers
    /// without one, calls `finish`, or a limit is hit. `usage` counts what was used.
    async fn converse(
        &self,
        ctx: &ExecContext,
        plan: &Plan<'_>,
        usage: &mut Usage,
    ) -> Result<Value, ExecError> {
        let mut messages = vec![Message::user_text(task_prompt(ctx))];
        let mut speech = Speech::new(ctx);
        for step in 1..=plan.max_steps {
            if ctx.budget_exhausted() {
                return Err(ExecError::permanent(
                    "budget_exceeded: the workspace's model budget for this month is spent",
                ));
            }
            if usage.total() >= self.settings.max_task_tokens {
                return Err(ExecError::permanent(format!(
                    "the task used {} tokens, past its limit of {}",
                    usage.total(),
                    self.settings.max_task_tokens
                )));
            }
            deliver_inbox(ctx, &mut messages).await;
            ctx.progress(((step - 1) * 1000 / plan.max_steps) as u16);
            let request = Request {
                model: plan.model,
                system: &plan.system,
                messages: &messages,
                tools: &plan.specs,
                max_tokens: self.settings.max_reply_tokens,
            };
            let reply = client::complete(
                &self.http,
                plan.endpoint,
                &self.settings.call,
                &request,
                &mut |p| speech.hear(p),
            )
            .await;
            speech.flush();
            let reply = reply.map_err(|e| ExecError {
                retryable: e.retryable(),
                message: e.to_string(),
            })?;
            usage.add(reply.usage);
            ctx.spend(
                reply.usage.input_tokens,
                reply.usage.output_tokens,
                plan.price.map_or(0, |p| p.micros(reply.usage)),
            );
            let text = reply.text();
            let calls: Vec<(String, String, Value)> = reply
                .tool_uses()
                .map(|(id, name, input)| (id.to_owned(), name.to_owned(), input.clone()))
                .collect();
            messages.push(Message {
                role: Role::Assistant,
                blocks: reply.blocks,
            });
            if calls.is_empty() {
                return Ok(outcome(json!(text), step, *usage));
            }
            match run_tools(ctx, &plan.toolbox, calls).await {
                Turn::Finished(result) => return Ok(outcome(result, step, *usage)),
                Turn::Results(results) => messages.push(Message {
                    role: Role::User,
                    blocks: results,
                }),
            }
        }
        Err(ExecError::permanent(format!(
            "the agent did not finish within {} model calls",
            plan.max_steps
        )))
    }
}

/// Takes the agent's unread messages into the next call: a text block after the turn's
/// task or tool results, so the model reads them before it answers. A store error only
/// delays them to a later turn.
async fn deliver_inbox(ctx: &ExecContext, messages: &mut [Message]) {
    let inbox = match ctx.inbox().await {
        Ok(inbox) if !inbox.is_empty() => inbox,
        Ok(_) => return,
        Err(e) => {
            tracing::warn!(task_id = %ctx.task.id, error = %e, "could not read the agent's messages");
            return;
        }
    };
    let mut text = String::from("Messages for you since your last turn:");
    for m in &inbox {
        let who = if m.from.is_some() {
            format!("{} (colleague)", m.author)
        } else {
            format!("{} (person)", m.author)
        };
        text.push_str(&format!("\n- From {who}: {}", m.text));
    }
    let line = format!(
        "read {} message{}",
        inbox.len(),
        if inbox.len() == 1 { "" } else { "s" }
    );
    ctx.activity(ActivityKind::Status, line);
    if let Some(last) = messages.last_mut() {
        last.blocks.push(Block::Text(text));
    }
}

/// What running a reply's tool calls came to.
enum Turn {
    /// Their results, for the next call.
    Results(Vec<Block>),
    /// `finish` was called: the task's result.
    Finished(Value),
}

/// Runs a reply's tool calls in order, each shown in the office with its outcome.
async fn run_tools(
    ctx: &ExecContext,
    toolbox: &Toolbox,
    calls: Vec<(String, String, Value)>,
) -> Turn {
    let mut results = Vec::with_capacity(calls.len());
    for (id, name, input) in calls {
        ctx.activity(ActivityKind::ToolCall, format!("{name} {}", brief(&input)));
        let (content, is_error) = match toolbox.call(ctx, &name, &input).await {
            ToolOutcome::Finish(result) => return Turn::Finished(result),
            ToolOutcome::Ok(content) => {
                ctx.activity(ActivityKind::Output, first_line(&content));
                (content, false)
            }
            ToolOutcome::Error(content) => {
                let line = format!("{name} failed: {}", first_line(&content));
                ctx.activity(ActivityKind::Status, line);
                (content, true)
            }
        };
        results.push(Block::ToolResult {
            id,
            content,
            is_error,
        });
    }
    Turn::Results(results)
}

/// The task's result: what the agent answered, and what it took.
fn outcome(result: Value, steps: u32, usage: Usage) -> Value {
    json!({
        "result": result,
        "steps": steps,
        "usage": { "input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens },
    })
}

fn system_prompt(ctx: &ExecContext, params: &Params) -> String {
    let mut prompt = format!(
        "You are {}, an agent working in a team of agents (AgentHQ).",
        ctx.agent_name
    );
    if !ctx.personality.is_empty() {
        prompt.push(' ');
        prompt.push_str(&ctx.personality);
    }
    if let Some(instructions) = &params.instructions {
        prompt.push_str("\n\n");
        prompt.push_str(instructions);
    }
    prompt.push_str(
        "\n\nWork on the task you are given. Use your tools when they help. When the work \
         is done, call `finish` with the result, or answer without calling a tool.",
    );
    prompt
}

/// The user turn: the task's title, then its input (a string as is, an object's `prompt`,
/// anything else as JSON).
fn task_prompt(ctx: &ExecContext) -> String {
    let title = &ctx.task.title;
    match &ctx.task.input {
        Value::Null => title.clone(),
        Value::String(s) => format!("{title}\n\n{s}"),
        Value::Object(o) if o.get("prompt").is_some_and(Value::is_string) => {
            format!("{title}\n\n{}", o["prompt"].as_str().unwrap_or_default())
        }
        other => format!("{title}\n\n{other}"),
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    clip(line.trim())
}

fn brief(input: &Value) -> String {
    clip(&input.to_string())
}

/// Turns streamed text into activity lines: one per line of text, or per
/// [`LINE_CHARS`] of a long one (cut at a space), so the office bubble follows the model
/// without a line per token.
struct Speech<'a> {
    ctx: &'a ExecContext,
    pending: String,
}

impl<'a> Speech<'a> {
    fn new(ctx: &'a ExecContext) -> Self {
        Self {
            ctx,
            pending: String::new(),
        }
    }

    fn hear(&mut self, progress: Progress<'_>) {
        match progress {
            Progress::Delta(Delta::Text(text)) => {
                self.pending.push_str(text);
                while let Some(end) = self.pending.find('\n') {
                    let line: String = self.pending.drain(..=end).collect();
                    self.say(&line);
                }
                if let Some((limit, _)) = self.pending.char_indices().nth(LINE_CHARS) {
                    let cut = self.pending[..limit]
                        .rfind(' ')
                        .filter(|&i| i > 0)
                        .unwrap_or(limit);
                    let line: String = self.pending.drain(..cut).collect();
                    self.say(&line);
                }
            }
            Progress::Delta(Delta::ToolCall(_)) => self.flush(),
            Progress::Retry { why, after } => {
                self.pending.clear(); // The next try says it again.
                let line = format!(
                    "model call failed ({}); retrying in {:.1} s",
                    clip(why),
                    after.as_secs_f64()
                );
                self.ctx.activity(ActivityKind::Status, line);
            }
        }
    }

    fn flush(&mut self) {
        let line = std::mem::take(&mut self.pending);
        self.say(&line);
    }

    fn say(&self, line: &str) {
        let line = line.trim();
        if !line.is_empty() {
            self.ctx.activity(ActivityKind::Thought, clip(line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::test_context;

    #[test]
    fn streamed_text_becomes_a_line_per_line_or_per_200_characters_not_per_token() {
        let (ctx, signals) = test_context(Value::Null, 1);
        let mut speech = Speech::new(&ctx);
        for token in ["Plan", ":", " ship", " Friday", ".\nThen", " rest", "."] {
            speech.hear(Progress::Delta(Delta::Text(token)));
        }
        let long = "word ".repeat(60); // 300 characters, no newline
        speech.hear(Progress::Delta(Delta::Text(&long)));
        speech.hear(Progress::Retry {
            why: "HTTP 529: overloaded",
            after: std::time::Duration::from_millis(1500),
        });
        speech.hear(Progress::Delta(Delta::Text("Again.")));
        speech.flush();
        let lines: Vec<(ActivityKind, String)> = signals.take().lines;
        let texts: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts[0], "Plan: ship Friday.");
        assert!(
            texts[1].starts_with("Then rest.word") && texts[1].chars().count() <= 200,
            "{:?}",
            texts[1]
        );
        assert!(
            texts[2].starts_with("model call failed (HTTP 529: overloaded); retrying in 1.5 s"),
            "{texts:?}"
        );
        assert_eq!(
            texts[3], "Again.",
            "what a failed try left unsaid is dropped"
        );
        assert_eq!(lines.len(), 4, "{texts:?}");
        assert_eq!(lines[2].0, ActivityKind::Status);
    }

    #[test]
    fn an_agent_uses_the_endpoint_it_names_else_its_workspaces_else_the_default() {
        let endpoint = |model: &str| Endpoint {
            provider: Provider::Openai,
            base_url: "http://127.0.0.1:1/v1".into(),
            api_key: None,
            model: model.into(),
        };
        let ours = WorkspaceId::new();
        let settings = LlmSettings {
            endpoints: [
                ("default".to_owned(), endpoint("big")),
                ("local".to_owned(), endpoint("small")),
            ]
            .into(),
            workspace_endpoints: [(ours, "local".to_owned())].into(),
            ..LlmSettings::default()
        };
        let llm = LlmExecutor::new(settings).unwrap();
        let model = |params: Params, ws| llm.endpoint(&params, ws).map(|(_, m)| m.to_owned());
        assert_eq!(model(Params::default(), ours), Ok("small".into()));
        assert_eq!(
            model(Params::default(), WorkspaceId::new()),
            Ok("big".into())
        );
        let named = || Params {
            endpoint: Some("default".into()),
            ..Params::default()
        };
        assert_eq!(model(named(), ours), Ok("big".into()));
        let chosen = Params {
            model: Some("tiny".into()),
            ..Params::default()
        };
        assert_eq!(model(chosen, ours), Ok("tiny".into()));
        let unknown = Params {
            endpoint: Some("gpu".into()),
            ..Params::default()
        };
        assert!(
            model(unknown, ours)
                .unwrap_err()
                .contains("no model endpoint named \"gpu\"")
        );
    }
}
