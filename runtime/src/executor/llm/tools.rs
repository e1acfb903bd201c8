//! The tools an agent may be granted, and the box that holds one attempt's tools.
//!
//! An agent's executor params list the tools it may use (`"tools": ["shell", "http"]`);
//! the operator's [`ToolSettings`] decide what each may touch, and a tool the settings
//! leave off (`shell` unless enabled, `http` with no allowed host) is refused when the
//! agent is configured, not when the model first calls it.

mod delegate;
mod http;
mod shell;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

pub use http::HttpSettings;
pub use shell::ShellSettings;

use super::conversation::ToolSpec;
use crate::executor::ExecContext;

/// What the operator allows tools to do (server settings).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
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
    Finish,
}

impl ToolName {
    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::Shell => "shell",
            ToolName::Http => "http",
            ToolName::Delegate => "delegate",
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

/// One attempt's tools: those the agent was granted, under the operator's limits.
#[derive(Debug)]
pub struct Toolbox {
    granted: Vec<ToolName>,
    shell: Option<shell::Shell>,
    http: Option<http::Http>,
}

impl Toolbox {
    /// The granted tools (`finish` is always there) for a workspace's sandbox.
    pub fn new(
        granted: &[ToolName],
        settings: &ToolSettings,
        sandbox: Option<PathBuf>,
    ) -> Result<Self, ToolUnavailable> {
        let mut tools = vec![ToolName::Finish];
        let mut shell = None;
        let mut http = None;
        for &tool in granted {
            if tools.contains(&tool) {
                continue;
            }
            match tool {
                ToolName::Shell => {
                    let dir = sandbox.clone().ok_or(ToolUnavailable {
                        tool: "shell",
                        why: "no sandbox folder is configured",
                    })?;
                    shell = Some(shell::Shell::new(&settings.shell, dir)?);
                }
                ToolName::Http => http = Some(http::Http::new(&settings.http)?),
                ToolName::Delegate | ToolName::Finish => {}
            }
            tools.push(tool);
        }
        Ok(Self {
            granted: tools,
            shell,
            http,
        })
    }

    pub fn specs(&self) -> Vec<ToolSpec> {
        self.granted
            .iter()
            .map(|tool| match tool {
                ToolName::Shell => shell::spec(),
                ToolName::Http => http::spec(),
                ToolName::Delegate => delegate::spec(),
                ToolName::Finish => finish_spec(),
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
        match name {
            "finish" => ToolOutcome::Finish(input.get("result").cloned().unwrap_or(Value::Null)),
            "shell" if self.shell.is_some() => {
                self.shell.as_ref().expect("checked").call(input).await
            }
            "http" if self.http.is_some() => self.http.as_ref().expect("checked").call(input).await,
            "delegate" if self.granted.contains(&ToolName::Delegate) => {
                delegate::call(ctx, input).await
            }
            _ => ToolOutcome::Error(format!("there is no tool `{name}` available to you")),
        }
    }
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
