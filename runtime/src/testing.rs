//! Test support (feature `testing`): [`ModelServer`], a model endpoint on a local port that
//! speaks Anthropic's Messages API and OpenAI's chat completions as they stream
//! (server-sent events with the providers' event shapes, tool calls in pieces), answering
//! each request with the next entry of a script and recording what it was sent. The
//! runtime's and the server's tests drive the `llm` executor with it.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)] // Test support: a broken script should panic.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A whole streamed reply.
    Reply(Turn),
    /// An error status, with `retry-after` if given, and the provider's error body.
    Status {
        status: u16,
        retry_after: Option<&'static str>,
    },
    /// The reply's stream stops half-way and the connection is broken.
    Cut(Turn),
    /// The reply starts, then the stream stays open, silent, until the client leaves.
    Hang,
}

/// What the model says in one reply: text pieces, then tool calls (id, name, input pieces).
#[derive(Debug, Clone, Default)]
pub struct Turn {
    pub text: Vec<&'static str>,
    pub calls: Vec<(&'static str, &'static str, Vec<String>)>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Turn {
    pub fn text(pieces: &[&'static str]) -> Self {
        Self {
            text: pieces.to_vec(),
            input_tokens: 100,
            output_tokens: 20,
            ..Self::default()
        }
    }

    /// A reply that calls one tool, its input JSON sent in two pieces.
    pub fn call(id: &'static str, name: &'static str, input: Value) -> Self {
        let json = input.to_string();
        let (a, b) = json.split_at(json.len() / 2);
        Self {
            calls: vec![(id, name, vec![a.to_owned(), b.to_owned()])],
            input_tokens: 100,
            output_tokens: 20,
            ..Self::default()
        }
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    script: Mutex<VecDeque<Answer>>,
    received: Mutex<Vec<Received>>,
    /// Signalled when a request arrives, and when a hanging stream's client leaves.
    arrived: Notify,
    left: Notify,
}

#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct ModelServer {
    pub base: String,
    inner: Arc<Inner>,
}

impl ModelServer {
    pub async fn start(script: Vec<Answer>) -> Self {
        let inner = Arc::new(Inner::default());
        *inner.script.lock().unwrap() = script.into();
        let app = Router::new()
            .route("/v1/messages", post(anthropic))
            .route("/v1/chat/completions", post(openai))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, inner }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.received.lock().unwrap().clone()
    }

    /// Waits until `n` requests have arrived.
    pub async fn requests(&self, n: usize) {
        loop {
            let arrived = self.inner.arrived.notified();
            if self.inner.received.lock().unwrap().len() >= n {
                return;
            }
            arrived.await;
        }
    }

    /// Resolves when the client of a [`Answer::Hang`] stream has gone away.
    pub async fn client_left(&self) {
        self.inner.left.notified().await;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Wire {
    Anthropic,
    OpenAi,
}

async fn anthropic(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    answer(inner, Wire::Anthropic, "/v1/messages", headers, body)
}

async fn openai(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    answer(inner, Wire::OpenAi, "/v1/chat/completions", headers, body)
}

fn answer(inner: Arc<Inner>, wire: Wire, path: &str, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).expect("the client sends JSON");
    inner.received.lock().unwrap().push(Received {
        path: path.into(),
        headers,
        body,
    });
    inner.arrived.notify_waiters();
    let next = inner.script.lock().unwrap().pop_front();
    let Some(next) = next else {
        return status(wire, 500, None, "the test's script ran out");
    };
    match next {
        Answer::Status {
            status: code,
            retry_after,
        } => status(wire, code, retry_after, "scripted refusal"),
        Answer::Reply(turn) => stream(events(wire, &turn), None, inner),
        Answer::Cut(turn) => {
            let mut events = events(wire, &turn);
            events.truncate(events.len() / 2);
            stream(events, Some(Ending::Break), inner)
        }
        Answer::Hang => {
            let mut events = events(wire, &Turn::text(&["Thinking"]));
            events.truncate(2);
            stream(events, Some(Ending::Hang), inner)
        }
    }
}

enum Ending {
    Break,
    Hang,
}

fn stream(events: Vec<String>, ending: Option<Ending>, inner: Arc<Inner>) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(async move {
        for event in events {
            if tx.send(Ok(Bytes::from(event))).await.is_err() {
                return;
            }
        }
        match ending {
            None => {}
            Some(Ending::Break) => {
                let _ = tx.send(Err(std::io::Error::other("cut"))).await;
            }
            Some(Ending::Hang) => {
                tx.closed().await;
                inner.left.notify_waiters();
            }
        }
    });
    let body = Body::from_stream(tokio_stream_from(rx));
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap()
}

fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

fn status(wire: Wire, code: u16, retry_after: Option<&str>, message: &str) -> Response {
    let body = match wire {
        Wire::Anthropic => json!({
            "type": "error",
            "error": { "type": if code == 429 { "rate_limit_error" } else { "api_error" }, "message": message },
        }),
        Wire::OpenAi => {
            json!({ "error": { "message": message, "type": "requests", "code": code } })
        }
    };
    let mut response = Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .header("content-type", "application/json");
    if let Some(after) = retry_after {
        response = response.header("retry-after", after);
    }
    response.body(Body::from(body.to_string())).unwrap()
}

/// The turn as the provider streams it, one SSE event per string.
fn events(wire: Wire, turn: &Turn) -> Vec<String> {
    match wire {
        Wire::Anthropic => anthropic_events(turn),
        Wire::OpenAi => openai_events(turn),
    }
}

fn sse(name: Option<&str>, data: &Value) -> String {
    match name {
        Some(name) => format!("event: {name}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

fn anthropic_events(turn: &Turn) -> Vec<String> {
    let mut out = vec![sse(
        Some("message_start"),
        &json!({"type": "message_start", "message": {
            "id": "msg_test", "type": "message", "role": "assistant", "content": [],
            "model": "claude-test", "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": turn.input_tokens, "output_tokens": 1}}}),
    )];
    let mut index = 0;
    if !turn.text.is_empty() {
        out.push(sse(
            Some("content_block_start"),
            &json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}}),
        ));
        out.push(sse(Some("ping"), &json!({"type": "ping"})));
        for piece in &turn.text {
            out.push(sse(
                Some("content_block_delta"),
                &json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": piece}}),
            ));
        }
        out.push(sse(
            Some("content_block_stop"),
            &json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    for (id, name, pieces) in &turn.calls {
        out.push(sse(
            Some("content_block_start"),
            &json!({"type": "content_block_start", "index": index,
                "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
        ));
        for piece in pieces {
            out.push(sse(
                Some("content_block_delta"),
                &json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "input_json_delta", "partial_json": piece}}),
            ));
        }
        out.push(sse(
            Some("content_block_stop"),
            &json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    let stop = if turn.calls.is_empty() {
        "end_turn"
    } else {
        "tool_use"
    };
    out.push(sse(
        Some("message_delta"),
        &json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null},
            "usage": {"output_tokens": turn.output_tokens}}),
    ));
    out.push(sse(Some("message_stop"), &json!({"type": "message_stop"})));
    out
}

fn openai_events(turn: &Turn) -> Vec<String> {
    let chunk = |delta: Value, finish: Value| {
        sse(
            None,
            &json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
                "model": "local-test", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}),
        )
    };
    let mut out = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    for piece in &turn.text {
        out.push(chunk(json!({"content": piece}), Value::Null));
    }
    for (index, (id, name, pieces)) in turn.calls.iter().enumerate() {
        out.push(chunk(
            json!({"tool_calls": [{"index": index, "id": id, "type": "function",
                "function": {"name": name, "arguments": ""}}]}),
            Value::Null,
        ));
        for piece in pieces {
            out.push(chunk(
                json!({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}),
                Value::Null,
            ));
        }
    }
    let finish = if turn.calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    out.push(chunk(json!({}), json!(finish)));
    out.push(sse(
        None,
        &json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0,
            "model": "local-test", "choices": [],
            "usage": {"prompt_tokens": turn.input_tokens, "completion_tokens": turn.output_tokens,
                "total_tokens": turn.input_tokens + turn.output_tokens}}),
    ));
    out.push("data: [DONE]\n\n".into());
    out
}
