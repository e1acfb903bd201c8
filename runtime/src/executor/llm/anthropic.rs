//! Anthropic's Messages API (`POST {base}/v1/messages`, `stream: true`): the request body,
//! and the stream's events (`message_start`, `content_block_start` / `_delta` / `_stop`,
//! `message_delta`, `message_stop`, `ping`, `error`) folded into a [`Reply`].

use serde::Deserialize;
use serde_json::{Value, json};

use super::conversation::{
    Block, Delta, Fold, Reply, Request, Role, Stop, StreamError, Usage, parse_tool_input,
};
use super::sse::Event;

/// The API version this module speaks (the `anthropic-version` header).
pub const API_VERSION: &str = "2023-06-01";

pub fn url(base: &str) -> String {
    format!("{}/v1/messages", base.trim_end_matches('/'))
}

pub fn body(request: &Request<'_>) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            let content: Vec<Value> = m.blocks.iter().map(block).collect();
            json!({ "role": role, "content": content })
        })
        .collect();
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_tokens,
        "system": request.system,
        "messages": messages,
        "stream": true,
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({ "name": t.name, "description": t.description, "input_schema": t.input_schema })
            })
            .collect();
    }
    body
}

fn block(block: &Block) -> Value {
    match block {
        Block::Text(text) => json!({ "type": "text", "text": text }),
        Block::ToolUse { id, name, input } => {
            // The API wants an object; a malformed input the model sent is echoed as one.
            let input = match input {
                Value::Object(_) => input.clone(),
                other => json!({ "raw": other }),
            };
            json!({ "type": "tool_use", "id": id, "name": name, "input": input })
        }
        Block::ToolResult {
            id,
            content,
            is_error,
        } => json!({
            "type": "tool_result", "tool_use_id": id, "content": content, "is_error": is_error,
        }),
    }
}

/// The events of one streamed reply, folded as they arrive.
#[derive(Debug, Default)]
pub struct Stream {
    blocks: Vec<Partial>,
    usage: Usage,
    stop: Option<Stop>,
    done: bool,
}

#[derive(Debug)]
enum Partial {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        json: String,
    },
    /// A block this module does not use (thinking, ...): kept so indexes line up.
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Wire {
    MessageStart {
        message: WireMessage,
    },
    ContentBlockStart {
        index: usize,
        content_block: WireBlock,
    },
    ContentBlockDelta {
        index: usize,
        delta: WireDelta,
    },
    ContentBlockStop {},
    MessageDelta {
        delta: WireStop,
        #[serde(default)]
        usage: Option<WireUsage>,
    },
    MessageStop {},
    Ping {},
    Error {
        error: WireError,
    },
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize, Default)]
struct WireUsage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireBlock {
    Text {
        #[serde(default)]
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct WireStop {
    #[serde(default)]
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct WireError {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub message: String,
}

/// The body of an error response: `{"type": "error", "error": {"type", "message"}}`.
#[derive(Deserialize)]
pub(super) struct ErrorBody {
    pub error: WireError,
}

impl Fold for Stream {
    fn event(
        &mut self,
        event: &Event,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<(), StreamError> {
        let wire: Wire = match serde_json::from_str(&event.data) {
            Ok(wire) => wire,
            // An event type this module does not know is skipped, as the API asks.
            Err(_) if !known(&event.name) => return Ok(()),
            Err(e) => return Err(StreamError::Malformed(format!("{}: {e}", event.name))),
        };
        match wire {
            Wire::MessageStart { message } => {
                let usage = message.usage.unwrap_or_default();
                self.usage.input_tokens = usage.input_tokens.unwrap_or(0);
                self.usage.output_tokens = usage.output_tokens.unwrap_or(0);
            }
            Wire::ContentBlockStart {
                index,
                content_block,
            } => {
                let partial = match content_block {
                    WireBlock::Text { text } => {
                        if !text.is_empty() {
                            on_delta(Delta::Text(&text));
                        }
                        Partial::Text(text)
                    }
                    WireBlock::ToolUse { id, name } => {
                        on_delta(Delta::ToolCall(&name));
                        Partial::ToolUse {
                            id,
                            name,
                            json: String::new(),
                        }
                    }
                    WireBlock::Other => Partial::Other,
                };
                if index != self.blocks.len() {
                    return Err(StreamError::Malformed(format!(
                        "content block {index} started out of order"
                    )));
                }
                self.blocks.push(partial);
            }
            Wire::ContentBlockDelta { index, delta } => {
                let block = self.blocks.get_mut(index).ok_or_else(|| {
                    StreamError::Malformed(format!("delta for unknown content block {index}"))
                })?;
                match (block, delta) {
                    (Partial::Text(text), WireDelta::TextDelta { text: piece }) => {
                        on_delta(Delta::Text(&piece));
                        text.push_str(&piece);
                    }
                    (Partial::ToolUse { json, .. }, WireDelta::InputJsonDelta { partial_json }) => {
                        json.push_str(&partial_json);
                    }
                    _ => {} // Thinking, signatures, citations: not used here.
                }
            }
            Wire::ContentBlockStop {} | Wire::Ping {} => {}
            Wire::MessageDelta { delta, usage } => {
                self.stop = delta.stop_reason.map(|r| match r.as_str() {
                    "end_turn" | "stop_sequence" => Stop::EndTurn,
                    "tool_use" => Stop::ToolUse,
                    "max_tokens" => Stop::MaxTokens,
                    _ => Stop::Other(r),
                });
                if let Some(usage) = usage {
                    // Cumulative counts for the message so far.
                    if let Some(input) = usage.input_tokens {
                        self.usage.input_tokens = input;
                    }
                    if let Some(output) = usage.output_tokens {
                        self.usage.output_tokens = output;
                    }
                }
            }
            Wire::MessageStop {} => self.done = true,
            Wire::Error { error } => {
                return Err(StreamError::Provider {
                    kind: error.kind,
                    message: error.message,
                });
            }
        }
        Ok(())
    }

    /// The reply, if the stream got to `message_stop`.
    fn finish(self: Box<Self>) -> Result<Reply, StreamError> {
        if !self.done {
            return Err(StreamError::Incomplete);
        }
        let blocks = self
            .blocks
            .into_iter()
            .filter_map(|b| match b {
                Partial::Text(text) => Some(Block::Text(text)),
                Partial::ToolUse { id, name, json } => Some(Block::ToolUse {
                    id,
                    input: parse_tool_input(&json),
                    name,
                }),
                Partial::Other => None,
            })
            .collect();
        Ok(Reply {
            blocks,
            stop: self.stop.unwrap_or(Stop::EndTurn),
            usage: self.usage,
        })
    }
}

fn known(name: &str) -> bool {
    matches!(
        name,
        "message_start"
            | "content_block_start"
            | "content_block_delta"
            | "content_block_stop"
            | "message_delta"
            | "message_stop"
            | "ping"
            | "error"
    )
}

#[cfg(test)]
mod tests {
    use super::super::conversation::fixtures;
    use super::*;

    /// A stream as the API sends it: text, then a tool call whose input comes in pieces.
    const STREAM: &str = r#"event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"check."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"shell","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"command\": [\"ls\""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"]}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":42}}

event: message_stop
data: {"type":"message_stop"}

"#;

    fn fold(stream: &str) -> (Result<Reply, StreamError>, Vec<String>) {
        fixtures::fold(Box::new(Stream::default()), stream)
    }

    #[test]
    fn a_stream_folds_into_text_and_a_tool_call() {
        let (reply, seen) = fold(STREAM);
        let reply = reply.unwrap();
        assert_eq!(reply.text(), "Let me check.");
        assert_eq!(
            reply.tool_uses().collect::<Vec<_>>(),
            vec![("toolu_1", "shell", &json!({"command": ["ls"]}))]
        );
        assert_eq!(reply.stop, Stop::ToolUse);
        assert_eq!(
            reply.usage,
            Usage {
                input_tokens: 25,
                output_tokens: 42
            }
        );
        assert_eq!(
            seen,
            [
                "Text(\"Let me \")",
                "Text(\"check.\")",
                "ToolCall(\"shell\")"
            ]
        );
    }

    #[test]
    fn a_cut_stream_is_incomplete_and_an_error_event_is_the_providers() {
        let cut = &STREAM[..STREAM.find("event: message_delta").unwrap()];
        assert_eq!(fold(cut).0, Err(StreamError::Incomplete));
        let overloaded = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        assert_eq!(
            fold(overloaded).0,
            Err(StreamError::Provider {
                kind: "overloaded_error".into(),
                message: "Overloaded".into()
            })
        );
        let unknown = "event: brand_new\ndata: {\"type\":\"brand_new\"}\n\n";
        assert_eq!(
            fold(&format!("{unknown}{STREAM}")).0.unwrap().text(),
            "Let me check."
        );
    }

    #[test]
    fn the_body_carries_system_tools_and_tool_results() {
        let (messages, tools) = fixtures::tool_round(false);
        let body = body(&Request {
            model: "claude-x",
            system: "You are Ada.",
            messages: &messages,
            tools: &tools,
            max_tokens: 1024,
        });
        assert_eq!(body["system"], "You are Ada.");
        assert_eq!(body["stream"], true);
        assert_eq!(body["tools"][0]["input_schema"]["type"], "object");
        assert_eq!(body["messages"][1]["content"][1]["type"], "tool_use");
        assert_eq!(body["messages"][2]["content"][0]["tool_use_id"], "toolu_1");
    }
}
