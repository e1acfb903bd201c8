//! One streamed call to a model endpoint, with the retry policy: a 429, a 5xx (Anthropic's
//! 529 "overloaded" included), a connection that fails, a stream that goes silent or is
//! cut mid-way are retried with exponential backoff and jitter, waiting what the server
//! asks (`retry-after-ms`, `retry-after`) when it says. Other refusals (400, 401, 403, 404)
//! are final. Cancelling the call is dropping its future: the connection is closed and the
//! server stops streaming.

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

use super::conversation::{Delta, Fold, Reply, Request, StreamError};
use super::sse::Decoder;
use super::{anthropic, openai};

/// The API a model endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Anthropic's Messages API.
    Anthropic,
    /// Any OpenAI-compatible chat-completions API (hosted, llama.cpp, Ollama, vLLM, ...).
    Openai,
}

/// An API key: never printed, never serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    fn header(&self, prefix: &str) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", self.0)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where a model is served, and with which key. Set by the operator in settings: agents
/// name an endpoint, they never supply a URL or a key (which would let a workspace send
/// the operator's key to a host of its choosing).
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub provider: Provider,
    /// `https://api.anthropic.com`; for OpenAI-compatible APIs with the version path,
    /// `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    /// The model agents on this endpoint use unless they name another.
    pub model: String,
}

/// How hard a call tries.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPolicy {
    /// Retries after the first try (so `max_retries + 1` requests at most).
    pub max_retries: u32,
    /// Backoff before the first retry, doubling after, with jitter (50–100 %).
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// A server asking to wait longer than this is not waited for: the call fails (the task
    /// goes through its own retry policy instead of holding an agent).
    pub max_retry_after: Duration,
    /// A stream with no bytes for this long is treated as cut.
    pub idle_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for CallPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// What a call tells its caller while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress<'a> {
    Delta(Delta<'a>),
    /// The try failed and another follows after `after`; what streamed so far is void.
    Retry {
        why: &'a str,
        after: Duration,
    },
}

/// Why a call failed for good.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The endpoint refused the request in a way retrying will not change.
    #[error("the model endpoint refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// Every try failed on something that might pass later.
    #[error("the model endpoint failed {tries} times; last: {last}")]
    Exhausted { tries: u32, last: String },
}

impl CallError {
    /// Whether the task should be tried again later (its own retry policy).
    pub fn retryable(&self) -> bool {
        matches!(self, CallError::Exhausted { .. })
    }
}

/// One try's failure: whether it may be retried, after how long the server asked, and why.
struct TryError {
    retry: bool,
    after: Option<Duration>,
    why: String,
    status: Option<StatusCode>,
}

impl TryError {
    fn transient(why: impl Into<String>) -> Self {
        Self {
            retry: true,
            after: None,
            why: why.into(),
            status: None,
        }
    }
}

/// Largest error body read from a refused request, in bytes.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Calls the model, streaming what it says to `progress`, retrying per `policy`.
pub async fn complete(
    http: &reqwest::Client,
    endpoint: &Endpoint,
    policy: &CallPolicy,
    request: &Request<'_>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Reply, CallError> {
    let mut tries = 0;
    loop {
        tries += 1;
        let error = match try_once(http, endpoint, policy, request, progress).await {
            Ok(reply) => return Ok(reply),
            Err(error) => error,
        };
        if !error.retry {
            return Err(CallError::Refused {
                status: error.status.map_or(0, |s| s.as_u16()),
                message: error.why,
            });
        }
        if tries > policy.max_retries {
            return Err(CallError::Exhausted {
                tries,
                last: error.why,
            });
        }
        let after = match error.after {
            Some(asked) if asked > policy.max_retry_after => {
                return Err(CallError::Exhausted {
                    tries,
                    last: format!("{} (asked to wait {} s)", error.why, asked.as_secs()),
                });
            }
            Some(asked) => asked,
            None => backoff(policy, tries),
        };
        progress(Progress::Retry {
            why: &error.why,
            after,
        });
        tokio::time::sleep(after).await;
    }
}

/// Backoff before retry `n` (from 1): base × 2ⁿ⁻¹, capped, times 50–100 %.
fn backoff(policy: &CallPolicy, n: u32) -> Duration {
    let exp = policy
        .base_backoff
        .saturating_mul(1 << (n - 1).min(16))
        .min(policy.max_backoff);
    exp.mul_f64(rand::rng().random_range(0.5..=1.0))
}

async fn try_once(
    http: &reqwest::Client,
    endpoint: &Endpoint,
    policy: &CallPolicy,
    request: &Request<'_>,
    progress: &mut (dyn FnMut(Progress<'_>) + Send),
) -> Result<Reply, TryError> {
    let (url, body) = match endpoint.provider {
        Provider::Anthropic => (anthropic::url(&endpoint.base_url), anthropic::body(request)),
        Provider::Openai => (openai::url(&endpoint.base_url), openai::body(request)),
    };
    let mut builder = http
        .post(url)
        .header("accept", "text/event-stream")
        .json(&body);
    match (endpoint.provider, &endpoint.api_key) {
        (Provider::Anthropic, key) => {
            builder = builder.header("anthropic-version", anthropic::API_VERSION);
            if let Some(value) = key.as_ref().and_then(|k| k.header("")) {
                builder = builder.header("x-api-key", value);
            }
        }
        (Provider::Openai, Some(key)) => {
            if let Some(value) = key.header("Bearer ") {
                builder = builder.header("authorization", value);
            }
        }
        (Provider::Openai, None) => {}
    }
    let send = tokio::time::timeout(policy.connect_timeout + policy.idle_timeout, builder.send());
    let mut response = match send.await {
        Err(_) => return Err(TryError::transient("no response in time")),
        Ok(Err(e)) => return Err(TryError::transient(transport(e))),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    if !status.is_success() {
        return Err(refusal(endpoint.provider, response).await);
    }
    let mut decoder = Decoder::default();
    let mut folded: Box<dyn Fold> = match endpoint.provider {
        Provider::Anthropic => Box::<anthropic::Stream>::default(),
        Provider::Openai => Box::<openai::Stream>::default(),
    };
    let mut on_delta = |d: Delta<'_>| progress(Progress::Delta(d));
    loop {
        let chunk = match tokio::time::timeout(policy.idle_timeout, response.chunk()).await {
            Err(_) => return Err(TryError::transient("the stream went silent")),
            Ok(Err(e)) => return Err(TryError::transient(format!("stream cut: {}", transport(e)))),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        let events = decoder
            .push(&chunk)
            .map_err(|e| TryError::transient(e.to_string()))?;
        for event in events {
            folded.event(&event, &mut on_delta).map_err(stream_error)?;
        }
    }
    folded.finish().map_err(stream_error)
}

fn stream_error(e: StreamError) -> TryError {
    // Every stream failure may pass on a second try: a cut connection, an overloaded
    // model, a proxy that mangled a chunk.
    TryError::transient(e.to_string())
}

/// The cause chain of a transport error, without the URL (which may carry a key).
fn transport(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A non-2xx answer: retryable or not, how long the server asked to wait, its message.
async fn refusal(provider: Provider, mut response: reqwest::Response) -> TryError {
    let status = response.status();
    let after = retry_after(response.headers());
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    let message = match provider {
        Provider::Anthropic => serde_json::from_slice::<anthropic::ErrorBody>(&body)
            .map(|b| format!("{}: {}", b.error.kind, b.error.message))
            .ok(),
        Provider::Openai => serde_json::from_slice::<openai::ErrorBody>(&body)
            .map(|b| b.error.message)
            .ok(),
    }
    .unwrap_or_else(|| {
        let text = String::from_utf8_lossy(&body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("error").to_owned()
        } else {
            text.chars().take(300).collect()
        }
    });
    let retry = status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error();
    TryError {
        retry,
        after,
        why: format!("HTTP {}: {message}", status.as_u16()),
        status: Some(status),
    }
}

/// `retry-after-ms` (OpenAI), else `retry-after` in seconds. (The HTTP-date form is rare
/// from these APIs and falls back to the backoff.)
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    if let Some(ms) = number("retry-after-ms") {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    number("retry-after").map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_prefers_milliseconds_and_ignores_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2026 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&dated), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_its_cap() {
        let policy = CallPolicy::default();
        for n in 1..=10 {
            let full = policy
                .base_backoff
                .saturating_mul(1 << (n - 1))
                .min(policy.max_backoff);
            let b = backoff(&policy, n);
            assert!(b >= full / 2 && b <= full, "retry {n}: {b:?} of {full:?}");
        }
    }

    #[test]
    fn an_api_key_never_shows() {
        let endpoint = Endpoint {
            provider: Provider::Anthropic,
            base_url: "https://api.anthropic.com".into(),
            api_key: Some(ApiKey::new("sk-ant-secret")),
            model: "claude-x".into(),
        };
        assert!(!format!("{endpoint:?}").contains("secret"));
        assert!(ApiKey::new("k").header("Bearer ").unwrap().is_sensitive());
    }
}
