//! `agenthq-loadtest`: the swarm driver. It speaks only the wire protocol and the HTTP
//! API (it depends on `agenthq-protocol`, never on the runtime or the server).
//!
//! - [`scenario`]: scenario files (`loadtest/scenarios/*.toml`).
//! - [`setup`]: the offices a run needs, made through the HTTP API.
//! - [`watch`]: watcher connections (seq checks, resume, churn), one thread per worker.
//! - [`submit`]: task submitters over HTTP.
//! - [`stats`]: counters and histograms that merge across worker processes.
//! - [`probe`]: the server's CPU and memory from `/proc`.
//! - [`report`]: JSON, Markdown and SVG charts.
//! - [`tasks`]: durable task throughput over the API, and the BullMQ anchor.
//! - [`driver`]: a run, start to report.
//! - [`compare`]: the same run against AgentHQ and the Socket.io anchor, side by side.
//! - [`sizes`]: bytes per office update by kind, here and in the Generic Corp way.

pub mod compare;
pub mod driver;
pub mod head;
pub mod probe;
pub mod report;
pub mod scenario;
pub mod setup;
pub mod sizes;
pub mod stats;
pub mod submit;
pub mod tasks;
pub mod watch;
