//! The AgentHQ server: what the `agenthq` binary runs.
//!
//! - [`settings`]: layered settings (defaults, an optional TOML file, `AGENTHQ_*`
//!   environment variables).
//! - [`startup`]: [`Application`], which tests and the load tester start in-process.
//! - [`routes`]: the HTTP endpoints; [`api`]: the HTTP API under `/api/v1` and its
//!   OpenAPI document.
//! - [`auth`]: passwords, tokens, API keys, and the [`auth::Caller`] of a request.
//! - [`gateway`]: the WebSocket gateway at `/ws`.
//! - [`telemetry`]: logs, human-readable or JSON.
//! - [`demo`]: the Generic Corp demo office.
//! - [`tail`]: `agenthq tail`, a terminal client of the WebSocket protocol.
//! - [`cli`]: the command line; [`admin`]: its account commands; [`ops`]: backup,
//!   restore, the health check and the SQLite lock; [`doctor`]: `agenthq doctor`.

pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod doctor;
pub mod forward;
pub mod gateway;
pub mod meter;
pub mod ops;
pub mod ratelimit;
pub mod routes;
pub mod settings;
pub mod startup;
pub mod tail;
pub mod telemetry;

pub use settings::Settings;
pub use startup::{Application, StartupError};
