//! The `agenthq` command line.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::settings::Settings;
use crate::startup::shutdown_signal;
use crate::{Application, admin};

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

impl Cli {
    /// `agenthq doctor` reports settings that do not load instead of failing on them.
    pub fn is_doctor(&self) -> bool {
        matches!(self.command, Some(Command::Doctor))
    }

    /// Whether the command runs a server (which holds a file per WebSocket).
    pub fn serves(&self) -> bool {
        matches!(
            self.command,
            None | Some(Command::Serve | Command::Demo { .. })
        )
    }
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
        /// Run the five Generic Corp agents on the configured model endpoint
        /// (AGENTHQ_LLM_*; see docs/agents.md) instead of simulated work.
        #[arg(long)]
        llm: bool,
    },
    /// Create or upgrade the store's schema, then exit.
    Migrate,
    /// Manage users, straight in the store (no server needed).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys, straight in the store (no server needed).
    Apikey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Copy the embedded SQLite database to FILE while the server runs (a consistent
    /// snapshot, checked whole). For PostgreSQL use pg_dump (docs/operations.md).
    Backup {
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        overwrite: bool,
    },
    /// Replace the embedded SQLite database with a backup made by `agenthq backup`. The
    /// server must be stopped; the database replaced is kept as `<db>.before-restore`.
    Restore { file: PathBuf },
    /// Check the settings, store, Redis, port, open-file limit and web bundle, and say in
    /// plain words what is wrong. Exits 1 when something must be fixed.
    Doctor,
    /// Ask a running server whether it is ready (its /readyz); exits 1 if not. The
    /// container image's health check.
    Health {
        /// The server's address; by default this machine's AGENTHQ_LISTEN.
        #[arg(long)]
        url: Option<String>,
    },
    /// Follow a workspace over the WebSocket protocol, as an integration would, and print
    /// its task and agent events.
    Tail {
        /// The workspace to follow (`agenthq demo` prints the demo's).
        workspace: agenthq_protocol::WorkspaceId,
        /// The server's WebSocket address.
        #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
        url: String,
        /// An access token or API key, for a private workspace.
        #[arg(long, env = "AGENTHQ_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from the first line of standard input, so it
    /// stays out of the shell history: `echo "$PASSWORD" | agenthq user create --email ...`
    Create {
        #[arg(long)]
        email: String,
        /// Also give the user a role in this workspace.
        #[arg(long)]
        workspace: Option<agenthq_protocol::WorkspaceId>,
        /// The role in `--workspace`: owner, member or viewer.
        #[arg(long, default_value = "owner", value_parser = parse_role)]
        role: agenthq_runtime::store::Role,
        /// Make the user an operator of this installation (may set workspaces' tiers).
        #[arg(long)]
        operator: bool,
    },
    /// Make an existing user an operator of this installation, or no longer one.
    Operator {
        #[arg(long)]
        email: String,
        /// Withdraw the flag instead.
        #[arg(long)]
        revoke: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key for a workspace and print it. The key is shown this once; only
    /// its digest is stored.
    Create {
        #[arg(long)]
        workspace: agenthq_protocol::WorkspaceId,
        /// owner, member or viewer.
        #[arg(long, default_value = "member", value_parser = parse_role)]
        role: agenthq_runtime::store::Role,
        /// What the key is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

fn parse_role(s: &str) -> Result<agenthq_runtime::store::Role, String> {
    agenthq_runtime::store::Role::parse(s)
        .ok_or_else(|| format!("unknown role {s:?}: owner, member or viewer"))
}

/// Runs the command the line names (`serve` when none).
#[allow(clippy::print_stdout)] // The doctor's report.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings.clone()).await?;
            tracing::info!(address = %settings.listen, port = app.port(), "AgentHQ is listening");
            app.run_until_stopped(shutdown_signal())
                .await
                .context("server failed")?;
        }
        Command::Demo {
            quiet,
            agents,
            task_every_ms,
            llm,
        } => {
            let options = crate::demo::Options {
                view: !quiet,
                agents,
                pace: task_every_ms.map(std::time::Duration::from_millis),
                llm,
            };
            crate::demo::run(settings, options, shutdown_signal()).await?
        }
        Command::Tail {
            workspace,
            url,
            token,
        } => crate::tail::print_events(&url, workspace, token.as_deref()).await?,
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    workspace,
                    role,
                    operator,
                },
        } => {
            let password = admin::read_password()?;
            admin::create_user(&settings, &email, &password, workspace, role).await?;
            if operator {
                admin::set_operator(&settings, &email, true).await?;
            }
        }
        Command::User {
            command: UserCommand::Operator { email, revoke },
        } => admin::set_operator(&settings, &email, !revoke).await?,
        Command::Apikey {
            command:
                ApiKeyCommand::Create {
                    workspace,
                    role,
                    name,
                },
        } => admin::create_api_key(&settings, workspace, role, &name).await?,
        Command::Backup { file, overwrite } => {
            crate::ops::backup(&settings, &file, overwrite).await?
        }
        Command::Restore { file } => crate::ops::restore(&settings, &file).await?,
        Command::Doctor => {
            let found = crate::doctor::examine(&settings).await;
            print!("{}", crate::doctor::report(&found));
            if found
                .iter()
                .any(|f| f.level == crate::doctor::Level::Problem)
            {
                std::process::exit(1);
            }
        }
        Command::Health { url } => crate::ops::health(&settings, url.as_deref()).await?,
        Command::Migrate => {
            crate::startup::open_store(&settings)
                .await
                .context("migration failed")?;
            tracing::info!(store = %settings.store_url_redacted(), "store schema is up to date");
        }
    }
    Ok(())
}
