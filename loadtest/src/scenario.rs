//! Scenarios: what a load test does, as a TOML file in `loadtest/scenarios/`. Every field
//! has a default, so a scenario names only what makes it what it is.
//!
//! ```toml
//! name = "fanout"
//! duration_secs = 30        # measuring time, after the ramp
//! ramp_secs = 10            # watchers connect evenly over this
//! codec = "msgpack"         # or "json", "compact"
//!
//! [office]
//! workspaces = 1            # created through the API, public, with `sim` agents
//! agents = [50, 50]         # per workspace: min and max (spread evenly)
//! task_steps = 2            # the sim executor's steps per task, and their length
//! step_ms = 50
//!
//! [watchers]
//! per_workspace = 5000
//!
//! [submitters]
//! per_workspace = 1
//! tasks_per_sec = 20        # per submitter
//!
//! [churn]                   # storm: watchers leave and come back with `resume`
//! lifetime_secs = [2, 10]
//!
//! [failover]               # a node is killed mid-run (`--kill-pid`); then every
//! kill_after_secs = 30      #   accepted task is read back: none may be lost
//! drain_secs = 60           # how long to wait for the last tasks to finish
//!
//! [workers]
//! processes = 1             # watcher processes (each under the open-file limit)
//! source_addrs = ["127.0.0.1"]  # loopback sources, round robin, past one address's ports
//! ```

use std::net::Ipv4Addr;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The encoding watchers ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireCodec {
    #[default]
    Msgpack,
    Json,
    /// MessagePack with compact diffs (entities by number).
    Compact,
}

impl WireCodec {
    pub fn subprotocol(self) -> &'static str {
        match self {
            WireCodec::Msgpack => "agenthq.v1.msgpack",
            WireCodec::Json => "agenthq.v1.json",
            WireCodec::Compact => "agenthq.v1.compact",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub duration_secs: u64,
    pub ramp_secs: u64,
    pub codec: WireCodec,
    pub office: Office,
    pub watchers: Watchers,
    pub submitters: Submitters,
    pub churn: Option<Churn>,
    pub failover: Option<Failover>,
    pub workers: Workers,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            name: "unnamed".into(),
            description: String::new(),
            duration_secs: 30,
            ramp_secs: 5,
            codec: WireCodec::Msgpack,
            office: Office::default(),
            watchers: Watchers::default(),
            submitters: Submitters::default(),
            churn: None,
            failover: None,
            workers: Workers::default(),
        }
    }
}

/// The workspaces the test creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Office {
    pub workspaces: u32,
    /// Agents per workspace, from `agents[0]` to `agents[1]`, spread evenly.
    pub agents: [u32; 2],
    pub task_steps: u32,
    pub step_ms: u64,
}

impl Default for Office {
    fn default() -> Self {
        Self {
            workspaces: 1,
            agents: [5, 5],
            task_steps: 3,
            step_ms: 200,
        }
    }
}

impl Office {
    /// Agents of workspace `n` (of `self.workspaces`).
    pub fn agents_of(&self, n: u32) -> u32 {
        let [lo, hi] = self.agents;
        let (lo, hi) = (lo.min(hi).max(1), hi.max(lo).max(1));
        if self.workspaces <= 1 {
            return hi;
        }
        lo + (hi - lo) * n / (self.workspaces - 1)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Watchers {
    pub per_workspace: u32,
}

impl Default for Watchers {
    fn default() -> Self {
        Self { per_workspace: 10 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Submitters {
    pub per_workspace: u32,
    pub tasks_per_sec: f64,
}

impl Default for Submitters {
    fn default() -> Self {
        Self {
            per_workspace: 1,
            tasks_per_sec: 2.0,
        }
    }
}

/// Connect / disconnect churn: each watcher lives a random time in this range (seconds),
/// then reconnects and resumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Churn {
    pub lifetime_secs: [f64; 2],
}

/// A node killed during the run (the driver's `--kill-pid`), and the check after it that
/// every accepted task was kept and finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Failover {
    /// Seconds into the measuring window.
    pub kill_after_secs: u64,
    /// How long, after the run, to wait for accepted tasks still queued or running.
    pub drain_secs: u64,
}

impl Default for Failover {
    fn default() -> Self {
        Self {
            kill_after_secs: 30,
            drain_secs: 60,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workers {
    pub processes: u32,
    pub source_addrs: Vec<Ipv4Addr>,
}

impl Default for Workers {
    fn default() -> Self {
        Self {
            processes: 1,
            source_addrs: vec![Ipv4Addr::LOCALHOST],
        }
    }
}

/// A scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl Scenario {
    /// Reads a scenario: a path, or the name of one in `loadtest/scenarios/`.
    pub fn load(name_or_path: &str) -> Result<Self, ScenarioError> {
        let path = if Path::new(name_or_path).exists() {
            Path::new(name_or_path).to_owned()
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(format!("{name_or_path}.toml"))
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| ScenarioError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses and checks a scenario's text (`origin` names it in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: origin.into(),
            source: Box::new(e),
        })?;
        let invalid = |reason: &str| ScenarioError::Invalid {
            path: origin.into(),
            reason: reason.into(),
        };
        if scenario.workers.processes == 0 {
            return Err(invalid("workers.processes must be at least 1"));
        }
        if scenario.workers.source_addrs.is_empty() {
            return Err(invalid("workers.source_addrs needs at least one address"));
        }
        if scenario.office.workspaces == 0 {
            return Err(invalid("office.workspaces must be at least 1"));
        }
        if let Some(churn) = &scenario.churn
            && !(churn.lifetime_secs[0] > 0.0 && churn.lifetime_secs[0] <= churn.lifetime_secs[1])
        {
            return Err(invalid(
                "churn.lifetime_secs must be [min, max] with 0 < min <= max",
            ));
        }
        Ok(scenario)
    }

    /// Watchers in all.
    pub fn total_watchers(&self) -> u64 {
        u64::from(self.office.workspaces) * u64::from(self.watchers.per_workspace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_committed_scenario_parses() {
        for name in [
            "office",
            "fanout",
            "storm",
            "soak",
            "soak-tasks",
            "failover",
            "hold",
        ] {
            let s = Scenario::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(s.name, name);
            assert!(!s.description.is_empty(), "{name} says what it is");
        }
    }

    #[test]
    fn defaults_fill_in_and_mistakes_are_named() {
        let s =
            Scenario::parse("name = \"tiny\"\n[watchers]\nper_workspace = 3\n", "tiny").unwrap();
        assert_eq!((s.watchers.per_workspace, s.office.workspaces), (3, 1));
        assert_eq!(s.codec, WireCodec::Msgpack);

        let typo = Scenario::parse("[watcher]\nper_workspace = 3\n", "typo.toml").unwrap_err();
        assert!(
            typo.to_string().contains("typo.toml") && typo.to_string().contains("watcher"),
            "{typo}"
        );
        let zero = Scenario::parse("[workers]\nprocesses = 0\n", "zero.toml").unwrap_err();
        assert!(zero.to_string().contains("processes"), "{zero}");
        let churn = Scenario::parse("[churn]\nlifetime_secs = [5, 1]\n", "c.toml").unwrap_err();
        assert!(churn.to_string().contains("lifetime"), "{churn}");
    }

    #[test]
    fn agents_spread_from_min_to_max_over_the_workspaces() {
        let office = Office {
            workspaces: 5,
            agents: [5, 50],
            ..Office::default()
        };
        let counts: Vec<u32> = (0..5).map(|n| office.agents_of(n)).collect();
        assert_eq!(counts, [5, 16, 27, 38, 50]);
    }
}
