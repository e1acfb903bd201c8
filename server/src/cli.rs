//! The `agenthq` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// AgentHQ: teams of AI agents as supervised actors, live in an isometric office.
#[derive(Debug, Parser)]
#[command(name = "agenthq", version)]
pub struct Cli {
    /// A TOML settings file; `AGENTHQ_*` environment variables override it.
    #[arg(long, short, global = true, env = "AGENTHQ_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Run the server with the live Generic Corp demo office (public: no credentials
    /// needed to watch it), drawn in the terminal too.
    Demo {
        /// Do not draw the office in the terminal.
        #[arg(long)]
        quiet: bool,
        /// Agents in the office when it is first created (the five of Generic Corp, then
        /// generalists).
        #[arg(long, default_value_t = 5)]
        agents: usize,
        /// Submit a short task every this many milliseconds, for a busy office (load
        /// tests); by default a longer task every 0.5-1.5 s.
        #[arg(long)]
        task_every_ms: Option<u64>,
    },
    /// Create or upgrade the store's schema, then exit.
    Migrate,
    /// Follow a workspace over the WebSocket protocol, as an integration would, and print
    /// its task and agent events.
    Tail {
        /// The workspace to follow (`agenthq demo` prints the demo's).
        workspace: agenthq_protocol::WorkspaceId,
        /// The server's WebSocket address.
        #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
        url: String,
    },
}
