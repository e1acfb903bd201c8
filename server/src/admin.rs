//! `agenthq user create` and `agenthq apikey create`: account chores done straight in the
//! store, for the first owner of a fresh install and for scripts.

use agenthq_protocol::WorkspaceId;
use agenthq_runtime::store::{Membership, Role};
use agenthq_runtime::task::now_ms;
use anyhow::{Context, bail};

use crate::auth::Auth;
use crate::settings::Settings;

async fn open(settings: &Settings) -> anyhow::Result<Auth> {
    let store = crate::startup::open_store(settings).await?;
    Auth::new(store, settings).context("cannot read the token signing secret")
}

async fn require_workspace(auth: &Auth, workspace: WorkspaceId) -> anyhow::Result<()> {
    if auth.store().workspace(workspace).await?.is_none() {
        bail!("no workspace {workspace} in this store");
    }
    Ok(())
}

/// Creates a user with `password`, optionally with a role in `workspace`; prints the id.
#[allow(clippy::print_stdout)] // The command's answer.
pub async fn create_user(
    settings: &Settings,
    email: &str,
    password: &str,
    workspace: Option<WorkspaceId>,
    role: Role,
) -> anyhow::Result<()> {
    let auth = open(settings).await?;
    if let Some(ws) = workspace {
        require_workspace(&auth, ws).await?;
    }
    let user = auth.register(email, password).await?;
    if let Some(ws) = workspace {
        let membership = Membership {
            workspace: ws,
            user: user.id,
            role,
            created_at: now_ms(),
        };
        auth.store().put_membership(&membership).await?;
        println!(
            "user {} ({}) is {} of workspace {ws}",
            user.id,
            user.email,
            role.as_str()
        );
    } else {
        println!("user {} ({})", user.id, user.email);
    }
    Ok(())
}

/// Grants (or withdraws) the operator flag of the user with `email`.
#[allow(clippy::print_stdout)] // The command's answer.
pub async fn set_operator(settings: &Settings, email: &str, operator: bool) -> anyhow::Result<()> {
    let auth = open(settings).await?;
    let email = email.trim().to_lowercase();
    let Some(user) = auth.store().user_by_email(&email).await? else {
        bail!("no user {email} in this store");
    };
    auth.store().set_operator(user.id, operator).await?;
    if operator {
        println!("{email} is an operator");
    } else {
        println!("{email} is no longer an operator");
    }
    Ok(())
}

/// Creates an API key and prints it (the only time it is shown).
#[allow(clippy::print_stdout)] // The command's answer.
pub async fn create_api_key(
    settings: &Settings,
    workspace: WorkspaceId,
    role: Role,
    name: &str,
) -> anyhow::Result<()> {
    let auth = open(settings).await?;
    require_workspace(&auth, workspace).await?;
    let new = auth.create_api_key(workspace, name, role, None).await?;
    println!("{}", new.secret);
    Ok(())
}

/// The first line of standard input, without its line ending.
pub fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
