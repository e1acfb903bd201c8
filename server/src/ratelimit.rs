//! Rate limits on the HTTP API: per client address, per credential, per workspace (its
//! tier's `requests_per_hour`), and, much stricter, on the auth endpoints per address and
//! on logins per account, so passwords cannot be guessed at speed.
//!
//! Each limit is "`limit` per `period`" as a GCRA bucket (a token bucket that holds
//! `limit` and refills evenly over the period): a burst of `limit` is allowed, then one
//! every `period / limit`. A request must pass every bucket that applies to it; one that
//! does not is answered 429 with `Retry-After`. Every answer carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the bucket is full) of
//! its tightest bucket.
//!
//! On one node the buckets live in memory ([`governor`]); with Redis configured they live
//! in Redis ([`redis::RedisBuckets`], one atomic script per request), so a cluster's
//! nodes share them and the limits hold across nodes. If Redis does not answer, the node
//! falls back to its own buckets until it does (limits then hold per node) and counts
//! `agenthq_rate_limit_fallbacks_total`.
//!
//! Memory is bounded: a bucket back at full capacity is forgotten (swept every 10 s), and
//! a class whose table holds [`MAX_KEYS`] buckets refuses its requests (429,
//! `rate_limiter_full`) until a sweep makes room, rather than grow.

mod layer;
mod local;
mod redis;

use std::net::IpAddr;
use std::time::Duration;

use agenthq_protocol::{Tier, WorkspaceId};
use serde::{Deserialize, Serialize};

pub use layer::{FromNode, client_ip, layer, login_attempt, workspace_request};

/// Buckets one table holds at most.
pub const MAX_KEYS: usize = 100_000;

/// "`limit` per `period`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub limit: u32,
    pub period: Duration,
}

impl Rule {
    pub fn per_minute(limit: u32) -> Self {
        Self {
            limit,
            period: Duration::from_secs(60),
        }
    }

    pub fn per_hour(limit: u32) -> Self {
        Self {
            limit,
            period: Duration::from_secs(3600),
        }
    }

    /// Time for one request to be given back.
    pub fn interval(&self) -> Duration {
        self.period / self.limit.max(1)
    }
}

/// The rate-limit settings (`[rate_limits]` in the TOML file,
/// `AGENTHQ_RATE_LIMITS__IP_PER_MINUTE=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSettings {
    /// Off: no limit is checked (a load test against a node of your own).
    pub enabled: bool,
    /// API requests per minute from one client address.
    pub ip_per_minute: u32,
    /// API requests per minute with one credential (a user or an API key).
    pub credential_per_minute: u32,
    /// Requests per minute from one address to the auth endpoints (register, login,
    /// refresh).
    pub auth_ip_per_minute: u32,
    /// Login attempts per hour for one account (email), whoever makes them.
    pub login_per_account_per_hour: u32,
    /// Messages per second one WebSocket client may send (hello, subscribe, ping, ...);
    /// past it they are answered `rate_limited`, and a client that keeps on is closed
    /// (4008).
    pub ws_messages_per_second: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (set it only behind
    /// a load balancer that writes that header).
    pub trust_forwarded_for: bool,
}

impl Default for RateSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            ip_per_minute: 1_200,
            credential_per_minute: 600,
            auth_ip_per_minute: 30,
            login_per_account_per_hour: 10,
            ws_messages_per_second: 20,
            trust_forwarded_for: false,
        }
    }
}

/// What a bucket counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bucket {
    Ip(IpAddr),
    Credential(String),
    Workspace(WorkspaceId, Tier),
    AuthIp(IpAddr),
    Login(String),
}

impl Bucket {
    /// The bucket's key (also its Redis key, after a prefix).
    fn key(&self) -> String {
        match self {
            Bucket::Ip(ip) => format!("ip:{ip}"),
            Bucket::Credential(c) => format!("cred:{c}"),
            // The tier is part of the key: a new tier starts a fresh bucket.
            Bucket::Workspace(ws, tier) => format!("ws:{ws}:{}", tier.as_str()),
            Bucket::AuthIp(ip) => format!("auth:{ip}"),
            Bucket::Login(email) => format!("login:{email}"),
        }
    }

    fn class(&self) -> Class {
        match self {
            Bucket::Ip(_) => Class::Ip,
            Bucket::Credential(_) => Class::Credential,
            Bucket::Workspace(_, tier) => Class::Workspace(*tier),
            Bucket::AuthIp(_) => Class::AuthIp,
            Bucket::Login(_) => Class::Login,
        }
    }
}

/// Buckets of one class share a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Class {
    Ip,
    Credential,
    Workspace(Tier),
    AuthIp,
    Login,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Ip => "ip",
            Class::Credential => "credential",
            Class::Workspace(_) => "workspace",
            Class::AuthIp => "auth_ip",
            Class::Login => "login",
        }
    }
}

/// Where one bucket stands after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub limit: u32,
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset: Duration,
    /// Set when the request was refused: when it may be tried again.
    pub retry_after: Option<Duration>,
}

impl Standing {
    /// The tighter of two: a refusal first, then the fewer remaining.
    fn tighter(self, other: Standing) -> Standing {
        match (self.retry_after, other.retry_after) {
            (Some(a), Some(b)) => {
                if a >= b {
                    self
                } else {
                    other
                }
            }
            (Some(_), None) => self,
            (None, Some(_)) => other,
            (None, None) => {
                if self.remaining <= other.remaining {
                    self
                } else {
                    other
                }
            }
        }
    }
}

/// The outcome of a check over several buckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Passed; the tightest bucket (`None` when no bucket applied).
    Allowed(Option<Standing>),
    /// Refused by `class`'s bucket.
    Refused {
        standing: Standing,
        class: &'static str,
    },
    /// The table is full (see [`MAX_KEYS`]).
    Full,
}

/// The node's rate limiter; cheap to clone.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    inner: std::sync::Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: RateSettings,
    tiers: agenthq_runtime::Tiers,
    local: local::LocalBuckets,
    redis: Option<redis::RedisBuckets>,
    tiers_seen: layer::TierCache,
}

impl RateLimiter {
    pub fn new(
        settings: RateSettings,
        tiers: agenthq_runtime::Tiers,
        redis_url: Option<&str>,
    ) -> Result<Self, ::redis::RedisError> {
        let redis = redis_url.map(redis::RedisBuckets::new).transpose()?;
        Ok(Self {
            inner: std::sync::Arc::new(Inner {
                settings,
                tiers,
                local: local::LocalBuckets::default(),
                redis,
                tiers_seen: layer::TierCache::default(),
            }),
        })
    }

    pub fn settings(&self) -> &RateSettings {
        &self.inner.settings
    }

    fn rule(&self, class: Class) -> Rule {
        let s = &self.inner.settings;
        match class {
            Class::Ip => Rule::per_minute(s.ip_per_minute),
            Class::Credential => Rule::per_minute(s.credential_per_minute),
            Class::Workspace(tier) => Rule::per_hour(self.inner.tiers.get(tier).requests_per_hour),
            Class::AuthIp => Rule::per_minute(s.auth_ip_per_minute),
            Class::Login => Rule::per_hour(s.login_per_account_per_hour),
        }
    }

    /// Takes one request from every bucket, or from none if one refuses.
    pub async fn check(&self, buckets: &[Bucket]) -> Verdict {
        if !self.inner.settings.enabled || buckets.is_empty() {
            return Verdict::Allowed(None);
        }
        let ruled: Vec<(Bucket, Rule)> = buckets
            .iter()
            .map(|b| (b.clone(), self.rule(b.class())))
            .collect();
        let standings = match &self.inner.redis {
            Some(redis) => match redis.check(&ruled).await {
                Ok(standings) => standings,
                Err(err) => {
                    metrics::counter!("agenthq_rate_limit_fallbacks_total").increment(1);
                    tracing::warn!(error = %err, "rate limits: Redis did not answer; this node's own buckets count meanwhile");
                    match self.inner.local.check(&ruled) {
                        Some(standings) => standings,
                        None => return self.full(),
                    }
                }
            },
            None => match self.inner.local.check(&ruled) {
                Some(standings) => standings,
                None => return self.full(),
            },
        };
        let mut tightest: Option<(Standing, Class)> = None;
        for ((bucket, _), standing) in ruled.iter().zip(standings) {
            tightest = Some(match tightest {
                Some((t, class)) if t.tighter(standing) == t => (t, class),
                _ => (standing, bucket.class()),
            });
        }
        match tightest {
            Some((standing, class)) if standing.retry_after.is_some() => {
                metrics::counter!("agenthq_rate_limited_total", "class" => class.name())
                    .increment(1);
                Verdict::Refused {
                    standing,
                    class: class.name(),
                }
            }
            other => Verdict::Allowed(other.map(|(s, _)| s)),
        }
    }

    /// A workspace's tier, as recently read.
    async fn tier(
        &self,
        state: &crate::startup::AppState,
        workspace: WorkspaceId,
    ) -> Result<Tier, crate::api::ApiError> {
        self.inner.tiers_seen.get(state, workspace).await
    }

    /// A workspace's tier was set (or it was deleted) on this node: its next request
    /// reads it again.
    pub fn forget_tier(&self, workspace: WorkspaceId) {
        self.inner.tiers_seen.forget(workspace);
    }

    fn full(&self) -> Verdict {
        metrics::counter!("agenthq_rate_limited_total", "class" => "full").increment(1);
        Verdict::Full
    }

    /// Forgets buckets back at full capacity; runs every 10 s until `stop`.
    pub fn sweep_until(&self, stop: tokio_util::sync::CancellationToken) {
        let limiter = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(10));
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = every.tick() => limiter.inner.local.sweep(),
                }
            }
        });
    }
}

#[cfg(test)]
mod tests;
