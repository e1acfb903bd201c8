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
    /// Create or upgrade the store's schema, then exit.
    Migrate,
}
