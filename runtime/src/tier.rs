//! Tiers: what a workspace of each tier (free, starter, pro, enterprise) may use. The table
//! is part of the node's settings; a workspace's tier picks its row, and setting a
//! workspace's tier ([`crate::Runtime::set_tier`]) applies the new row at once, without a
//! restart.
//!
//! The runtime enforces the caps on work (`max_running`, `max_queued`, `max_agents`,
//! `max_priority`) and the quotas (`tasks_per_day`, `agent_minutes_per_month`,
//! `llm_budget_usd`); the server enforces `requests_per_hour` and `ws_connections`.

use agenthq_protocol::Tier;
use serde::{Deserialize, Serialize};

use crate::budget::Micros;
use crate::config::WorkspaceCaps;

/// One tier's row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TierLimits {
    /// Tasks running at once across the workspace's agents.
    pub max_running: u32,
    /// Tasks waiting (queued or backing off); a submission past it is refused (429).
    pub max_queued: u32,
    /// Agents in the workspace.
    pub max_agents: u32,
    /// The highest task priority its submissions may ask for (its queue priority: work
    /// above it is refused, 403 `tier_limit`).
    pub max_priority: i32,
    /// Tasks submitted per day (UTC).
    pub tasks_per_day: u64,
    /// Minutes agents spend running tasks per calendar month (UTC).
    pub agent_minutes_per_month: u64,
    /// What model calls may cost per calendar month, in US dollars.
    pub llm_budget_usd: f64,
    /// API requests per hour on the workspace's routes, by all its callers together.
    pub requests_per_hour: u32,
    /// WebSocket connections watching the workspace at once, per node (watchers of a
    /// public workspace are not counted).
    pub ws_connections: u32,
}

impl TierLimits {
    pub fn caps(&self) -> WorkspaceCaps {
        WorkspaceCaps {
            max_running: self.max_running.max(1),
            max_queued: self.max_queued.max(1),
        }
    }

    /// The monthly model budget in micro-dollars.
    pub fn llm_budget(&self) -> Micros {
        (self.llm_budget_usd.max(0.0) * 1e6).round() as Micros
    }
}

/// The table: one row per tier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tiers {
    pub free: TierLimits,
    pub starter: TierLimits,
    pub pro: TierLimits,
    pub enterprise: TierLimits,
}

impl Tiers {
    pub fn get(&self, tier: Tier) -> &TierLimits {
        match tier {
            Tier::Free => &self.free,
            Tier::Starter => &self.starter,
            Tier::Pro => &self.pro,
            Tier::Enterprise => &self.enterprise,
        }
    }

    pub fn get_mut(&mut self, tier: Tier) -> &mut TierLimits {
        match tier {
            Tier::Free => &mut self.free,
            Tier::Starter => &mut self.starter,
            Tier::Pro => &mut self.pro,
            Tier::Enterprise => &mut self.enterprise,
        }
    }
}

impl Default for Tiers {
    /// Each tier ten times the one below, roughly.
    fn default() -> Self {
        Self {
            free: TierLimits {
                max_running: 4,
                max_queued: 100,
                max_agents: 10,
                max_priority: 0,
                tasks_per_day: 1_000,
                agent_minutes_per_month: 6_000,
                llm_budget_usd: 5.0,
                requests_per_hour: 3_600,
                ws_connections: 20,
            },
            starter: TierLimits {
                max_running: 16,
                max_queued: 1_000,
                max_agents: 25,
                max_priority: 5,
                tasks_per_day: 10_000,
                agent_minutes_per_month: 60_000,
                llm_budget_usd: 50.0,
                requests_per_hour: 36_000,
                ws_connections: 100,
            },
            pro: TierLimits {
                max_running: 64,
                max_queued: 10_000,
                max_agents: 100,
                max_priority: 10,
                tasks_per_day: 100_000,
                agent_minutes_per_month: 600_000,
                llm_budget_usd: 500.0,
                requests_per_hour: 360_000,
                ws_connections: 1_000,
            },
            enterprise: TierLimits {
                max_running: 512,
                max_queued: 100_000,
                max_agents: 1_000,
                max_priority: 100,
                tasks_per_day: 1_000_000,
                agent_minutes_per_month: 6_000_000,
                llm_budget_usd: 5_000.0,
                requests_per_hour: 3_600_000,
                ws_connections: 10_000,
            },
        }
    }
}
