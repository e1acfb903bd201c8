//! The tools an agent may be granted, and the box that holds one attempt's tools.
//!
//! An agent's executor params list the tools it may use (`"tools": ["shell", "http"]`);
//! the operator's [`ToolSettings`] decide what each may touch, and a tool the settings
//! leave off (`shell` unless enabled, `http` with no allowed host) is refused when the
//! agent is configured, not when the model first calls it.

mod delegate;
mod http;
mod shell;
mod talk;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

pub use http::HttpSettings;
pub use shell::ShellSettings;

use super::conversation::ToolSpec;
use crate::executor::ExecContext;

/// What the operator allows tools to do (server settings).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolSettings {
    pub shell: ShellSettings,
    pub http: HttpSettings,
}

/// What a tool call came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    /// Text for the model.
    Ok(String),
    /// The tool refused or failed; the model reads why and may try otherwise.
    Error(String),
    /// The agent is done: its result.
    Finish(Value),
}

/// A tool name an agent's params may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolName {
    Shell,
    Http,
    Delegate,
    Message,
    RequestApproval,
    Finish,
}

impl ToolName {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::Shell => "shell",
            ToolName::Http => "http",
            ToolName::Delegate => "delegate",
            ToolName::Message => "message",
            ToolName::RequestApproval => "request_approval",
            ToolName::Finish => "finish",
        }
    }
}

/// A tool the agent asked for cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tool `{tool}` is not available: {why}")]
pub struct ToolUnavailable {
    pub tool: &'static str,
    pub why: &'static str,
}

/// The node's tools, made once: the settings, and the `http` tool's client (building a
/// TLS client reads the root certificates, not something to do per attempt).
#[derive(Debug)]
pub struct Tools {
    settings: ToolSettings,
    http: Result<http::Http, ToolUnavailable>,
}

impl Tools {
    pub fn new(settings: ToolSettings) -> Self {
        let http = http::Http::new(&settings.http);
        Self { settings, http }
    }
}

/// One granted tool, ready to run.
#[derive(Debug)]
enum Tool {
    Shell(shell::Shell),
    Http(http::Http),
    Delegate,
    Message,
    RequestApproval,
    Finish,
}

impl Tool {
    fn name(&self) -> ToolName {
        match self {
            Tool::Shell(_) => ToolName::Shell,
            Tool::Http(_) => ToolName::Http,
            Tool::Delegate => ToolName::Delegate,
            Tool::Message => ToolName::Message,
            Tool::RequestApproval => ToolName::RequestApproval,
            Tool::Finish => ToolName::Finish,
        }
    }
}

/// One attempt's tools: those the agent was granted, under the operator's limits.
#[derive(Debug)]
pub struct Toolbox {
    granted: Vec<Tool>,
}

impl Toolbox {
    /// The granted tools (`finish` is always there) for a workspace's sandbox.
    pub fn new(
        granted: &[ToolName],
        tools: &Tools,
        sandbox: Option<PathBuf>,
    ) -> Result<Self, ToolUnavailable> {
        let mut toolbox = Self {
            granted: vec![Tool::Finish],
        };
        for &name in granted {
            if toolbox.granted.iter().any(|t| t.name() == name) {
                continue;
            }
            let tool = match name {
                ToolName::Shell => {
                    let dir = sandbox.clone().ok_or(ToolUnavailable {
                        tool: "shell",
                        why: "no sandbox folder is configured",
                    })?;
                    Tool::Shell(shell::Shell::new(&tools.settings.shell, dir)?)
                }
                ToolName::Http => Tool::Http(tools.http.clone()?),
                ToolName::Delegate => Tool::Delegate,
                ToolName::Message => Tool::Message,
                ToolName::RequestApproval => Tool::RequestApproval,
                ToolName::Finish => Tool::Finish,
            };
            toolbox.granted.push(tool);
        }
        Ok(toolbox)
    }

    pub fn specs(&self) -> Vec<ToolSpec> {
        self.granted
            .iter()
            .map(|tool| match tool {
                Tool::Shell(_) => shell::spec(),
                Tool::Http(_) => http::spec(),
                Tool::Delegate => delegate::spec(),
                Tool::Message => talk::message_spec(),
                Tool::RequestApproval => talk::approval_spec(),
                Tool::Finish => finish_spec(),
            })
            .collect()
    }

    /// Runs a call by name. An unknown or ungranted tool is an error for the model.
    pub async fn call(&self, ctx: &ExecContext, name: &str, input: &Value) -> ToolOutcome {
        let Value::Object(_) = input else {
            return ToolOutcome::Error(format!(
                "the input of `{name}` must be a JSON object matching its schema"
            ));
        };
        let Some(tool) = self.granted.iter().find(|t| t.name().as_str() == name) else {
            return ToolOutcome::Error(format!("there is no tool `{name}` available to you"));
        };
        match tool {
            Tool::Finish => {
                ToolOutcome::Finish(input.get("result").cloned().unwrap_or(Value::Null))
            }
            Tool::Shell(shell) => shell.call(input).await,
            Tool::Http(http) => http.call(input).await,
            Tool::Delegate => delegate::run(ctx, input).await.into(),
            Tool::Message => talk::message(ctx, input).await.into(),
            Tool::RequestApproval => talk::request_approval(ctx, input).await.into(),
        }
    }
}

impl From<Result<String, String>> for ToolOutcome {
    /// A tool's text for the model, or why it failed.
    fn from(result: Result<String, String>) -> Self {
        result.map_or_else(ToolOutcome::Error, ToolOutcome::Ok)
    }
}

/// A colleague (an agent of the same workspace, this one included) by name, any case;
/// or why not, naming the others and then `hint`, for the model to correct.
async fn colleague(
    ctx: &ExecContext,
    name: &str,
    hint: &str,
) -> Result<crate::store::AgentRecord, String> {
    let colleagues = ctx.colleagues().await?;
    let name = name.trim();
    if let Some(found) = colleagues
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
    {
        return Ok(found.clone());
    }
    let names: Vec<&str> = colleagues
        .iter()
        .filter(|a| a.id != ctx.agent)
        .map(|a| a.name.as_str())
        .collect();
    Err(format!(
        "no colleague named {name:?} (colleagues: {}{hint})",
        names.join(", ")
    ))
}

/// A tool's input as its type, or why it is not (for the model to correct).
fn parse<T: serde::de::DeserializeOwned>(input: &Value) -> Result<T, String> {
    T::deserialize(input).map_err(|e| format!("invalid input: {e}"))
}

fn finish_spec() -> ToolSpec {
    ToolSpec {
        name: "finish",
        description: "Ends the task with its result. Call it once the work is done.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "result": { "description": "The task's result: text or any JSON value." }
            },
            "required": ["result"],
        }),
    }
}

/// Keeps the first `cap` bytes of `text` (on a character boundary), saying what was cut.
pub(crate) fn truncate(mut text: String, cap: usize, total: usize) -> String {
    if text.len() > cap {
        let mut end = cap;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    if total > text.len() {
        text.push_str(&format!(
            "\n[… {} more bytes not shown]",
            total - text.len()
        ));
    }
    text
}
