//! OpenAI-compatible chat completions (`POST {base}/chat/completions`, `stream: true`), as
//! hosted APIs and local servers (llama.cpp, Ollama, vLLM) speak it: the request body, and
//! the stream's `chat.completion.chunk` events (text deltas, tool-call deltas by index, a
//! `finish_reason`, a closing usage chunk) up to `data: [DONE]`, folded into a [`Reply`].

use serde::Deserialize;
use serde_json::{Value, json};

use super::conversation::{
    Block, Delta, Fold, Reply, Request, Role, Stop, StreamError, Usage, parse_tool_input,
};
use super::sse::Event;

/// `base` includes the version path (`https://api.openai.com/v1`, `http://localhost:11434/v1`).
pub fn url(base: &str) -> String {
    format!("{}/chat/completions", base.trim_end_matches('/'))
}

pub fn body(request: &Request<'_>) -> Value {
    let mut messages = vec![json!({ "role": "system", "content": request.system })];
    for message in request.messages {
        match message.role {
            Role::Assistant => {
                let text: String = message
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::Text(t) => Some(t.as_str()),
                        _ => None,
                    })
                    .collect();
                let calls: Vec<Value> = message
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::ToolUse { id, name, input } => Some(json!({
                            "id": id,
                            "type": "function",
                            "function": { "name": name, "arguments": arguments(input) },
                        })),
                        _ => None,
                    })
                    .collect();
                let mut m = json!({ "role": "assistant", "content": text });
                if !calls.is_empty() {
                    m["tool_calls"] = Value::Array(calls);
                }
                messages.push(m);
            }
            Role::User => {
                // Tool results are messages of their own (`role: tool`), then any text.
                let mut text = String::new();
                for block in &message.blocks {
                    match block {
                        Block::ToolResult {
                            id,
                            content,
                            is_error,
                        } => {
                            let content = if *is_error {
                                format!("error: {content}")
                            } else {
                                content.clone()
                            };
                            messages.push(
                                json!({ "role": "tool", "tool_call_id": id, "content": content }),
                            );
                        }
                        Block::Text(t) => text.push_str(t),
                        Block::ToolUse { .. } => {}
                    }
                }
                if !text.is_empty() {
                    messages.push(json!({ "role": "user", "content": text }));
                }
            }
        }
    }
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": messages,
        "stream": true,
        "stream_options": { "include_usage": true },
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({
                    "type": "function",
                    "function": {
                        "name": t.name, "description": t.description, "parameters": t.input_schema,
                    },
                })
            })
            .collect();
    }
    body
}

/// Arguments go over the wire as a JSON string; raw text the model sent stays as it was.
fn arguments(input: &Value) -> String {
    match input {
        Value::String(raw) => raw.clone(),
        other => other.to_string(),
    }
}

/// The chunks of one streamed reply, folded as they arrive.
#[derive(Debug, Default)]
pub struct Stream {
    text: String,
    calls: Vec<Call>,
    stop: Option<Stop>,
    usage: Usage,
}

#[derive(Debug, Default)]
struct Call {
    id: String,
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    /// Some servers report a failure inside the stream.
    #[serde(default)]
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<ChoiceDelta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceDelta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<CallDelta>,
}

#[derive(Deserialize)]
struct CallDelta {
    #[serde(default)]
    index: usize,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

#[derive(Deserialize)]
pub(super) struct WireError {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub message: String,
}

/// The body of an error response: `{"error": {"message", "type"}}`.
#[derive(Deserialize)]
pub(super) struct ErrorBody {
    pub error: WireError,
}

/// Tool calls a stream may open; more is a malformed stream, not a growing vector.
const MAX_TOOL_CALLS: usize = 64;

impl Fold for Stream {
    fn event(
        &mut self,
        event: &Event,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<(), StreamError> {
        if event.data.trim() == "[DONE]" {
            return Ok(());
        }
        let chunk: Chunk = serde_json::from_str(&event.data)
            .map_err(|e| StreamError::Malformed(format!("chunk: {e}")))?;
        if let Some(error) = chunk.error {
            return Err(StreamError::Provider {
                kind: error.kind.unwrap_or_else(|| "error".into()),
                message: error.message,
            });
        }
        if let Some(usage) = chunk.usage {
            self.usage = Usage {
                input_tokens: usage.prompt_tokens,
                output_tokens: usage.completion_tokens,
            };
        }
        for choice in chunk.choices {
            if let Some(delta) = choice.delta {
                if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                    on_delta(Delta::Text(&text));
                    self.text.push_str(&text);
                }
                for call in delta.tool_calls {
                    self.call_delta(call, on_delta)?;
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.stop = Some(match reason.as_str() {
                    "stop" => Stop::EndTurn,
                    "tool_calls" | "function_call" => Stop::ToolUse,
                    "length" => Stop::MaxTokens,
                    _ => Stop::Other(reason),
                });
            }
        }
        Ok(())
    }

    /// The reply, if the stream got as far as a finish reason (`[DONE]` is not required:
    /// some local servers close the stream without it).
    fn finish(self: Box<Self>) -> Result<Reply, StreamError> {
        let Some(stop) = self.stop else {
            return Err(StreamError::Incomplete);
        };
        let mut blocks = Vec::new();
        if !self.text.is_empty() {
            blocks.push(Block::Text(self.text));
        }
        for (index, call) in self.calls.into_iter().enumerate() {
            if call.name.is_empty() {
                continue;
            }
            let id = if call.id.is_empty() {
                format!("call_{index}") // Some local servers send no ids.
            } else {
                call.id
            };
            blocks.push(Block::ToolUse {
                id,
                input: parse_tool_input(&call.arguments),
                name: call.name,
            });
        }
        Ok(Reply {
            blocks,
            stop,
            usage: self.usage,
        })
    }
}

impl Stream {
    fn call_delta(
        &mut self,
        delta: CallDelta,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<(), StreamError> {
        if delta.index >= MAX_TOOL_CALLS {
            return Err(StreamError::Malformed(format!(
                "tool call index {} past {MAX_TOOL_CALLS}",
                delta.index
            )));
        }
        if delta.index >= self.calls.len() {
            self.calls.resize_with(delta.index + 1, Call::default);
        }
        let call = &mut self.calls[delta.index];
        if let Some(id) = delta.id {
            call.id = id;
        }
        if let Some(function) = delta.function {
            if let Some(name) = function.name.filter(|n| !n.is_empty()) {
                on_delta(Delta::ToolCall(&name));
                call.name.push_str(&name);
            }
            if let Some(arguments) = function.arguments {
                call.arguments.push_str(&arguments);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::conversation::fixtures;
    use super::*;

    const STREAM: &str = r#"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Checking"},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" now."},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"shell","arguments":""}}]},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"command\":"}}]},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"[\"ls\"]}"}}]},"finish_reason":null}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42}}

data: [DONE]

"#;

    fn fold(stream: &str) -> (Result<Reply, StreamError>, Vec<String>) {
        fixtures::fold(Box::new(Stream::default()), stream)
    }

    #[test]
    fn chunks_fold_into_text_and_a_tool_call() {
        let (reply, seen) = fold(STREAM);
        let reply = reply.unwrap();
        assert_eq!(reply.text(), "Checking now.");
        assert_eq!(
            reply.tool_uses().collect::<Vec<_>>(),
            vec![("call_a", "shell", &json!({"command": ["ls"]}))]
        );
        assert_eq!(reply.stop, Stop::ToolUse);
        assert_eq!(reply.usage.total(), 42);
        assert_eq!(
            seen,
            [
                "Text(\"Checking\")",
                "Text(\" now.\")",
                "ToolCall(\"shell\")"
            ]
        );
    }

    #[test]
    fn a_stream_cut_before_its_finish_reason_is_incomplete() {
        let cut = &STREAM[..STREAM.find("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},").unwrap()];
        assert_eq!(fold(cut).0, Err(StreamError::Incomplete));
        let garbage = "data: {not json\n\n";
        assert!(matches!(fold(garbage).0, Err(StreamError::Malformed(_))));
    }

    #[test]
    fn tool_results_become_tool_messages() {
        let (messages, tools) = fixtures::tool_round(true);
        let body = body(&Request {
            model: "llama",
            system: "You are Ada.",
            messages: &messages,
            tools: &tools,
            max_tokens: 512,
        });
        let m = &body["messages"];
        assert_eq!(m[0]["role"], "system");
        assert_eq!(
            m[2]["tool_calls"][0]["function"]["arguments"],
            "{\"command\":[\"ls\"]}"
        );
        assert_eq!(m[3]["role"], "tool");
        assert_eq!(m[3]["content"], "error: a.txt");
        assert_eq!(body["tools"][0]["function"]["name"], "shell");
        assert_eq!(body["stream_options"]["include_usage"], true);
    }
}
