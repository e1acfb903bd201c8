//! A conversation with a model, in terms both providers share: the agent loop builds it,
//! each provider's module turns it into its own wire format and its stream back into a
//! [`Reply`].

use serde_json::Value;

use super::sse::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// A piece of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text(String),
    /// The model asks for a tool to be run.
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    /// What a tool answered, sent back in the next user turn.
    ToolResult {
        id: String,
        content: String,
        is_error: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub blocks: Vec<Block>,
}

impl Message {
    pub fn user_text(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            blocks: vec![Block::Text(text.into())],
        }
    }
}

/// A tool the model may call: its name, what it is for, and a JSON schema of its input.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: Value,
}

/// One call to the model.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub model: &'a str,
    pub system: &'a str,
    pub messages: &'a [Message],
    pub tools: &'a [ToolSpec],
    /// Most tokens the reply may have.
    pub max_tokens: u32,
}

/// Tokens one call used, as the provider counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Usage {
    pub fn add(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
    }

    pub fn total(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// It finished its turn.
    EndTurn,
    /// It wants tools run.
    ToolUse,
    /// It ran into `max_tokens`.
    MaxTokens,
    Other(String),
}

/// A whole reply: its text and tool calls in order, why it stopped, what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub blocks: Vec<Block>,
    pub stop: Stop,
    pub usage: Usage,
}

impl Reply {
    /// The reply's text, all blocks joined.
    pub fn text(&self) -> String {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("")
    }

    pub fn tool_uses(&self) -> impl Iterator<Item = (&str, &str, &Value)> {
        self.blocks.iter().filter_map(|b| match b {
            Block::ToolUse { id, name, input } => Some((id.as_str(), name.as_str(), input)),
            _ => None,
        })
    }
}

/// A piece of a reply as it streams in, for the office to show at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delta<'a> {
    Text(&'a str),
    /// The model started a tool call (its input follows, and is shown once complete).
    ToolCall(&'a str),
}

/// What a provider's stream said that cannot be made sense of.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// The stream ended (or was cut) before the reply was complete.
    #[error("the model's stream ended before the reply was complete")]
    Incomplete,
    #[error("the model's stream sent an unreadable event: {0}")]
    Malformed(String),
    /// The provider reported an error inside the stream (`overloaded_error`, ...).
    #[error("the model's stream reported an error: {kind}: {message}")]
    Provider { kind: String, message: String },
}

/// A tool call's arguments arrive as pieces of JSON text. Whole, they should be an object;
/// anything else is kept as the raw text (a string), and the tool refuses it with an error
/// the model reads and can correct, rather than the call failing.
pub fn parse_tool_input(json: &str) -> Value {
    if json.trim().is_empty() {
        return Value::Object(Default::default());
    }
    match serde_json::from_str::<Value>(json) {
        Ok(value @ Value::Object(_)) => value,
        _ => Value::String(json.to_owned()),
    }
}

/// A provider's stream of events, folded into a [`Reply`] as they arrive.
pub trait Fold: Send {
    /// Folds one event in; `on_delta` sees text and tool calls as they start.
    fn event(
        &mut self,
        event: &Event,
        on_delta: &mut dyn FnMut(Delta<'_>),
    ) -> Result<(), StreamError>;

    /// The reply, if the stream got far enough to be whole.
    fn finish(self: Box<Self>) -> Result<Reply, StreamError>;
}

/// Fixtures both providers' tests use.
#[cfg(test)]
pub mod fixtures {
    use serde_json::json;

    use super::*;
    use crate::executor::llm::sse::Decoder;

    /// Folds a whole stream; answers the reply and the deltas seen, in order.
    pub fn fold(
        mut folded: Box<dyn Fold>,
        stream: &str,
    ) -> (Result<Reply, StreamError>, Vec<String>) {
        let mut seen = Vec::new();
        for event in Decoder::default().push(stream.as_bytes()).unwrap() {
            if let Err(e) = folded.event(&event, &mut |d| seen.push(format!("{d:?}"))) {
                return (Err(e), seen);
            }
        }
        (folded.finish(), seen)
    }

    /// A task, a text and a `shell` call from the model, and the call's result.
    pub fn tool_round(is_error: bool) -> (Vec<Message>, [ToolSpec; 1]) {
        let messages = vec![
            Message::user_text("Do it"),
            Message {
                role: Role::Assistant,
                blocks: vec![
                    Block::Text("Let me look.".into()),
                    Block::ToolUse {
                        id: "toolu_1".into(),
                        name: "shell".into(),
                        input: json!({"command": ["ls"]}),
                    },
                ],
            },
            Message {
                role: Role::User,
                blocks: vec![Block::ToolResult {
                    id: "toolu_1".into(),
                    content: "a.txt".into(),
                    is_error,
                }],
            },
        ];
        let tools = [ToolSpec {
            name: "shell",
            description: "Runs a command",
            input_schema: json!({"type": "object"}),
        }];
        (messages, tools)
    }
}
