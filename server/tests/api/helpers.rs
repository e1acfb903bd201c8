//! `spawn_app()`: the real server in-process, one per test.

use std::net::SocketAddr;

use agenthq_server::{Application, Settings};

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub runtime: agenthq_runtime::Runtime,
    pub client: reqwest::Client,
    _data: tempfile::TempDir,
}

/// Starts the server on a free port with its data in a fresh temporary folder.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings changed by `tweak` first.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (test_app, app) = build_app(tweak).await;
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    test_app
}

/// The application, built but not running (for tests that run and stop it themselves),
/// and a handle on it.
pub async fn build_app(tweak: impl FnOnce(&mut Settings)) -> (TestApp, Application) {
    let data = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data.path().to_owned(),
        database_url: None,
        ..Settings::default()
    };
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("app builds");
    let port = app.port();
    let test_app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        runtime: app.runtime().clone(),
        client: reqwest::Client::new(),
        _data: data,
    };
    (test_app, app)
}

impl TestApp {
    /// The app's data folder (its SQLite database and signing secret).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data.path()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// Sends a request with an optional bearer credential and JSON body.
    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    /// [`Self::request`], answering the status and the JSON body (`Null` when empty).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let response = self.request(method, path, token, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            // Not JSON (a CSV answer): the text as a string.
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, json)
    }

    /// Registers a user; answers the session (tokens and user).
    pub async fn register(&self, email: &str) -> Session {
        let body = serde_json::json!({ "email": email, "password": PASSWORD });
        let (status, session) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/register",
                None,
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{session}");
        Session::from(session)
    }

    /// Creates a workspace over the API as `token`'s user (who becomes its owner).
    pub async fn create_workspace(&self, token: &str, name: &str) -> agenthq_protocol::WorkspaceId {
        let body = serde_json::json!({ "name": name });
        let (status, ws) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/workspaces",
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "{ws}");
        ws["id"].as_str().unwrap().parse().unwrap()
    }

    /// Makes an API key in `ws` over the API as its owner; answers the secret.
    pub async fn api_key(
        &self,
        owner: &str,
        ws: agenthq_protocol::WorkspaceId,
        role: &str,
    ) -> String {
        let body = serde_json::json!({ "name": format!("{role} key"), "role": role });
        let path = format!("/api/v1/workspaces/{ws}/api-keys");
        let (status, key) = self
            .call(reqwest::Method::POST, &path, Some(owner), Some(body))
            .await;
        assert_eq!(status, 201, "{key}");
        key["secret"].as_str().unwrap().to_owned()
    }
}

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: agenthq_protocol::UserId,
    pub access: String,
    pub refresh: String,
}

impl From<serde_json::Value> for Session {
    fn from(v: serde_json::Value) -> Self {
        Self {
            user_id: v["user"]["id"].as_str().unwrap().parse().unwrap(),
            access: v["access_token"].as_str().unwrap().to_owned(),
            refresh: v["refresh_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// A workspace with three `sim` agents; public ones can be watched anonymously.
pub async fn office(app: &TestApp, public: bool) -> agenthq_protocol::WorkspaceId {
    use agenthq_runtime::{ExecutorConfig, NewAgent, NewWorkspace};
    let ws = app
        .runtime
        .create_workspace(NewWorkspace {
            name: "Generic Corp".into(),
            tier: agenthq_protocol::Tier::Pro,
            caps: None,
            public,
        })
        .await
        .expect("workspace")
        .id;
    for name in ["Marcus", "Sable", "Yuki"] {
        let executor = ExecutorConfig {
            kind: "sim".into(),
            params: serde_json::json!({ "steps": 3, "step_ms": 2 }),
        };
        let agent = NewAgent {
            name: name.into(),
            personality: "steady".into(),
            executor,
            max_concurrent: 1,
        };
        app.runtime.create_agent(ws, agent).await.expect("agent");
    }
    ws
}

/// A WebSocket client speaking the protocol as any integration would.
pub struct WsClient {
    pub codec: agenthq_protocol::Codec,
    /// What a compact client knows of each topic's numbers.
    pub compact: agenthq_protocol::compact::Decoder,
    /// Bytes of the diff frames received.
    pub diff_bytes: usize,
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl WsClient {
    /// Connects asking for `codec`'s subprotocol (none for `None`: the server picks JSON).
    pub async fn connect(app: &TestApp, codec: Option<agenthq_protocol::Codec>) -> Self {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://127.0.0.1:{}/ws", app.port)
            .into_client_request()
            .unwrap();
        if let Some(codec) = codec {
            request.headers_mut().insert(
                "sec-websocket-protocol",
                codec.subprotocol().parse().unwrap(),
            );
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("connect");
        let chosen = response
            .headers()
            .get("sec-websocket-protocol")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            chosen.as_deref(),
            codec.map(|c| c.subprotocol()),
            "the server agrees to the asked subprotocol"
        );
        Self {
            codec: codec.unwrap_or(agenthq_protocol::Codec::Json),
            compact: Default::default(),
            diff_bytes: 0,
            socket,
        }
    }

    /// Connects (JSON) from the loopback address `from` (127.0.0.2, ...), as another
    /// client machine would; `Err` with the HTTP status when the upgrade is refused.
    pub async fn connect_from(app: &TestApp, from: std::net::Ipv4Addr) -> Result<Self, u16> {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((from, 0).into()).unwrap();
        Self::handshake(app, socket).await
    }

    /// Connects (JSON) with a tiny TCP receive window, as a client that reads slowly or not
    /// at all: the server's writes then block once its own send buffer is full.
    pub async fn connect_with_small_window(app: &TestApp) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        Self::handshake(app, socket).await.expect("handshake")
    }

    /// Connects `socket` to the app and upgrades (JSON).
    async fn handshake(app: &TestApp, socket: tokio::net::TcpSocket) -> Result<Self, u16> {
        let stream = socket
            .connect(([127, 0, 0, 1], app.port).into())
            .await
            .expect("tcp connect");
        let url = format!("ws://127.0.0.1:{}/ws", app.port);
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        match tokio_tungstenite::client_async(url, stream).await {
            Ok((socket, _)) => Ok(Self {
                codec: agenthq_protocol::Codec::Json,
                compact: Default::default(),
                diff_bytes: 0,
                socket,
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(err) => panic!("handshake: {err}"),
        }
    }

    /// Says `hello` with `token` and checks the `welcome`.
    pub async fn hello(&mut self, token: &str) {
        self.send(&agenthq_protocol::ClientMessage::Hello {
            token: Some(token.to_owned()),
        })
        .await;
        let answer = self.recv().await;
        assert!(
            matches!(answer, agenthq_protocol::ServerMessage::Welcome { .. }),
            "{answer:?}"
        );
    }

    pub async fn send(&mut self, message: &agenthq_protocol::ClientMessage) {
        use futures::SinkExt;
        use tokio_tungstenite::tungstenite::Message;
        let bytes = self.codec.encode(message).unwrap();
        let frame = match self.codec {
            agenthq_protocol::Codec::Json => {
                Message::Text(String::from_utf8(bytes).unwrap().into())
            }
            agenthq_protocol::Codec::MessagePack | agenthq_protocol::Codec::Compact => {
                Message::Binary(bytes.into())
            }
        };
        self.socket.send(frame).await.expect("send");
    }

    pub async fn send_raw(&mut self, frame: tokio_tungstenite::tungstenite::Message) {
        use futures::SinkExt;
        let _ = self.socket.send(frame).await;
    }

    /// The next protocol message; panics on close or after 10 s.
    pub async fn recv(&mut self) -> agenthq_protocol::ServerMessage {
        match self.next_frame().await {
            Frame::Message(m) => m,
            Frame::Closed(code) => {
                panic!("connection closed ({code:?}) while a message was expected")
            }
        }
    }

    fn count(
        &mut self,
        message: agenthq_protocol::ServerMessage,
        len: usize,
    ) -> agenthq_protocol::ServerMessage {
        if matches!(message, agenthq_protocol::ServerMessage::Diff { .. }) {
            self.diff_bytes += len;
        }
        message
    }

    pub async fn next_frame(&mut self) -> Frame {
        use futures::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            let frame =
                tokio::time::timeout(std::time::Duration::from_secs(10), self.socket.next())
                    .await
                    .expect("a frame within 10 s");
            match frame {
                Some(Ok(Message::Text(text))) => {
                    assert_eq!(
                        self.codec,
                        agenthq_protocol::Codec::Json,
                        "text frames only for JSON"
                    );
                    let message: agenthq_protocol::ServerMessage = agenthq_protocol::Codec::Json
                        .decode(text.as_bytes())
                        .expect("valid JSON message");
                    return Frame::Message(self.count(message, text.len()));
                }
                Some(Ok(Message::Binary(bytes))) => {
                    let message = match self.codec {
                        agenthq_protocol::Codec::MessagePack => {
                            agenthq_protocol::Codec::MessagePack
                                .decode(&bytes)
                                .expect("valid MessagePack message")
                        }
                        agenthq_protocol::Codec::Compact => self
                            .compact
                            .decode(&bytes)
                            .expect("a valid compact frame, every number known"),
                        agenthq_protocol::Codec::Json => {
                            panic!("binary frames only for MessagePack")
                        }
                    };
                    return Frame::Message(self.count(message, bytes.len()));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Frame::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Frame::Closed(None),
            }
        }
    }
}

#[derive(Debug)]
pub enum Frame {
    Message(agenthq_protocol::ServerMessage),
    Closed(Option<u16>),
}

/// Waits (polling, at most 30 s) until the task has finished.
pub async fn finished(
    app: &TestApp,
    ws: agenthq_protocol::WorkspaceId,
    task: agenthq_protocol::TaskId,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !app
        .runtime
        .task(ws, task)
        .await
        .expect("task")
        .status
        .is_terminal()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "task {task} did not finish in 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

/// Settings that put the node's default model endpoint on `model` (OpenAI wire, model
/// `local-test`).
pub fn on_model(model: &agenthq_runtime::testing::ModelServer, s: &mut Settings) {
    s.llm_provider = Some(agenthq_runtime::executor::Provider::Openai);
    s.llm_base_url = Some(format!("{}/v1", model.base));
    s.llm_model = Some("local-test".into());
}

/// A user the store flags as an operator (who may set tiers).
pub async fn operator(app: &TestApp) -> Session {
    let session = app.register("ops@agenthq.example").await;
    assert!(
        app.runtime
            .store()
            .set_operator(session.user_id, true)
            .await
            .unwrap()
    );
    session
}
