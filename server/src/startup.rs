//! [`Application`]: the server, built from settings and bound to its port, so tests and
//! the load tester run the real thing in-process (port 0 picks a free one).

use std::future::Future;
use std::sync::Arc;

use agenthq_runtime::{
    ExecutorRegistry, MemoryBus, Runtime, RuntimeError, Store, StoreError, store,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::routes;
use crate::settings::Settings;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[from] RuntimeError),
    #[error("cannot read or create the token signing secret: {0}")]
    Secret(std::io::Error),
    #[error("cannot join the cluster: {0}")]
    Cluster(String),
    #[error("cannot set up the llm executor: {0}")]
    Llm(String),
    #[error(transparent)]
    Locked(#[from] crate::ops::LockError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

/// The executors agents may use: the built-in `sim`, and `llm` with the settings' model
/// endpoints and tools (with no endpoint configured, an `llm` agent is refused when it is
/// created, with a message saying so).
pub fn executors(settings: &Settings) -> Result<ExecutorRegistry, StartupError> {
    let llm = settings
        .llm_settings()
        .map_err(|e| StartupError::Llm(e.to_string()))?;
    let mut registry = ExecutorRegistry::default();
    let llm = agenthq_runtime::LlmExecutor::new(llm).map_err(StartupError::Llm)?;
    registry.register("llm", Arc::new(llm));
    Ok(registry)
}

/// Starts the runtime as a node of the cluster that shares `url`.
async fn join_cluster(
    settings: &Settings,
    url: &str,
    config: agenthq_runtime::RuntimeConfig,
    store: Arc<dyn Store>,
    local: Arc<MemoryBus>,
) -> Result<(Runtime, Option<crate::forward::ClusterState>), StartupError> {
    use agenthq_runtime::cluster::{BridgeConfig, Cluster, Leases, RedisBus, RedisLink};
    if !settings
        .database_url
        .as_deref()
        .is_some_and(|u| u.starts_with("postgres"))
    {
        return Err(StartupError::Cluster(
            "the nodes of a cluster share one PostgreSQL store: set AGENTHQ_DATABASE_URL to it"
                .into(),
        ));
    }
    let cluster_error =
        |e: redis::RedisError| StartupError::Cluster(format!("Redis at {url}: {e}"));
    let node = agenthq_runtime::NodeId::generate();
    let stop = CancellationToken::new();
    let tracker = tokio_util::task::TaskTracker::new();
    let bus = RedisBus::start(
        url,
        node.clone(),
        local,
        BridgeConfig::default(),
        &tracker,
        stop.clone(),
    )
    .await
    .map_err(cluster_error)?;
    let link = RedisLink::new(url, std::time::Duration::from_secs(2)).map_err(cluster_error)?;
    let ttl = std::time::Duration::from_secs(settings.lease_ttl_secs.max(2));
    let leases = Leases::new(link, node.clone(), ttl);
    let cluster = Cluster {
        bus: bus.clone(),
        leases,
        rebalance: settings.rebalance,
    };
    let runtime = Runtime::start_in_cluster(config, store, cluster, executors(settings)?).await?;
    tracing::info!(node = %node, "joined the cluster");
    let state = crate::forward::ClusterState {
        bus,
        forward_timeout: std::time::Duration::from_millis(settings.forward_timeout_ms.max(1)),
        stop,
        tracker,
    };
    Ok((runtime, Some(state)))
}

/// What every handler shares: one allocation, so a copy (each request's, each
/// WebSocket connection's) is a pointer.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    pub runtime: Runtime,
    /// Checks credentials and issues tokens.
    pub auth: crate::auth::Auth,
    /// Cancelled when the server starts shutting down: WebSocket connections then close
    /// with 1001 (going away).
    pub shutdown: CancellationToken,
    /// How long a WebSocket client may stay silent.
    pub idle_timeout: std::time::Duration,
    /// Bytes of diffs one WebSocket connection may have queued.
    pub send_queue_bytes: usize,
    /// How long a write to a WebSocket client may take.
    pub send_timeout: std::time::Duration,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// WebSocket connections held, per IP address and in all.
    pub connections: crate::gateway::ConnectionLimits,
    /// WebSocket connections held per credential (user or API key).
    pub credentials: crate::gateway::CredentialLimits,
    /// Largest HTTP request body accepted.
    pub max_body_bytes: usize,
    /// Set on a node of a cluster.
    pub cluster: Option<crate::forward::ClusterState>,
    /// The tier of a workspace created over the API.
    pub default_tier: agenthq_protocol::Tier,
    /// Request buckets: per address, credential, workspace, auth endpoint, account.
    pub rate: crate::ratelimit::RateLimiter,
    /// Connections watching each private workspace (its tier's `ws_connections`).
    pub watchers: crate::gateway::Tally,
    /// Who did what in each workspace.
    pub audit: crate::audit::AuditLog,
    /// API requests and watching time per workspace, added to its usage.
    pub meter: crate::meter::Meter,
}

#[derive(Debug)]
pub struct Application {
    port: u16,
    listener: TcpListener,
    state: AppState,
    max_body_bytes: usize,
    web_dir: Option<std::path::PathBuf>,
    /// Held while this server uses an embedded SQLite database.
    lock: Option<crate::ops::DatabaseLock>,
}

impl Application {
    /// Opens the store (running its migrations), starts the runtime and binds the port.
    /// An embedded SQLite database is locked first: a second server on it is refused.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let lock = match settings.sqlite_path() {
            Some(db) => {
                create_data_dir(&settings)?;
                Some(crate::ops::DatabaseLock::acquire(&db)?)
            }
            None => None,
        };
        let store = open_store(&settings).await?;
        let config = settings.runtime_config();
        let bus = Arc::new(MemoryBus::new(config.history_len, config.subscriber_buffer));
        let auth =
            crate::auth::Auth::new(store.clone(), &settings).map_err(StartupError::Secret)?;
        let (runtime, cluster) = match &settings.redis_url {
            None => (
                Runtime::start(config, store, bus, executors(&settings)?).await?,
                None,
            ),
            Some(url) => join_cluster(&settings, url, config, store, bus).await?,
        };
        let audit = crate::audit::AuditLog::new(runtime.clone());
        let rate = crate::ratelimit::RateLimiter::new(
            settings.rate_limits,
            settings.tiers,
            settings.redis_url.as_deref(),
        )
        .map_err(|e| StartupError::Cluster(format!("rate limits: {e}")))?;
        let listener =
            TcpListener::bind(settings.listen)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: settings.listen.to_string(),
                    source,
                })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.listen.to_string(),
            source,
        })?;
        Ok(Self {
            port: port.port(),
            listener,
            max_body_bytes: settings.max_body_bytes,
            web_dir: settings.web_dir(),
            lock,
            state: AppState(Arc::new(Shared {
                runtime,
                auth,
                credentials: crate::gateway::CredentialLimits::new(
                    settings.ws_max_connections_per_credential,
                ),
                shutdown: CancellationToken::new(),
                metrics: crate::telemetry::metrics(),
                connections: crate::gateway::ConnectionLimits::new(
                    settings.ws_max_connections_per_ip,
                    settings.ws_max_connections,
                ),
                send_queue_bytes: settings.ws_send_queue_bytes.max(1),
                idle_timeout: std::time::Duration::from_secs(settings.ws_idle_timeout_secs.max(1)),
                send_timeout: std::time::Duration::from_secs(settings.ws_send_timeout_secs.max(1)),
                max_body_bytes: settings.max_body_bytes,
                cluster,
                default_tier: settings.default_tier,
                rate,
                watchers: crate::gateway::Tally::default(),
                audit,
                meter: crate::meter::Meter::default(),
            })),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn runtime(&self) -> &Runtime {
        &self.state.runtime
    }

    /// What the handlers share (for in-crate tests that drive a connection directly).
    #[cfg(test)]
    pub(crate) fn state(&self) -> &AppState {
        &self.state
    }

    /// The application's routes over its state, to be driven without a socket (the HTTP
    /// fuzz target).
    pub fn router(&self) -> axum::Router {
        routes::router(
            self.state.clone(),
            self.max_body_bytes,
            self.web_dir.as_deref(),
        )
    }

    pub fn auth(&self) -> &crate::auth::Auth {
        &self.state.auth
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets requests in flight
    /// finish and shuts the runtime down (its last writes committed).
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Until the runtime's last write is committed.
        let _lock = self.lock;
        let runtime = self.state.runtime.clone();
        let closing = self.state.shutdown.clone();
        let cluster = self.state.cluster.clone();
        self.state.rate.sweep_until(closing.clone());
        let (meter, seats) = (self.state.meter.clone(), self.state.watchers.clone());
        meter.run_until(runtime.clone(), seats.clone(), closing.clone());
        let router = routes::router(self.state, self.max_body_bytes, self.web_dir.as_deref());
        if let Some(cluster) = &cluster {
            cluster.serve(&runtime, router.clone(), self.max_body_bytes);
        }
        let shutdown = async move {
            shutdown.await;
            closing.cancel(); // WebSocket connections close themselves with 1001.
        };
        let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        // No Nagle: a tick's frames are already coalesced into one write per connection,
        // and holding that write back for the client's delayed ACK would add up to 40 ms.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "cannot set TCP_NODELAY");
            }
        });
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await;
        meter.flush(&runtime, &seats).await; // The last second's counts.
        runtime.shutdown().await;
        if let Some(cluster) = cluster {
            cluster.stop.cancel();
            cluster.tracker.close();
            cluster.tracker.wait().await;
        }
        served
    }
}

/// Opens the store the settings name, running its migrations; for the embedded SQLite,
/// creates the data folder first. Everything that touches the store starts here: the
/// server, `migrate`, and the account commands.
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn Store>, StartupError> {
    if settings.database_url.is_none() {
        create_data_dir(settings)?;
    }
    Ok(store::open(&settings.store_url()).await?)
}

fn create_data_dir(settings: &Settings) -> Result<(), StartupError> {
    std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartupError::DataDir {
        path: settings.data_dir.display().to_string(),
        source,
    })
}

/// Raises this process's soft limit on open files to its hard limit (each WebSocket is a
/// file), and says what it is.
pub fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => tracing::info!(open_files = limit, "open-file limit"),
        Err(err) => tracing::warn!(error = %err, "cannot raise the open-file limit"),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received");
}
