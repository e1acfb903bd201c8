//! `agenthq-viewer`: the isometric office in a window, following a workspace live.
//! The same program runs in the browser (scripts/build-web.sh), connecting back to the
//! server that served the page.
//!
//! `cargo run --profile viewer -p agenthq-viz --features app --bin agenthq-viewer -- --help`

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::path::PathBuf;
    use std::process::ExitCode;

    use agenthq_protocol::WorkspaceId;
    use agenthq_viz::app::{self, Options};
    use clap::Parser;

    /// Watch an AgentHQ workspace at work, live, in an isometric office.
    #[derive(Debug, Parser)]
    #[command(version)]
    struct Args {
        /// The server's WebSocket gateway.
        #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
        server: String,
        /// The workspace to watch; by default the server's first public workspace (the demo).
        #[arg(long)]
        workspace: Option<WorkspaceId>,
        /// A JWT or API key (needed for workspaces that are not public).
        #[arg(long, env = "AGENTHQ_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Save a screenshot here (and a status file beside it) once the office is live, then exit.
        #[arg(long)]
        screenshot: Option<PathBuf>,
        /// Seconds of live office before the screenshot.
        #[arg(long, default_value_t = 3.0)]
        screenshot_after: f32,
        /// Open the panel of the agent whose name starts with this (for pictures).
        #[arg(long)]
        select: Option<String>,
        /// Start with the help overlay shown (for pictures).
        #[arg(long)]
        help_overlay: bool,
    }

    #[allow(clippy::print_stderr)] // Before the app (and its logging) starts.
    pub fn main() -> ExitCode {
        let args = Args::parse();
        let workspace = match args.workspace {
            Some(id) => id,
            None => match app::public_workspace(&args.server) {
                Ok(id) => id,
                Err(why) => {
                    eprintln!("agenthq-viewer: {why}");
                    return ExitCode::FAILURE;
                }
            },
        };
        let exit = app::run(Options {
            server: args.server,
            workspace,
            token: args.token,
            screenshot: args.screenshot,
            screenshot_after: args.screenshot_after,
            select: args.select,
            help: args.help_overlay,
        });
        if exit.is_success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

/// In the browser: the page says which workspace (see `viz/web/index.html`).
#[cfg(target_arch = "wasm32")]
fn main() {
    match agenthq_viz::app::page_options() {
        Ok(options) => {
            agenthq_viz::app::run(options);
        }
        Err(why) => agenthq_viz::app::show_page_error(&why),
    }
}
