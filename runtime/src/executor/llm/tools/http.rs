//! `http`: a GET or POST to a host the operator allowed (a webhook, an internal API), with
//! a time limit and a cap on the answer's size. Redirects are followed only to allowed
//! hosts; a URL with credentials in it is refused.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ToolOutcome, ToolUnavailable, truncate};
use crate::executor::llm::conversation::ToolSpec;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Hosts agents may call: `hooks.example.com`, or `*.example.com` for its subdomains.
    /// Empty: the tool cannot be granted.
    pub allowed_hosts: Vec<String>,
    /// A call taking longer fails, in seconds.
    pub timeout_secs: u64,
    /// Bytes of the answer kept for the model (the rest is not read).
    pub max_response_bytes: usize,
    /// Largest request body an agent may send, in bytes.
    pub max_request_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            allowed_hosts: Vec::new(),
            timeout_secs: 15,
            max_response_bytes: 64 * 1024,
            max_request_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug)]
pub struct Http {
    settings: HttpSettings,
    client: reqwest::Client,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default = "get")]
    method: String,
    url: String,
    #[serde(default)]
    body: Option<Value>,
}

fn get() -> String {
    "GET".into()
}

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "http",
        description: "Calls an allowed web host: GET a URL, or POST a JSON body to it. \
            Answers with the status and the start of the body.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "method": { "type": "string", "enum": ["GET", "POST"] },
                "url": { "type": "string" },
                "body": { "description": "JSON body of a POST" },
            },
            "required": ["url"],
        }),
    }
}

/// Whether `host` is one of `allowed` (exact, or under a `*.` wildcard).
fn allowed(allowed: &[String], host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    allowed.iter().any(|a| {
        let a = a.to_ascii_lowercase();
        match a.strip_prefix("*.") {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == a,
        }
    })
}

impl Http {
    pub fn new(settings: &HttpSettings) -> Result<Self, ToolUnavailable> {
        if settings.allowed_hosts.is_empty() {
            return Err(ToolUnavailable {
                tool: "http",
                why: "no host is allowed in this node's settings",
            });
        }
        let hosts = settings.allowed_hosts.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let ok = attempt.previous().len() < 5
                && attempt.url().host_str().is_some_and(|h| allowed(&hosts, h));
            if ok { attempt.follow() } else { attempt.stop() }
        });
        let client = reqwest::Client::builder()
            .redirect(redirects)
            .timeout(Duration::from_secs(settings.timeout_secs))
            .build()
            .map_err(|_| ToolUnavailable {
                tool: "http",
                why: "the HTTP client could not be built",
            })?;
        Ok(Self {
            settings: settings.clone(),
            client,
        })
    }

    pub async fn call(&self, input: &Value) -> ToolOutcome {
        let input = match Input::deserialize(input) {
            Ok(input) => input,
            Err(e) => return ToolOutcome::Error(format!("invalid input: {e}")),
        };
        match self.run(input).await {
            Ok(text) => ToolOutcome::Ok(text),
            Err(why) => ToolOutcome::Error(why),
        }
    }

    async fn run(&self, input: Input) -> Result<String, String> {
        let url = reqwest::Url::parse(&input.url).map_err(|e| format!("invalid URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("only http and https URLs are allowed".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("URLs with credentials are not allowed".into());
        }
        let host = url.host_str().unwrap_or_default();
        if !allowed(&self.settings.allowed_hosts, host) {
            return Err(format!(
                "host `{host}` is not allowed (allowed: {})",
                self.settings.allowed_hosts.join(", ")
            ));
        }
        let request = match input.method.to_ascii_uppercase().as_str() {
            "GET" => self.client.get(url),
            "POST" => {
                let body = serde_json::to_vec(&input.body.unwrap_or(Value::Null))
                    .map_err(|e| format!("invalid body: {e}"))?;
                if body.len() > self.settings.max_request_bytes {
                    return Err(format!(
                        "the body is {} bytes; at most {} are allowed",
                        body.len(),
                        self.settings.max_request_bytes
                    ));
                }
                self.client
                    .post(url)
                    .header("content-type", "application/json")
                    .body(body)
            }
            other => return Err(format!("method `{other}` is not allowed (GET or POST)")),
        };
        let mut response = request
            .send()
            .await
            .map_err(|e| format!("the call failed: {}", e.without_url()))?;
        let status = response.status();
        let cap = self.settings.max_response_bytes;
        let mut body = Vec::new();
        let mut total = 0;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    total += chunk.len();
                    let room = (cap + 1).saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if body.len() > cap {
                        break; // The rest is not read: the connection is dropped.
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(format!("the answer was cut: {}", e.without_url())),
            }
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let shown = truncate(text, cap, total.max(body.len()));
        Ok(format!("HTTP {}\n{shown}", status.as_u16()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_match_exactly_or_under_a_wildcard() {
        let list = ["hooks.example.com".to_owned(), "*.internal.test".to_owned()];
        assert!(allowed(&list, "hooks.example.com"));
        assert!(allowed(&list, "HOOKS.example.com"));
        assert!(allowed(&list, "a.internal.test"));
        assert!(!allowed(&list, "internal.test"));
        assert!(!allowed(&list, "evilhooks.example.com"));
        assert!(!allowed(&list, "hooks.example.com.evil.net"));
    }
}
