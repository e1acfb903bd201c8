//! `message` and `request_approval`: an agent writes to a colleague or to its people, and
//! asks a person before it does something that needs one (an email out, a deploy).
//!
//! A message is stored and shown in the office; its reader gets it with its next turn.
//! An approval request puts the task on hold (`awaiting_approval`, its timeout stopped)
//! until a person approves or rejects it, or it expires; the model reads the decision and
//! goes on with it.

use agenthq_protocol::Decision;
use serde::Deserialize;
use serde_json::json;

use super::parse;
use crate::executor::ExecContext;
use crate::executor::llm::conversation::ToolSpec;

/// Who a message to `"people"` goes to: the workspace's humans, not an agent.
pub const PEOPLE: &str = "people";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageInput {
    /// A colleague's name, or "people".
    to: String,
    text: String,
}

pub fn message_spec() -> ToolSpec {
    ToolSpec {
        name: "message",
        description: "Sends a message to a colleague (another agent here, by name), who reads \
            it with their next turn, or to \"people\": the humans of this workspace.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "to": { "type": "string", "description": "A colleague's name, or \"people\"" },
                "text": { "type": "string", "description": "The message" },
            },
            "required": ["to", "text"],
        }),
    }
}

pub async fn message(ctx: &ExecContext, input: &serde_json::Value) -> Result<String, String> {
    let input: MessageInput = parse(input)?;
    let to = input.to.trim();
    let reader = if to.eq_ignore_ascii_case(PEOPLE) {
        None
    } else {
        let hint = format!("; or \"{PEOPLE}\"");
        Some(super::colleague(ctx, to, &hint).await?.id)
    };
    let sent = ctx.send_message(reader, input.text).await?;
    Ok(match reader {
        None => format!("message {} sent to the people", sent.id),
        Some(_) => format!("message {} sent to {to}", sent.id),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalInput {
    action: String,
    #[serde(default)]
    details: String,
}

pub fn approval_spec() -> ToolSpec {
    ToolSpec {
        name: "request_approval",
        description: "Asks a person to approve something before you do it (sending anything \
            outside the company, spending money, deploying, deleting). Waits for their \
            decision and answers it: go ahead only if approved.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "action": { "type": "string", "description": "What you want to do, in a line" },
                "details": { "type": "string", "description": "What the person needs to decide: the text, the command, the amounts" },
            },
            "required": ["action"],
        }),
    }
}

pub async fn request_approval(
    ctx: &ExecContext,
    input: &serde_json::Value,
) -> Result<String, String> {
    let input: ApprovalInput = parse(input)?;
    let settled = ctx.request_approval(input.action, input.details).await?;
    let by = settled.by.as_deref().unwrap_or("nobody");
    let comment = settled
        .comment
        .as_deref()
        .map(|c| format!(" Their comment: \"{c}\"."))
        .unwrap_or_default();
    Ok(match settled.decision {
        Decision::Approved => format!("Approved by {by}.{comment} Go ahead."),
        Decision::Rejected => {
            format!("Rejected by {by}.{comment} Do not do it; finish or change course.")
        }
        Decision::Expired => {
            "Nobody decided in time; the request expired. Do not do it.".to_owned()
        }
        Decision::Cancelled => format!("The request was cancelled.{comment} Do not do it."),
    })
}
