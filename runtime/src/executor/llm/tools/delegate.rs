//! `delegate`: hands a task to a colleague (another agent of the same workspace), and by
//! default waits for its result.
//!
//! The task goes through the workspace like any submission (caps, priorities, retries,
//! the budget). Its input carries who delegated it and how deep the chain is; past
//! [`MAX_DEPTH`] a delegation is refused, so two agents cannot hand a task back and forth
//! forever. Waiting holds the delegating agent's running slot until the colleague is
//! done, and ends with the delegating attempt (its timeout or cancellation).

use serde::Deserialize;
use serde_json::{Value, json};

use super::parse;
use crate::executor::ExecContext;
use crate::executor::llm::conversation::ToolSpec;
use crate::task::NewTask;

/// Delegations in a chain (A → B → C is two).
pub const MAX_DEPTH: u64 = 3;

/// Bytes of a colleague's result passed back to the model; the rest is cut (the whole
/// result stays on the colleague's task).
const MAX_RESULT_BYTES: usize = 16 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    /// The colleague, by name.
    agent: String,
    /// A short title.
    task: String,
    #[serde(default)]
    details: Option<String>,
    #[serde(default = "yes")]
    wait: bool,
}

fn yes() -> bool {
    true
}

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "delegate",
        description: "Hands a task to a colleague (another agent here, by name). By default \
            waits for their result and answers it; with `wait: false` only submits it.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "agent": { "type": "string", "description": "The colleague's name" },
                "task": { "type": "string", "description": "A short title for the task" },
                "details": { "type": "string", "description": "What they need to know" },
                "wait": { "type": "boolean", "description": "Wait for the result (default true)" },
            },
            "required": ["agent", "task"],
        }),
    }
}

/// How deep in a delegation chain a task is (0: submitted by a person).
pub fn depth(input: &Value) -> u64 {
    input["delegated_by"]["depth"].as_u64().unwrap_or(0)
}

/// Delegates: the colleague's result (or that the task was submitted), or why not.
pub async fn run(ctx: &ExecContext, input: &Value) -> Result<String, String> {
    let input: Input = parse(input)?;
    let depth = depth(&ctx.task.input) + 1;
    if depth > MAX_DEPTH {
        return Err(format!(
            "this task is already {} delegations deep; do the work yourself",
            depth - 1
        ));
    }
    let colleague = super::colleague(ctx, &input.agent, "").await?;
    if colleague.id == ctx.agent {
        return Err("you cannot delegate to yourself".into());
    }
    let task = NewTask {
        agent: Some(colleague.id),
        title: input.task.chars().take(200).collect(),
        input: json!({
            "prompt": input.details.unwrap_or_default(),
            "delegated_by": { "agent": &*ctx.agent_name, "task": ctx.task.id, "depth": depth },
        }),
        priority: ctx.task.priority,
        ..NewTask::default()
    };
    let submitted = ctx.submit(task).await?;
    if !input.wait {
        return Ok(format!(
            "task {} submitted to {}",
            submitted.id, colleague.name
        ));
    }
    let done = ctx.wait_for(submitted.id).await?;
    match (&done.result, &done.error) {
        (Some(result), _) => {
            let result = result.get("result").unwrap_or(result);
            let text = match result {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let total = text.len();
            let text = super::truncate(text, MAX_RESULT_BYTES, total);
            Ok(format!("{} finished: {text}", colleague.name))
        }
        (None, error) => Err(format!(
            "{}'s task ended {}: {}",
            colleague.name,
            done.status.as_str(),
            error.as_deref().unwrap_or("no reason given")
        )),
    }
}
