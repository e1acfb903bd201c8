//! `shell`: runs one program with arguments (never through a shell, so nothing is
//! interpolated) in the workspace's sandbox folder.
//!
//! Limits, all from settings: off unless enabled; only the listed programs, by bare name;
//! arguments and the working folder may not be absolute paths, may not climb with `..`, and
//! may not lead out of the sandbox through a symlink; the environment is emptied but for an
//! allowlist (`HOME` and `TMPDIR` point into the sandbox); the output is capped (past the
//! cap the program is stopped); and the program is killed, with everything it started, at
//! the timeout.
//!
//! This checks what the agent asks for; it is not a jail around what a program does once
//! running (an allowed interpreter can open any file the node's user can). Allow only
//! programs that act on their arguments, and run the node in a container to confine it.

use std::path::{Component, Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{ToolOutcome, ToolUnavailable, parse, truncate};
use crate::executor::llm::conversation::ToolSpec;

#[derive(Debug, Clone, PartialEq)]
pub struct ShellSettings {
    /// Off unless the operator turns it on.
    pub enabled: bool,
    /// Programs an agent may run, by bare name (found on the allowed `PATH`).
    pub programs: Vec<String>,
    /// Environment variables passed through from the node's environment.
    pub env: Vec<String>,
    /// A command running this long is killed, in seconds.
    pub timeout_secs: u64,
    /// Output (stdout and stderr together) kept for the model; past it the program is
    /// stopped, in bytes.
    pub max_output_bytes: usize,
}

impl Default for ShellSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            programs: [
                "ls", "cat", "echo", "grep", "wc", "head", "tail", "sort", "uniq", "mkdir",
                "touch", "cp", "mv", "rm", "diff",
            ]
            .map(String::from)
            .to_vec(),
            env: ["PATH", "LANG", "LC_ALL"].map(String::from).to_vec(),
            timeout_secs: 30,
            max_output_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug)]
pub struct Shell {
    settings: ShellSettings,
    sandbox: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    command: Vec<String>,
    #[serde(default)]
    cwd: Option<String>,
}

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "shell",
        description: "Runs a program in your workspace's sandbox folder, without a shell: \
            `command` is the program and its arguments as a list. Paths must be relative \
            and stay inside the sandbox.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "command": {
                    "type": "array", "items": { "type": "string" }, "minItems": 1,
                    "description": "Program, then arguments, e.g. [\"ls\", \"-l\", \"notes\"]",
                },
                "cwd": { "type": "string", "description": "A folder inside the sandbox" },
            },
            "required": ["command"],
        }),
    }
}

impl Shell {
    pub fn new(settings: &ShellSettings, sandbox: PathBuf) -> Result<Self, ToolUnavailable> {
        if !settings.enabled {
            return Err(ToolUnavailable {
                tool: "shell",
                why: "it is off in this node's settings",
            });
        }
        if settings.programs.is_empty() {
            return Err(ToolUnavailable {
                tool: "shell",
                why: "no programs are allowed in this node's settings",
            });
        }
        Ok(Self {
            settings: settings.clone(),
            sandbox,
        })
    }

    pub async fn call(&self, input: &Value) -> ToolOutcome {
        self.run(input).await.unwrap_or_else(ToolOutcome::Error)
    }

    /// Runs a call: what the program did (an error for a non-zero exit, a flood or the
    /// timeout), or why it was refused before it ran.
    async fn run(&self, input: &Value) -> Result<ToolOutcome, String> {
        let input: Input = parse(input)?;
        let Some((program, args)) = input.command.split_first() else {
            return Err("`command` is empty".into());
        };
        if program.contains('/') || !self.settings.programs.iter().any(|p| p == program) {
            return Err(format!(
                "`{program}` is not an allowed program (allowed: {})",
                self.settings.programs.join(", ")
            ));
        }
        std::fs::create_dir_all(&self.sandbox)
            .map_err(|e| format!("the sandbox folder cannot be created: {e}"))?;
        let root = self
            .sandbox
            .canonicalize()
            .map_err(|e| format!("the sandbox folder cannot be read: {e}"))?;
        for arg in args {
            check_argument(&root, arg)?;
        }
        let cwd = match &input.cwd {
            Some(cwd) => {
                check_argument(&root, cwd)?;
                root.join(cwd)
            }
            None => root.clone(),
        };
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .current_dir(&cwd)
            .env_clear()
            .envs(
                self.settings
                    .env
                    .iter()
                    .filter_map(|k| std::env::var_os(k).map(|v| (k, v))),
            )
            .env("HOME", &root)
            .env("TMPDIR", &root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0); // So a timeout kills what it started too.
        let mut child = command
            .spawn()
            .map_err(|e| format!("`{program}` could not start: {e}"))?;
        let group = child.id();
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let cap = self.settings.max_output_bytes;
        let timeout = Duration::from_secs(self.settings.timeout_secs);
        let run = async {
            let (out, err) = tokio::join!(
                read_capped(stdout, cap, group),
                read_capped(stderr, cap, group)
            );
            (out, err)
        };
        let ((out, out_total), (err, err_total)) = match tokio::time::timeout(timeout, run).await {
            Ok(output) => output,
            Err(_) => {
                kill_group(group);
                return Ok(ToolOutcome::Error(format!(
                    "`{program}` was stopped after {} s (the time limit)",
                    timeout.as_secs()
                )));
            }
        };
        let flooded = out_total > cap || err_total > cap;
        let status = match tokio::time::timeout(timeout, child.wait()).await {
            Ok(Ok(status)) => status,
            _ => {
                kill_group(group);
                return Ok(ToolOutcome::Error(format!(
                    "`{program}` did not exit within {} s",
                    timeout.as_secs()
                )));
            }
        };
        let mut text = String::new();
        let half = cap / 2;
        if out_total > 0 {
            // stdout keeps what stderr leaves of the cap (stderr gets at most half).
            text.push_str(&truncate(out, cap - err.len().min(half), out_total));
        }
        if err_total > 0 {
            text.push_str("\n[stderr]\n");
            text.push_str(&truncate(err, half, err_total));
        }
        if flooded {
            return Ok(ToolOutcome::Error(format!(
                "`{program}` was stopped: its output passed {cap} bytes\n{text}"
            )));
        }
        Ok(match status.code() {
            Some(0) => ToolOutcome::Ok(text),
            Some(code) => ToolOutcome::Error(format!("exit code {code}\n{text}")),
            None => ToolOutcome::Error(format!("`{program}` was killed by a signal\n{text}")),
        })
    }
}

/// Reads up to `cap + 1` bytes (one past, to know the cap was passed); returns them as text
/// and how many were read. Past the cap the program is killed, which ends the other pipe.
async fn read_capped(
    pipe: Option<impl AsyncRead + Unpin>,
    cap: usize,
    group: Option<u32>,
) -> (String, usize) {
    let Some(pipe) = pipe else {
        return (String::new(), 0);
    };
    let mut buf = Vec::new();
    let _ = pipe.take(cap as u64 + 1).read_to_end(&mut buf).await;
    let total = buf.len();
    if total > cap {
        kill_group(group);
    }
    buf.truncate(cap);
    (String::from_utf8_lossy(&buf).into_owned(), total)
}

fn kill_group(group: Option<u32>) {
    if let Some(pid) = group.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Refuses an argument that is, or carries after `=` or a short option, an absolute path,
/// a `..` step, or a path that resolves (through symlinks) outside `root`.
fn check_argument(root: &Path, arg: &str) -> Result<(), String> {
    let mut candidates = vec![arg];
    if let Some((_, value)) = arg.split_once('=') {
        candidates.push(value);
    }
    if let Some(glued) = arg.strip_prefix('-').filter(|a| !a.starts_with('-')) {
        candidates.push(glued.get(1..).unwrap_or(""));
    }
    for candidate in candidates {
        let path = Path::new(candidate);
        if candidate.starts_with('/') || candidate.starts_with('~') || path.has_root() {
            return Err(format!("`{arg}`: absolute paths are not allowed"));
        }
        if path.components().any(|c| c == Component::ParentDir) || candidate.ends_with("..") {
            return Err(format!("`{arg}`: `..` is not allowed"));
        }
        // The deepest part of the path that exists must resolve inside the sandbox (a
        // symlink in the sandbox may not point out of it).
        let mut existing = root.join(path);
        while existing.symlink_metadata().is_err() {
            if !existing.pop() {
                break;
            }
        }
        match existing.canonicalize() {
            Ok(real) if real.starts_with(root) => {}
            Ok(_) => return Err(format!("`{arg}` leads outside the sandbox")),
            Err(_) => return Err(format!("`{arg}` cannot be resolved")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::llm::tools::ToolOutcome;

    fn shell(
        programs: &[&str],
        timeout_secs: u64,
        max_output_bytes: usize,
    ) -> (Shell, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let settings = ShellSettings {
            enabled: true,
            programs: programs.iter().map(|p| p.to_string()).collect(),
            timeout_secs,
            max_output_bytes,
            ..ShellSettings::default()
        };
        (Shell::new(&settings, dir.path().join("ws")).unwrap(), dir)
    }

    async fn call(shell: &Shell, command: &[&str]) -> ToolOutcome {
        shell.call(&json!({ "command": command })).await
    }

    fn refused(outcome: &ToolOutcome, why: &str) -> bool {
        matches!(outcome, ToolOutcome::Error(e) if e.contains(why))
    }

    #[tokio::test]
    async fn a_command_runs_in_the_sandbox_without_a_shell() {
        let (shell, _dir) = shell(&["echo", "ls", "touch"], 10, 1024);
        let echo = call(&shell, &["echo", "$HOME", "*", ";", "ls"]).await;
        assert_eq!(
            echo,
            ToolOutcome::Ok("$HOME * ; ls\n".into()),
            "nothing interpolated"
        );
        assert_eq!(
            call(&shell, &["touch", "notes.md"]).await,
            ToolOutcome::Ok(String::new())
        );
        assert_eq!(
            call(&shell, &["ls"]).await,
            ToolOutcome::Ok("notes.md\n".into())
        );
        let failed = call(&shell, &["ls", "missing"]).await;
        assert!(refused(&failed, "exit code 2"), "{failed:?}");
    }

    #[tokio::test]
    async fn escapes_are_refused_before_anything_runs() {
        let (shell, dir) = shell(&["cat", "ls"], 10, 1024);
        std::fs::create_dir_all(dir.path().join("ws")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("ws/etc")).unwrap();
        assert!(refused(
            &call(&shell, &["cat", "../secret"]).await,
            "`..` is not allowed"
        ));
        assert!(refused(
            &call(&shell, &["cat", "/etc/passwd"]).await,
            "absolute paths"
        ));
        assert!(refused(
            &call(&shell, &["cat", "etc/passwd"]).await,
            "outside the sandbox"
        ));
        assert!(refused(
            &call(&shell, &["/bin/cat", "x"]).await,
            "not an allowed program"
        ));
        assert!(refused(
            &call(&shell, &["sh", "-c", "id"]).await,
            "not an allowed program"
        ));
        let cwd = shell.call(&json!({"command": ["ls"], "cwd": "etc"})).await;
        assert!(refused(&cwd, "outside the sandbox"), "{cwd:?}");
        let not_a_list = shell.call(&json!({"command": "ls -l"})).await;
        assert!(refused(&not_a_list, "invalid input"), "{not_a_list:?}");
    }

    #[tokio::test]
    async fn the_environment_is_emptied_but_for_the_allowlist() {
        // cargo sets CARGO_MANIFEST_DIR for the test process; it must not leak through.
        assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
        let (shell, _dir) = shell(&["env"], 10, 16 * 1024);
        let ToolOutcome::Ok(env) = call(&shell, &["env"]).await else {
            panic!("env runs")
        };
        let names: Vec<&str> = env
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, _)| k)
            .collect();
        assert!(!names.contains(&"CARGO_MANIFEST_DIR"), "{names:?}");
        assert!(
            names.contains(&"PATH") && names.contains(&"HOME"),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .all(|n| ["PATH", "LANG", "LC_ALL", "HOME", "TMPDIR"].contains(n)),
            "{names:?}"
        );
    }

    #[tokio::test]
    async fn an_output_flood_is_stopped_at_the_cap_and_a_command_that_never_ends_at_the_timeout() {
        let (shell, _dir) = shell(&["yes", "sleep"], 2, 4096);
        let flood = call(&shell, &["yes", "flood"]).await;
        let ToolOutcome::Error(text) = &flood else {
            panic!("{flood:?}")
        };
        assert!(text.contains("its output passed 4096 bytes"), "{text}");
        assert!(
            text.len() < 4096 + 200,
            "the model gets at most the cap: {}",
            text.len()
        );
        let sleep = call(&shell, &["sleep", "600"]).await;
        assert!(refused(&sleep, "stopped after 2 s"), "{sleep:?}");
    }

    #[test]
    fn arguments_that_leave_the_sandbox_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir(root.join("notes")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("out")).unwrap();
        std::os::unix::fs::symlink("notes", root.join("in")).unwrap();
        for ok in [
            "-l",
            "notes",
            "notes/new.txt",
            "in/x",
            "--color=auto",
            "a..b",
            "hello world",
        ] {
            assert_eq!(check_argument(&root, ok), Ok(()), "{ok}");
        }
        for bad in [
            "/etc/passwd",
            "../x",
            "notes/../../x",
            "..",
            "--file=/etc/passwd",
            "--file=../x",
            "-o/etc/x",
            "out",
            "out/passwd",
            "~/x",
        ] {
            assert!(check_argument(&root, bad).is_err(), "{bad} accepted");
        }
    }
}
