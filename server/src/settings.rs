//! Settings, layered: built-in defaults, then an optional TOML file, then `AGENTHQ_*`
//! environment variables (`AGENTHQ_LISTEN=0.0.0.0:8080`, `AGENTHQ_DATABASE_URL=...`).
//! `.env.example` lists every variable.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agenthq_protocol::Tier;
use agenthq_runtime::executor::{
    ApiKey, Endpoint, HttpSettings, LlmSettings, Price, Provider, ShellSettings, ToolSettings,
};
use agenthq_runtime::{RuntimeConfig, Tiers};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For a person at a terminal.
    #[default]
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Where the HTTP API and the WebSocket gateway listen.
    pub listen: SocketAddr,
    /// Folder for the embedded SQLite database and generated secrets; created if missing.
    pub data_dir: PathBuf,
    /// Store URL (`postgres://...`, `sqlite://...`); SQLite in `data_dir` when unset.
    pub database_url: Option<String>,
    pub log_format: LogFormat,
    /// Diff tick of the live office, in milliseconds.
    pub tick_ms: u64,
    /// A WebSocket client silent this long (no message, no ping) is closed, in seconds.
    pub ws_idle_timeout_secs: u64,
    /// A WebSocket write that does not complete this long closes the connection (4001),
    /// in seconds.
    pub ws_send_timeout_secs: u64,
    /// WebSocket connections one IP address may hold (more get HTTP 429).
    pub ws_max_connections_per_ip: usize,
    /// WebSocket connections the node may hold (more get HTTP 503).
    pub ws_max_connections: usize,
    /// WebSocket connections one credential (user or API key) may hold; a `hello` past it
    /// is refused with close code 4003.
    pub ws_max_connections_per_credential: usize,
    /// Bytes of diffs one WebSocket connection may have queued (all its topics together);
    /// past it a topic's pending diffs are dropped and the client is resynced when it has
    /// drained (replay from history or a snapshot).
    pub ws_send_queue_bytes: usize,
    /// Diffs kept per topic so a reconnecting client can resume; further behind it gets a
    /// snapshot.
    pub ws_history_len: usize,
    /// Signs access tokens (HS256). Unset: a random secret generated once and kept in
    /// `data_dir/jwt.secret`. Nodes that share a database must share this secret.
    pub jwt_secret: Option<Secret>,
    /// Lifetime of an access token (JWT), in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token, in seconds; each works once.
    pub refresh_token_ttl_secs: u64,
    /// Largest HTTP request body accepted (413 past it), in bytes.
    pub max_body_bytes: usize,
    /// The browser office served at `/` (the bundle scripts/build-web.sh builds). Unset:
    /// `assets/web` in the working folder, else the one in the source tree the binary was
    /// built from.
    pub web_dir: Option<PathBuf>,
    /// Redis for a cluster of nodes (`redis://host:6379`); they must share a PostgreSQL
    /// store. Unset: a single node.
    pub redis_url: Option<String>,
    /// How long a node's lease on a workspace lasts unless renewed, in seconds.
    pub lease_ttl_secs: u64,
    /// How long a command forwarded to a workspace's owner may take, in milliseconds.
    pub forward_timeout_ms: u64,
    /// In a cluster: hand workspaces to nodes that own fewer, one per lease-renewal period,
    /// so a node that joins takes its share. Every node should have the same setting.
    pub rebalance: bool,
    /// The default model endpoint of `llm` agents: `anthropic` (Messages API) or `openai`
    /// (any OpenAI-compatible chat API: hosted, llama.cpp, Ollama, vLLM). Unset: none.
    pub llm_provider: Option<Provider>,
    /// Its base URL. Unset: the provider's public API.
    pub llm_base_url: Option<String>,
    pub llm_api_key: Option<Secret>,
    /// Its model; required with `llm_provider`.
    pub llm_model: Option<String>,
    /// More endpoints by name, which an agent picks with `"endpoint": "<name>"` (a table
    /// per endpoint in the TOML file: provider, base_url, api_key, model).
    pub llm_endpoints: BTreeMap<String, LlmEndpoint>,
    /// A workspace's own default endpoint, by workspace id: `{ "<id>" = "local" }`.
    pub llm_workspace_endpoints: BTreeMap<agenthq_protocol::WorkspaceId, String>,
    /// Model calls one `llm` task may make.
    pub llm_max_steps: u32,
    /// Tokens (in and out) one `llm` attempt may use before it is stopped.
    pub llm_max_task_tokens: u64,
    /// Where each workspace's `shell` sandbox folder is made. Unset: `data_dir/sandbox`.
    pub sandbox_dir: Option<PathBuf>,
    /// Whether agents may be granted the `shell` tool.
    pub shell_enabled: bool,
    /// Programs the `shell` tool may run, by bare name.
    pub shell_programs: Vec<String>,
    /// A `shell` command running this long is killed, in seconds.
    pub shell_timeout_secs: u64,
    /// Hosts the `http` tool may call (`hooks.example.com`, `*.example.com`); empty: none.
    pub http_allowed_hosts: Vec<String>,
    /// Model prices in US dollars per million tokens, by model name:
    /// `{ "claude-sonnet-4-5" = { input = 3.0, output = 15.0 } }`. A model not listed costs
    /// nothing (its tokens are still counted).
    pub llm_prices: BTreeMap<String, Price>,
    /// What a workspace of each tier may use (a table per tier in the TOML file,
    /// `[tiers.free]`; or `AGENTHQ_TIERS__FREE__MAX_AGENTS=20`): caps, quotas, model
    /// budget, request rate, WebSocket connections. See docs/tenancy.md.
    pub tiers: Tiers,
    /// The tier of a workspace created over the API.
    pub default_tier: Tier,
    /// Request rate limits (`[rate_limits]`; `AGENTHQ_RATE_LIMITS__ENABLED=false` turns
    /// them off). A workspace's own limit is its tier's `requests_per_hour`.
    pub rate_limits: crate::ratelimit::RateSettings,
    /// How long an agent's approval request waits for a person before it expires, in
    /// seconds.
    pub approval_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmEndpoint {
    pub provider: Provider,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub api_key: Option<Secret>,
    pub model: String,
}

impl Settings {
    /// The web bundle's folder: the setting, or the first default that holds a page.
    pub fn web_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.web_dir {
            return Some(dir.clone());
        }
        [
            PathBuf::from("assets/web"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/web"),
        ]
        .into_iter()
        .find(|dir| dir.join("index.html").is_file())
    }
}

/// A secret setting: shown as `<redacted>` in logs and debug output.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            log_format: LogFormat::Pretty,
            tick_ms: 50,
            ws_idle_timeout_secs: 60,
            ws_send_timeout_secs: 10,
            ws_max_connections_per_ip: 1_000,
            ws_max_connections: 18_000,
            ws_max_connections_per_credential: 100,
            ws_send_queue_bytes: 512 * 1024,
            ws_history_len: 256,
            jwt_secret: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            max_body_bytes: 1024 * 1024,
            web_dir: None,
            redis_url: None,
            lease_ttl_secs: 10,
            forward_timeout_ms: 5_000,
            rebalance: false,
            llm_provider: None,
            llm_base_url: None,
            llm_api_key: None,
            llm_model: None,
            llm_endpoints: BTreeMap::new(),
            llm_workspace_endpoints: BTreeMap::new(),
            llm_max_steps: LlmSettings::default().max_steps,
            llm_max_task_tokens: LlmSettings::default().max_task_tokens,
            sandbox_dir: None,
            shell_enabled: false,
            shell_programs: ShellSettings::default().programs,
            shell_timeout_secs: ShellSettings::default().timeout_secs,
            http_allowed_hosts: Vec::new(),
            llm_prices: BTreeMap::new(),
            tiers: Tiers::default(),
            default_tier: Tier::Free,
            rate_limits: crate::ratelimit::RateSettings::default(),
            approval_timeout_secs: RuntimeConfig::default().approval_timeout.as_secs(),
        }
    }
}

/// The settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("config file {0} not found")]
    MissingFile(PathBuf),
    #[error("invalid settings: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("invalid model endpoint settings: {0}")]
    Llm(String),
}

impl Settings {
    /// Defaults, then `file` (if given; it must exist), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(SettingsError::MissingFile(file.to_owned()));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(Env::prefixed("AGENTHQ_").split("__"))
            .extract()
            .map_err(|e| SettingsError::Invalid(Box::new(e)))
    }

    /// The store to open: `database_url`, or the SQLite file in `data_dir`.
    pub fn store_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("agenthq.db").display()))
    }

    /// The embedded SQLite database's file, when the store is one (`None` for PostgreSQL
    /// and the in-memory store).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.store_url();
        if url.starts_with("postgres") || url == "memory:" {
            return None;
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(&url);
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        Some(PathBuf::from(path))
    }

    /// [`Self::store_url`] without its password, for logs.
    pub fn store_url_redacted(&self) -> String {
        let url = self.store_url();
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}://***{}", &url[..scheme], &url[at..])
            }
            _ => url,
        }
    }

    /// The `llm` executor's settings: the default endpoint (`llm_*`) as `default`, the
    /// named ones, the limits and the tools.
    pub fn llm_settings(&self) -> Result<LlmSettings, SettingsError> {
        let mut named: Vec<(String, LlmEndpoint)> =
            self.llm_endpoints.clone().into_iter().collect();
        if let Some(provider) = self.llm_provider {
            let model = self.llm_model.clone().ok_or_else(|| {
                SettingsError::Llm("AGENTHQ_LLM_MODEL is required with AGENTHQ_LLM_PROVIDER".into())
            })?;
            named.push((
                "default".into(),
                LlmEndpoint {
                    provider,
                    base_url: self.llm_base_url.clone(),
                    api_key: self.llm_api_key.clone(),
                    model,
                },
            ));
        }
        let endpoints: BTreeMap<String, Endpoint> = named
            .into_iter()
            .map(|(name, e)| {
                let base_url = e.base_url.unwrap_or_else(|| {
                    match e.provider {
                        Provider::Anthropic => "https://api.anthropic.com",
                        Provider::Openai => "https://api.openai.com/v1",
                    }
                    .into()
                });
                let endpoint = Endpoint {
                    provider: e.provider,
                    base_url,
                    api_key: e.api_key.map(|k| ApiKey::new(k.expose())),
                    model: e.model,
                };
                (name, endpoint)
            })
            .collect();
        for (workspace, name) in &self.llm_workspace_endpoints {
            if !endpoints.contains_key(name) {
                return Err(SettingsError::Llm(format!(
                    "workspace {workspace} names the endpoint {name:?}, which is not configured"
                )));
            }
        }
        Ok(LlmSettings {
            endpoints,
            workspace_endpoints: self.llm_workspace_endpoints.clone(),
            max_steps: self.llm_max_steps.max(1),
            max_task_tokens: self.llm_max_task_tokens,
            sandbox_dir: Some(
                self.sandbox_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("sandbox")),
            ),
            tools: ToolSettings {
                shell: ShellSettings {
                    enabled: self.shell_enabled,
                    programs: self.shell_programs.clone(),
                    timeout_secs: self.shell_timeout_secs.max(1),
                    ..ShellSettings::default()
                },
                http: HttpSettings {
                    allowed_hosts: self.http_allowed_hosts.clone(),
                    ..HttpSettings::default()
                },
            },
            prices: self.llm_prices.clone(),
            ..LlmSettings::default()
        })
    }

    pub fn runtime_config(&self) -> RuntimeConfig {
        RuntimeConfig {
            tick: Duration::from_millis(self.tick_ms.max(1)),
            history_len: self.ws_history_len.max(1),
            tiers: self.tiers,
            approval_timeout: Duration::from_secs(self.approval_timeout_secs.max(1)),
            ..RuntimeConfig::default()
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return its (large) error type.
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_defaults_and_the_environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("agenthq.toml", "listen = \"0.0.0.0:9000\"\ntick_ms = 20\n")?;
            jail.set_env("AGENTHQ_TICK_MS", "10");
            jail.set_env("AGENTHQ_LOG_FORMAT", "json");
            let settings = Settings::load(Some(Path::new("agenthq.toml"))).expect("settings");
            assert_eq!(settings.listen, SocketAddr::from(([0, 0, 0, 0], 9000)));
            assert_eq!(settings.tick_ms, 10);
            assert_eq!(settings.log_format, LogFormat::Json);
            assert_eq!(
                settings.data_dir,
                PathBuf::from("data"),
                "untouched default"
            );
            assert_eq!(settings.store_url(), "sqlite://data/agenthq.db");
            jail.set_env(
                "AGENTHQ_DATABASE_URL",
                "postgres://agenthq:pw@db:5432/agenthq",
            );
            let settings = Settings::load(None).expect("settings");
            assert_eq!(
                settings.store_url_redacted(),
                "postgres://***@db:5432/agenthq"
            );
            jail.clear_env();
            jail.set_env("AGENTHQ_JWT_SECRET", "hunter2hunter2");
            let settings = Settings::load(None).expect("settings");
            assert_eq!(
                settings.jwt_secret.as_ref().map(Secret::expose),
                Some("hunter2hunter2")
            );
            assert!(!format!("{settings:?}").contains("hunter2"), "redacted");
            Ok(())
        });
    }

    #[test]
    fn the_llm_settings_name_the_default_endpoint_and_keep_its_key_secret() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "agenthq.toml",
                "[llm_endpoints.local]\nprovider = \"openai\"\nbase_url = \"http://127.0.0.1:11434/v1\"\nmodel = \"llama3.2\"\n",
            )?;
            jail.set_env("AGENTHQ_LLM_PROVIDER", "anthropic");
            jail.set_env("AGENTHQ_LLM_API_KEY", "sk-ant-hunter2");
            let settings = Settings::load(Some(Path::new("agenthq.toml"))).expect("settings");
            let missing = settings.llm_settings().unwrap_err().to_string();
            assert!(
                missing.contains("AGENTHQ_LLM_MODEL is required"),
                "{missing}"
            );

            jail.set_env("AGENTHQ_LLM_MODEL", "claude-test");
            let settings = Settings::load(Some(Path::new("agenthq.toml"))).expect("settings");
            let llm = settings.llm_settings().expect("llm settings");
            let default = &llm.endpoints["default"];
            assert_eq!(default.provider, Provider::Anthropic);
            assert_eq!(default.base_url, "https://api.anthropic.com");
            assert_eq!(default.model, "claude-test");
            let local = &llm.endpoints["local"];
            assert_eq!(local.base_url, "http://127.0.0.1:11434/v1");
            assert_eq!(local.api_key, None);
            assert!(
                !format!("{settings:?}{llm:?}").contains("hunter2"),
                "redacted"
            );
            assert_eq!(llm.sandbox_dir, Some(PathBuf::from("data/sandbox")));
            assert!(!llm.tools.shell.enabled, "the shell is off unless enabled");

            jail.set_env(
                "AGENTHQ_LLM_WORKSPACE_ENDPOINTS",
                "{0190a3c2-0000-7000-8000-000000000001=\"elsewhere\"}",
            );
            let settings = Settings::load(Some(Path::new("agenthq.toml"))).expect("settings");
            let unknown = settings.llm_settings().unwrap_err().to_string();
            assert!(
                unknown.contains("names the endpoint \"elsewhere\""),
                "{unknown}"
            );
            Ok(())
        });
    }

    #[test]
    fn a_missing_file_or_a_bad_value_is_a_clear_error() {
        figment::Jail::expect_with(|jail| {
            let missing = Settings::load(Some(Path::new("nope.toml"))).unwrap_err();
            assert_eq!(missing.to_string(), "config file nope.toml not found");
            jail.set_env("AGENTHQ_LISTEN", "not an address");
            let invalid = Settings::load(None).unwrap_err().to_string();
            assert!(
                invalid.contains("LISTEN") && invalid.contains("AGENTHQ_"),
                "{invalid}"
            );
            Ok(())
        });
    }

    #[test]
    fn env_example_names_every_setting_and_its_values_load() {
        let example = include_str!("../../.env.example");
        let fields = serde_json::to_value(Settings::default()).unwrap();
        for key in fields.as_object().unwrap().keys() {
            let var = format!("AGENTHQ_{}=", key.to_uppercase());
            assert!(example.contains(&var), ".env.example lacks {var}");
        }
        figment::Jail::expect_with(|jail| {
            for line in example.lines() {
                let line = line.trim_start_matches("# ");
                if let Some((name, value)) = line.split_once('=')
                    && name.starts_with("AGENTHQ_")
                    && !name.contains(' ')
                    && name != "AGENTHQ_CONFIG"
                {
                    jail.set_env(name, value);
                }
            }
            let settings = Settings::load(None).expect("the example's values load");
            assert_eq!(settings.tick_ms, Settings::default().tick_ms);
            assert_eq!(
                settings.tiers,
                Tiers::default(),
                "the example shows the defaults"
            );
            Ok(())
        });
    }

    #[test]
    fn one_value_of_a_tier_changes_and_the_rest_keep_their_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("agenthq.toml", "[tiers.pro]\nmax_agents = 7\n")?;
            jail.set_env("AGENTHQ_TIERS__FREE__MAX_RUNNING", "9");
            jail.set_env("AGENTHQ_DEFAULT_TIER", "pro");
            jail.set_env("AGENTHQ_RATE_LIMITS__ENABLED", "false");
            let settings = Settings::load(Some(Path::new("agenthq.toml"))).expect("settings");
            let defaults = Tiers::default();
            assert_eq!(settings.tiers.pro.max_agents, 7);
            assert_eq!(settings.tiers.pro.max_running, defaults.pro.max_running);
            assert_eq!(settings.tiers.free.max_running, 9);
            assert_eq!(settings.tiers.free.max_agents, defaults.free.max_agents);
            assert_eq!(settings.default_tier, Tier::Pro);
            assert!(!settings.rate_limits.enabled);
            assert_eq!(
                settings.rate_limits.ip_per_minute,
                crate::ratelimit::RateSettings::default().ip_per_minute
            );
            assert_eq!(settings.runtime_config().tiers, settings.tiers);
            Ok(())
        });
    }
}
