//! The middleware on the API and the WebSocket upgrade, and the per-workspace check that
//! [`crate::api::access`] makes once the caller's role there is known (so nobody can spend
//! a workspace's requests by naming its id).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agenthq_protocol::{Tier, WorkspaceId};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Bucket, MAX_KEYS, Standing, Verdict};
use crate::api::ApiError;
use crate::audit::ClientIp;
use crate::auth::{Authenticated, bearer};
use crate::startup::AppState;

/// Set on a request another node of the cluster forwarded: its first node counted it.
#[derive(Debug, Clone, Copy)]
pub struct FromNode;

tokio::task_local! {
    /// The standing of buckets a handler takes from (the workspace's, in `access`; the
    /// account's, at login), which the layer joins to its own for the headers.
    static WORKSPACE: Arc<Mutex<Option<Standing>>>;
}

/// The endpoints that take a password or a refresh token (the strict per-address
/// bucket).
fn is_auth(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/auth/login" | "/api/v1/auth/register" | "/api/v1/auth/refresh"
    )
}

/// The client's address: the peer, or behind a trusted load balancer the last
/// `X-Forwarded-For` entry (the one it wrote).
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded: bool,
) -> Option<IpAddr> {
    if trust_forwarded
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back()
    {
        return Some(group(ip));
    }
    peer.map(|p| group(p.ip()))
}

/// An IPv6 client usually holds a whole /64: its bucket is the /64's.
fn group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn secs_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

fn set_headers(headers: &mut HeaderMap, standing: &Standing) {
    let mut put = |name: &'static str, value: u64| {
        headers.insert(name, HeaderValue::from(value));
    };
    put("x-ratelimit-limit", u64::from(standing.limit));
    put("x-ratelimit-remaining", u64::from(standing.remaining));
    put("x-ratelimit-reset", secs_up(standing.reset));
    if let Some(wait) = standing.retry_after {
        put("retry-after", secs_up(wait).max(1));
    }
}

/// 429 `rate_limited` until the bucket gives one back; `says(limit, wait)` is the message.
fn limited(standing: &Standing, says: impl FnOnce(u32, u64) -> String) -> ApiError {
    let wait = standing.retry_after.map(secs_up).unwrap_or(1).max(1);
    ApiError {
        retry_after: Some(u32::try_from(wait).unwrap_or(u32::MAX)),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            says(standing.limit, wait),
        )
    }
}

/// 429 `rate_limiter_full`: the class's table holds [`MAX_KEYS`] buckets.
fn full() -> ApiError {
    ApiError {
        retry_after: Some(10),
        ..ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limiter_full",
            format!("the node tracks {MAX_KEYS} clients already; try again shortly"),
        )
    }
}

/// A refusal by one of the layer's own buckets, with its headers.
fn refusal(standing: &Standing, class: &str) -> Response {
    let mut response = limited(standing, |_, wait| match class {
        "auth_ip" => format!("too many sign-in requests from this address; try again in {wait} s"),
        "credential" => format!("too many requests with this credential; try again in {wait} s"),
        _ => format!("too many requests from this address; try again in {wait} s"),
    })
    .into_response();
    set_headers(response.headers_mut(), standing);
    response
}

/// The middleware: the address, auth-endpoint and credential buckets before the request
/// runs; the workspace bucket's standing (taken in `access`) joins them for the headers.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let limiter = state.rate.clone();
    if request.extensions().get::<FromNode>().is_some() {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = client_ip(
        request.headers(),
        peer,
        limiter.settings().trust_forwarded_for,
    );
    request.extensions_mut().insert(ClientIp(ip));
    if !limiter.settings().enabled {
        // No buckets, but the scope: `access` meters requests inside it.
        let slot = Arc::new(Mutex::new(None));
        return WORKSPACE.scope(slot, next.run(request)).await;
    }
    let mut buckets = Vec::with_capacity(3);
    if let Some(ip) = ip {
        if is_auth(request.uri().path()) {
            buckets.push(Bucket::AuthIp(ip));
        }
        buckets.push(Bucket::Ip(ip));
    }
    if let Some(token) = bearer(request.headers()) {
        // Authenticated once here; the handler's `Caller` takes it from the extensions.
        // A refused credential is the handler's to answer (401).
        if let Ok(caller) = state.auth.authenticate(token).await {
            buckets.push(Bucket::Credential(caller.credential().to_string()));
            request.extensions_mut().insert(Authenticated(caller));
        }
    }
    let before = match limiter.check(&buckets).await {
        Verdict::Allowed(standing) => standing,
        Verdict::Refused { standing, class } => return refusal(&standing, class),
        Verdict::Full => return full().into_response(),
    };
    let slot = Arc::new(Mutex::new(None));
    let mut response = WORKSPACE.scope(slot.clone(), next.run(request)).await;
    let workspace = slot.lock().ok().and_then(|s| *s);
    let tightest = match (before, workspace) {
        (Some(a), Some(b)) => Some(a.tighter(b)),
        (a, b) => a.or(b),
    };
    if let Some(standing) = tightest {
        set_headers(response.headers_mut(), &standing);
    }
    response
}

/// Meters one request on `workspace` and counts it against its bucket (its tier's
/// `requests_per_hour`), for a caller with a role there. Outside the layer (a request
/// another node forwarded) it counts nothing: the first node did.
pub async fn workspace_request(state: &AppState, workspace: WorkspaceId) -> Result<(), ApiError> {
    if WORKSPACE.try_with(|_| ()).is_err() {
        return Ok(());
    }
    state.meter.request(workspace);
    if !state.rate.settings().enabled {
        return Ok(());
    }
    let tier = state.rate.tier(state, workspace).await?;
    take(state, Bucket::Workspace(workspace, tier), |limit, wait| {
        format!(
            "this workspace used its {} tier's {limit} requests per hour; try again in {wait} s",
            tier.as_str()
        )
    })
    .await
}

/// Counts one login attempt against the account's bucket (`login_per_account_per_hour`),
/// whoever makes it and whether or not the password is right.
pub async fn login_attempt(state: &AppState, email: &str) -> Result<(), ApiError> {
    if WORKSPACE.try_with(|_| ()).is_err() || !state.rate.settings().enabled {
        return Ok(());
    }
    let email = email.trim().to_lowercase();
    take(state, Bucket::Login(email), |_, wait| {
        format!("too many login attempts for this account; try again in {wait} s")
    })
    .await
}

/// Takes one request from `bucket` inside the layer, leaving its standing for the
/// headers.
async fn take(
    state: &AppState,
    bucket: Bucket,
    message: impl FnOnce(u32, u64) -> String,
) -> Result<(), ApiError> {
    let verdict = state.rate.check(&[bucket]).await;
    let standing = match &verdict {
        Verdict::Allowed(standing) => *standing,
        Verdict::Refused { standing, .. } => Some(*standing),
        Verdict::Full => None,
    };
    let _ = WORKSPACE.try_with(|slot| {
        if let (Ok(mut slot), Some(standing)) = (slot.lock(), standing) {
            *slot = Some(slot.map_or(standing, |s| s.tighter(standing)));
        }
    });
    match verdict {
        Verdict::Allowed(_) => Ok(()),
        Verdict::Refused { standing, .. } => Err(limited(&standing, message)),
        Verdict::Full => Err(full()),
    }
}

/// How long a workspace's tier is remembered between store reads.
pub(super) const TIER_TTL: Duration = Duration::from_secs(5);

/// Workspaces' tiers, read from the store at most once per [`TIER_TTL`].
#[derive(Debug, Default)]
pub(super) struct TierCache {
    tiers: dashmap::DashMap<WorkspaceId, (Tier, Instant)>,
}

impl TierCache {
    pub(super) async fn get(
        &self,
        state: &AppState,
        workspace: WorkspaceId,
    ) -> Result<Tier, ApiError> {
        if let Some(entry) = self.tiers.get(&workspace)
            && entry.1.elapsed() < TIER_TTL
        {
            return Ok(entry.0);
        }
        let record = state
            .runtime
            .store()
            .workspace(workspace)
            .await?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        if self.tiers.len() >= MAX_KEYS {
            self.tiers.retain(|_, (_, at)| at.elapsed() < TIER_TTL);
        }
        self.tiers.insert(workspace, (record.tier, Instant::now()));
        Ok(record.tier)
    }

    /// Forgets a workspace's tier (it was just set).
    pub(super) fn forget(&self, workspace: WorkspaceId) {
        self.tiers.remove(&workspace);
    }
}
