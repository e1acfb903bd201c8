//! `http`: a GET or POST to a host the operator allowed (a webhook, an internal API), with
//! a time limit and a cap on the answer's size. Redirects are followed only to allowed
//! hosts; a URL with credentials in it is refused.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{ToolOutcome, ToolUnavailable, parse, truncate};
use crate::executor::llm::conversation::ToolSpec;

#[derive(Debug, Clone, PartialEq)]
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

/// Cheap to clone: the client is shared.
#[derive(Debug, Clone)]
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
        self.run(input).await.into()
    }

    /// Makes a call: the status and the start of the answer, or why it failed.
    async fn run(&self, input: &Value) -> Result<String, String> {
        let input: Input = parse(input)?;
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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A web server on a local port: `/big` answers 100 KB, `/away` redirects to another
    /// host, anything else echoes the request's first line and body.
    async fn web() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let request = read_request(&mut socket).await;
                let line = request.lines().next().unwrap_or("").to_owned();
                let body = request.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
                let response = if line.contains("/big") {
                    let big = "x".repeat(100_000);
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{big}",
                        big.len()
                    )
                } else if line.contains("/away") {
                    "HTTP/1.1 302 Found\r\nlocation: http://example.com/\r\ncontent-length: 0\r\n\r\n".into()
                } else {
                    let text = format!("{line}|{body}");
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    )
                };
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        base
    }

    /// Reads a whole request: the head, then as many body bytes as it announces.
    async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
        let mut bytes = Vec::new();
        let mut buf = [0; 4096];
        loop {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return text;
                }
            }
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return text,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
    }

    fn tool(max_response_bytes: usize) -> Http {
        let settings = HttpSettings {
            allowed_hosts: vec!["127.0.0.1".into()],
            max_response_bytes,
            ..HttpSettings::default()
        };
        Http::new(&settings).unwrap()
    }

    #[tokio::test]
    async fn an_allowed_host_answers_and_the_answer_is_capped() {
        let base = web().await;
        let get = tool(1024)
            .call(&json!({"url": format!("{base}/status")}))
            .await;
        assert_eq!(
            get,
            ToolOutcome::Ok("HTTP 200\nGET /status HTTP/1.1|".into())
        );
        let post = tool(1024)
            .call(&json!({"method": "POST", "url": format!("{base}/hook"), "body": {"ok": true}}))
            .await;
        assert_eq!(
            post,
            ToolOutcome::Ok("HTTP 200\nPOST /hook HTTP/1.1|{\"ok\":true}".into())
        );
        let ToolOutcome::Ok(big) = tool(1024)
            .call(&json!({"url": format!("{base}/big")}))
            .await
        else {
            panic!("the big page answers")
        };
        assert!(
            big.len() < 1024 + 100 && big.contains("more bytes not shown"),
            "{}",
            big.len()
        );
    }

    #[tokio::test]
    async fn other_hosts_redirects_out_credentials_and_other_methods_are_refused() {
        let base = web().await;
        let http = tool(1024);
        let refused = |outcome: ToolOutcome, why: &str| {
            assert!(
                matches!(&outcome, ToolOutcome::Error(e) if e.contains(why)),
                "{outcome:?}"
            );
        };
        refused(
            http.call(&json!({"url": "http://example.com/"})).await,
            "not allowed",
        );
        refused(
            http.call(&json!({"url": "file:///etc/passwd"})).await,
            "only http and https",
        );
        let creds = base.replace("http://", "http://user:pw@");
        refused(http.call(&json!({"url": creds})).await, "credentials");
        refused(
            http.call(&json!({"method": "DELETE", "url": base.clone()}))
                .await,
            "DELETE",
        );
        // The redirect to a host not allowed is not followed: the 302 is the answer.
        let away = http.call(&json!({"url": format!("{base}/away")})).await;
        assert_eq!(away, ToolOutcome::Ok("HTTP 302\n".into()));
    }

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
