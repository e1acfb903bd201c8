//! In a cluster, an API request for a workspace another node owns is forwarded to that
//! node over Redis, and its answer is the answer: the caller sees the same status, headers
//! and body as on the owner. No sticky sessions.
//!
//! The layer buffers the request body (within the API's body limit), runs the request
//! here, and if the answer says another node owns the workspace (a [`ForwardTo`] mark the
//! runtime's `NotOwner` leaves on the response), sends the request to that node, which
//! runs it through its own router. A forwarded request carries [`FORWARDED`], so it is
//! never forwarded twice: a node that does not own the workspace either answers 503 with
//! `Retry-After`, as does a caller whose owner does not answer in time.
//!
//! Running the request here first costs one authentication and one refusal; the runtime
//! refuses before any write, so nothing happens twice.

use std::sync::Arc;

use agenthq_runtime::NodeId;
use agenthq_runtime::cluster::RequestHandler;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

use crate::startup::AppState;

/// Set on a request one node forwarded to another.
pub const FORWARDED: &str = "x-agenthq-forwarded";

/// Carries the client's address from the node a request reached to the owner (set and
/// read only on the wire between nodes).
pub(crate) const CLIENT_IP: &str = "x-agenthq-client-ip";

/// Marks a response: the workspace is owned by this node.
#[derive(Debug, Clone)]
pub struct ForwardTo(pub NodeId);

#[derive(Debug, Serialize, Deserialize)]
struct WireRequest {
    method: String,
    uri: String,
    headers: Vec<(String, serde_bytes::ByteBuf)>,
    body: serde_bytes::ByteBuf,
}

#[derive(Debug, Serialize, Deserialize)]
struct WireResponse {
    status: u16,
    headers: Vec<(String, serde_bytes::ByteBuf)>,
    body: serde_bytes::ByteBuf,
}

/// Headers that describe one hop, not the request.
fn end_to_end(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "host" | "connection" | "content-length" | "transfer-encoding" | "keep-alive" | "upgrade"
    )
}

fn wire_headers(headers: &axum::http::HeaderMap) -> Vec<(String, serde_bytes::ByteBuf)> {
    headers
        .iter()
        .filter(|(name, _)| end_to_end(name))
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                serde_bytes::ByteBuf::from(value.as_bytes().to_vec()),
            )
        })
        .collect()
}

/// The middleware (on the API routes).
pub async fn forward(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(cluster) = state.cluster.clone() else {
        return next.run(request).await;
    };
    let already = request.headers().contains_key(FORWARDED);
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, state.max_body_bytes).await else {
        return crate::api::ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is over {} bytes", state.max_body_bytes),
        )
        .into_response();
    };
    // Kept for a forward (the body is shared, not copied); encoded only if one is needed.
    let (method, uri, headers) = (
        parts.method.clone(),
        parts.uri.clone(),
        parts.headers.clone(),
    );
    let client_ip = parts
        .extensions
        .get::<crate::audit::ClientIp>()
        .and_then(|ip| ip.0);
    let response = next
        .run(Request::from_parts(parts, Body::from(body.clone())))
        .await;
    let Some(ForwardTo(owner)) = response.extensions().get::<ForwardTo>().cloned() else {
        return response;
    };
    if already {
        return response; // Ownership moved meanwhile: the caller retries.
    }
    let wire = WireRequest {
        method: method.to_string(),
        uri: uri.to_string(),
        headers: {
            let mut wire = wire_headers(&headers);
            wire.retain(|(name, _)| name != CLIENT_IP);
            if let Some(ip) = client_ip {
                wire.push((CLIENT_IP.into(), ip.to_string().into_bytes().into()));
            }
            wire
        },
        body: serde_bytes::ByteBuf::from(body.to_vec()),
    };
    let Ok(bytes) = rmp_serde::to_vec_named(&wire) else {
        return response;
    };
    match state
        .runtime
        .forward(&owner, Bytes::from(bytes), cluster.forward_timeout)
        .await
    {
        Ok(answer) => match rmp_serde::from_slice::<WireResponse>(&answer) {
            Ok(wire) => {
                metrics::counter!("agenthq_forwarded_commands_total", "outcome" => "answered")
                    .increment(1);
                into_response(wire)
            }
            Err(_) => response,
        },
        Err(err) => {
            tracing::warn!(%owner, error = %err, "a forwarded command got no answer");
            metrics::counter!("agenthq_forwarded_commands_total", "outcome" => "unanswered")
                .increment(1);
            response // 503 with Retry-After.
        }
    }
}

/// Sends one API request (`uri` from `/api/v1`) to `owner`, the node that runs its
/// workspace, and answers its status and body; `None` when this node is not in a cluster
/// or the owner does not answer in time. (The WebSocket gateway uses it for commands such
/// as `decide` that reach a node that does not run the workspace.)
pub async fn to_owner(
    state: &AppState,
    owner: &NodeId,
    method: Method,
    uri: &str,
    headers: &axum::http::HeaderMap,
    body: Vec<u8>,
) -> Option<(StatusCode, Bytes)> {
    let cluster = state.cluster.as_ref()?;
    let wire = WireRequest {
        method: method.to_string(),
        uri: uri.to_owned(),
        headers: wire_headers(headers),
        body: serde_bytes::ByteBuf::from(body),
    };
    let bytes = rmp_serde::to_vec_named(&wire).ok()?;
    let answer = state
        .runtime
        .forward(owner, Bytes::from(bytes), cluster.forward_timeout)
        .await
        .inspect_err(
            |err| tracing::warn!(%owner, error = %err, "a forwarded command got no answer"),
        )
        .ok()?;
    let wire = rmp_serde::from_slice::<WireResponse>(&answer).ok()?;
    let status = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::BAD_GATEWAY);
    Some((status, Bytes::from(wire.body.into_vec())))
}

fn into_response(wire: WireResponse) -> Response {
    let mut response = Response::new(Body::from(wire.body.into_vec()));
    *response.status_mut() = StatusCode::from_u16(wire.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in wire.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_bytes(&value))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Runs requests other nodes forward here through this node's router.
#[derive(Debug)]
pub struct Forwarded {
    pub router: axum::Router,
    pub max_body_bytes: usize,
}

#[async_trait::async_trait]
impl RequestHandler for Forwarded {
    async fn handle(&self, body: Bytes) -> Bytes {
        let answer = match rmp_serde::from_slice::<WireRequest>(&body) {
            Ok(wire) => self.run(wire).await,
            Err(err) => WireResponse {
                status: StatusCode::BAD_REQUEST.as_u16(),
                headers: vec![(
                    header::CONTENT_TYPE.as_str().to_owned(),
                    serde_bytes::ByteBuf::from(b"text/plain".to_vec()),
                )],
                body: serde_bytes::ByteBuf::from(
                    format!("bad forwarded request: {err}").into_bytes(),
                ),
            },
        };
        rmp_serde::to_vec_named(&answer)
            .map(Bytes::from)
            .unwrap_or_default()
    }
}

impl Forwarded {
    async fn run(&self, wire: WireRequest) -> WireResponse {
        let mut request = Request::new(Body::from(wire.body.into_vec()));
        *request.method_mut() = Method::from_bytes(wire.method.as_bytes()).unwrap_or(Method::GET);
        *request.uri_mut() = wire.uri.parse().unwrap_or_default();
        for (name, value) in wire.headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name), HeaderValue::from_bytes(&value))
            {
                request.headers_mut().append(name, value);
            }
        }
        request
            .headers_mut()
            .insert(FORWARDED, HeaderValue::from_static("1"));
        request.extensions_mut().insert(crate::ratelimit::FromNode);
        let client_ip = request
            .headers_mut()
            .remove(CLIENT_IP)
            .and_then(|v| v.to_str().ok()?.parse().ok());
        request
            .extensions_mut()
            .insert(crate::audit::ClientIp(client_ip));
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, self.max_body_bytes.max(16 << 20))
            .await
            .unwrap_or_default();
        WireResponse {
            status: parts.status.as_u16(),
            headers: wire_headers(&parts.headers),
            body: serde_bytes::ByteBuf::from(body.to_vec()),
        }
    }
}

/// What a clustered server holds beside its runtime.
#[derive(Clone)]
pub struct ClusterState {
    pub bus: agenthq_runtime::RedisBus,
    pub forward_timeout: std::time::Duration,
    pub stop: tokio_util::sync::CancellationToken,
    pub tracker: tokio_util::task::TaskTracker,
}

impl std::fmt::Debug for ClusterState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterState")
            .field("node", self.bus.node())
            .finish_non_exhaustive()
    }
}

impl ClusterState {
    /// Lets this node answer forwarded requests with `router` (and other nodes' requests
    /// for snapshots, which the runtime answers).
    pub fn serve(
        &self,
        runtime: &agenthq_runtime::Runtime,
        router: axum::Router,
        max_body_bytes: usize,
    ) {
        runtime.serve_requests(Some(Arc::new(Forwarded {
            router,
            max_body_bytes,
        })));
    }
}
