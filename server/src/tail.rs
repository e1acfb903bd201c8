//! `agenthq tail`: follows a workspace over `/ws` exactly as an integration would (JSON,
//! hello, subscribe, snapshot, diffs, resume on a gap) and turns what changes into lines a
//! person reads.

use std::collections::HashMap;

use agenthq_protocol::feed::{Feed, Step};
use agenthq_protocol::{
    AgentStatus, ClientMessage, Codec, OfficeState, Op, ServerMessage, TaskStatus, Topic,
    WorkspaceId,
};
use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Why tailing stopped.
#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        source: tokio_tungstenite::tungstenite::Error,
    },
    #[error("connection lost: {0}")]
    Lost(String),
    #[error("the server refused: {0}")]
    Refused(String),
}

/// Follows `workspace` at `url` (a `ws://.../ws` address) and sends one line per event to
/// `out` until the connection ends or `out` is dropped. `token` (an access token or API
/// key) opens private workspaces; without one only public workspaces can be followed.
pub async fn run(
    url: &str,
    workspace: WorkspaceId,
    token: Option<&str>,
    out: mpsc::Sender<String>,
) -> Result<(), TailError> {
    let mut request = url
        .into_client_request()
        .map_err(|source| TailError::Connect {
            url: url.into(),
            source,
        })?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        http_value(Codec::Json.subprotocol()),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|source| TailError::Connect {
            url: url.into(),
            source,
        })?;
    let hello = ClientMessage::Hello {
        token: token.map(str::to_owned),
    };
    say(&mut socket, &hello).await?;
    let topics = [Topic::Workspace(workspace), Topic::Tasks(workspace)];
    for topic in topics {
        say(
            &mut socket,
            &ClientMessage::Subscribe {
                topic,
                resume: None,
            },
        )
        .await?;
    }
    let mut followed: HashMap<Topic, Feed> = HashMap::new();
    while let Some(frame) = socket.next().await {
        let text = match frame.map_err(lost)? {
            Message::Text(text) => text,
            Message::Close(frame) => {
                return Err(TailError::Lost(
                    frame.map_or("closed".into(), |f| f.reason.to_string()),
                ));
            }
            _ => continue,
        };
        let Ok(message) = Codec::Json.decode::<ServerMessage>(text.as_bytes()) else {
            continue;
        };
        let topic = match &message {
            ServerMessage::Welcome { .. } | ServerMessage::Pong | ServerMessage::Decided { .. } => {
                continue;
            }
            ServerMessage::Error { code, message, .. } => {
                return Err(TailError::Refused(format!("{code:?}: {message}")));
            }
            ServerMessage::Snapshot { topic, .. } | ServerMessage::Diff { topic, .. } => *topic,
        };
        let feed = followed.entry(topic).or_default();
        // Changes are described against the state before them.
        let lines = match &message {
            ServerMessage::Snapshot { state, .. } if topic == topics[0] => vec![summary(state)],
            ServerMessage::Diff { ops, .. } => describe(&feed.state, &ops.ops, topic == topics[1]),
            _ => Vec::new(),
        };
        let lines = match feed.on_message(topic, message) {
            Step::Applied => lines,
            Step::Ignored => continue,
            Step::Resubscribe(resume) => {
                say(&mut socket, &ClientMessage::Subscribe { topic, resume }).await?;
                continue;
            }
        };
        for line in lines {
            if out.send(line).await.is_err() {
                return Ok(());
            }
        }
    }
    Err(TailError::Lost("the server closed the connection".into()))
}

/// `agenthq tail`: prints the events of `workspace` until the connection ends.
#[allow(clippy::print_stdout)] // The command's output, not logging.
pub async fn print_events(
    url: &str,
    workspace: WorkspaceId,
    token: Option<&str>,
) -> Result<(), TailError> {
    let (out, mut lines) = mpsc::channel(256);
    let printer = tokio::spawn(async move {
        while let Some(line) = lines.recv().await {
            println!("{line}");
        }
    });
    let result = run(url, workspace, token, out).await;
    let _ = printer.await;
    result
}

/// Sends one client message as a JSON text frame.
async fn say<S>(socket: &mut S, message: &ClientMessage) -> Result<(), TailError>
where
    S: futures::Sink<Message, Error = tokio_tungstenite::tungstenite::Error> + Unpin,
{
    let json = Codec::Json
        .encode(message)
        .map_err(|e| TailError::Lost(e.to_string()))?;
    let text = String::from_utf8(json).map_err(|e| TailError::Lost(e.to_string()))?;
    socket.send(Message::Text(text.into())).await.map_err(lost)
}

fn lost(err: tokio_tungstenite::tungstenite::Error) -> TailError {
    TailError::Lost(err.to_string())
}

fn http_value(s: &'static str) -> tokio_tungstenite::tungstenite::http::HeaderValue {
    tokio_tungstenite::tungstenite::http::HeaderValue::from_static(s)
}

fn summary(state: &OfficeState) -> String {
    let name = state.workspace.as_ref().map_or("?", |w| w.name.as_str());
    format!(
        "{name}: {} agents, {} live tasks",
        state.agents.len(),
        state.tasks.len()
    )
}

/// Lines for the ops of one diff, read against the state before it: task outcomes (from
/// the tasks topic), agents changing status, and what agents say.
pub fn describe(before: &OfficeState, ops: &[Op], task_events: bool) -> Vec<String> {
    let agent_name = |id| {
        before
            .agents
            .get(&id)
            .map_or("an agent".to_owned(), |a| a.name.clone())
    };
    let mut lines = Vec::new();
    for op in ops {
        match op {
            Op::TaskEvent(event) if task_events => {
                let title = before
                    .tasks
                    .get(&event.id)
                    .map_or(String::from("a task"), |t| format!("\"{}\"", t.title));
                let who = event
                    .agent
                    .map(|a| format!(" ({})", agent_name(a)))
                    .unwrap_or_default();
                let line = match event.status {
                    TaskStatus::Succeeded => format!("done     {title}{who}"),
                    TaskStatus::Queued => format!(
                        "retry    {title}{who} after attempt {}: {}",
                        event.attempts,
                        event.error.as_deref().unwrap_or("failed")
                    ),
                    status => format!(
                        "{:<8} {title}{who}: {}",
                        status.as_str(),
                        event.error.as_deref().unwrap_or("")
                    ),
                };
                lines.push(line);
            }
            Op::Agent(patch) if !task_events => {
                let (Some(status), Some(agent)) = (patch.status, before.agents.get(&patch.id))
                else {
                    continue;
                };
                if status != agent.status {
                    lines.push(format!(
                        "agent    {} is {}",
                        agent.name,
                        status_word(status)
                    ));
                }
            }
            Op::Activity(line) if !task_events => lines.push(format!(
                "said     {}: {}",
                agent_name(line.agent),
                line.text
            )),
            _ => {}
        }
    }
    lines
}

/// How a person reads an agent's status (the demo's view uses it too).
pub(crate) fn status_word(status: AgentStatus) -> &'static str {
    match status {
        AgentStatus::Idle => "idle",
        AgentStatus::Thinking => "thinking",
        AgentStatus::Working => "working",
        AgentStatus::AwaitingApproval => "awaiting approval",
        AgentStatus::Blocked => "blocked",
        AgentStatus::Faulted => "FAULTED",
    }
}
