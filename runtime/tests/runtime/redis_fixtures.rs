//! Redis for the cluster tests: a server of a test's own (to kill and restart) and a TCP
//! proxy in front of Redis (to make one node's connections go silent, or cut them).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::cluster::{eventually, skip_notice};

/// A Redis server of this test's own (a child process on a free port), so it can be
/// killed and started again without disturbing the other tests.
pub(crate) struct OwnRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    /// `None` (with a notice) when `redis-server` is not installed, outside CI.
    pub(crate) async fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let mut redis = Self { port, child: None };
        if let Err(err) = redis.spawn().await {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but redis-server cannot run: {err}");
            }
            skip_notice(&format!("skipping Redis restart test: {err}"));
            return None;
        }
        Some(redis)
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub(crate) async fn spawn(&mut self) -> Result<(), String> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        self.child = Some(child);
        let url = self.url();
        let up = eventually(Duration::from_secs(10), async || {
            let Ok(client) = redis::Client::open(url.as_str()) else {
                return false;
            };
            client.get_multiplexed_async_connection().await.is_ok()
        })
        .await;
        up.then_some(())
            .ok_or_else(|| "redis-server did not start".into())
    }

    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// What the proxy does to the bytes it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    /// Connections stay open and deliver nothing, as a half-dead network path would; a
    /// connection silenced stays so for good.
    Silent,
    /// Connections are closed, and new ones closed at once, as in a partition.
    Cut,
}

/// A TCP proxy in front of Redis: a node connected through it can lose Redis (silently,
/// or with closed connections) while the other nodes keep it.
pub(crate) struct Proxy {
    port: u16,
    mode: watch::Sender<Mode>,
    accepting: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub(crate) async fn start(redis_url: &str) -> Self {
        let upstream = redis_url
            .trim_start_matches("redis://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (mode, watching) = watch::channel(Mode::Open);
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let now = *watching.borrow();
                if now == Mode::Cut {
                    continue; // Dropped: the client sees its connection closed at once.
                }
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let dead = Arc::new(AtomicBool::new(now == Mode::Silent));
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pump(cr, sw, watching.clone(), dead.clone()));
                tokio::spawn(pump(sr, cw, watching.clone(), dead));
            }
        });
        Self {
            port,
            mode,
            accepting,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Existing connections stop carrying bytes (for good), and so do new ones until
    /// `heal`.
    pub(crate) fn silence(&self) {
        self.mode.send_replace(Mode::Silent);
    }

    /// Closes every connection and refuses new ones until `heal`.
    pub(crate) fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    /// New connections carry bytes again.
    pub(crate) fn heal(&self) {
        self.mode.send_replace(Mode::Open);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.mode.send_replace(Mode::Cut);
    }
}

/// Carries one direction of a connection until it ends or the proxy is cut; once the
/// connection is silenced (`dead`, shared by both directions) bytes are swallowed.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut mode: watch::Receiver<Mode>,
    dead: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(n) if n > 0 => n,
                _ => return,
            },
            _ = mode.wait_for(|m| *m == Mode::Cut) => return,
        };
        if *mode.borrow() == Mode::Silent {
            dead.store(true, Ordering::Release);
        }
        if dead.load(Ordering::Acquire) {
            continue; // Swallowed: the connection looks alive and delivers nothing.
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
