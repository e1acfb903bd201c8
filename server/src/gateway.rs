//! The WebSocket gateway at `/ws`: the wire protocol of `docs/protocol.md` over
//! tokio-tungstenite (through axum's upgrade).
//!
//! Bounds, per connection: small read and write buffers instead of tungstenite's 128 KiB
//! defaults, a cap on frame and message size, a cap on subscriptions (each with the bus's
//! bounded buffer, which lags into a resync), a send timeout and an idle timeout. The
//! encoded bytes of a diff are made once per codec by the bus and shared by every
//! connection.
//!
//! A connection that says `hello` with a credential (an access token or an API key) may
//! read the workspaces where that credential has a role; without one it may read public
//! workspaces only (the demo office). A refused credential closes with 4003, one past its
//! connection limit with 4004.

mod connection;
mod limits;

pub use limits::{
    ConnectionLimits, ConnectionPermit, CredentialLimits, CredentialPermit, Refusal, Tally,
    TallyPermit,
};

use agenthq_protocol::Codec;
use std::net::SocketAddr;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::startup::AppState;

/// Largest frame, and message, a client may send.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;
/// Read buffer of a connection (tungstenite's default is 128 KiB); client messages are small.
pub const READ_BUFFER_BYTES: usize = 1024;
/// Bytes buffered before a write goes to the socket.
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;
/// Largest frame the gateway may have to write (a snapshot of a big office). Writes wait
/// once [`WRITE_BUFFER_BYTES`] are pending, so a client that stops reading holds about one
/// frame plus that buffer, and is closed after the send timeout.
pub const MAX_WRITE_BUFFER_BYTES: usize = 16 * 1024 * 1024;
/// Topics one connection may follow at once.
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Malformed or unexpected frames tolerated before closing (close code 1008).
pub const MAX_BAD_FRAMES: u32 = 3;
/// Messages past the client's rate (`ws_messages_per_second`) in a row before the
/// connection is closed with [`close_code::RATE_LIMITED`]; each is answered
/// `rate_limited` and not read.
pub const MAX_RATE_STRIKES: u32 = 20;

/// Close codes the gateway uses, besides 1000 (normal).
pub mod close_code {
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// Too many malformed or unexpected frames.
    pub const POLICY: u16 = 1008;
    /// A frame larger than [`super::MAX_CLIENT_MESSAGE_BYTES`].
    pub const TOO_BIG: u16 = 1009;
    /// The client did not read its frames in time.
    pub const SLOW_CONSUMER: u16 = 4001;
    /// The client sent nothing for the idle timeout (`ws_idle_timeout_secs`, 60 s).
    pub const IDLE: u16 = 4002;
    /// The `hello` credential was refused (unknown, expired or revoked).
    pub const UNAUTHORIZED: u16 = 4003;
    /// The `hello` credential holds all the connections it may
    /// (`ws_max_connections_per_credential`).
    pub const CREDENTIAL_LIMIT: u16 = 4004;
    /// The client kept sending past its message rate.
    pub const RATE_LIMITED: u16 = 4008;
}

/// `GET /ws`: upgrades to a WebSocket speaking the subprotocol the client asked for
/// (`agenthq.v1.msgpack` or `agenthq.v1.json`), JSON when it asked for none.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ip: crate::audit::ClientIp,
    State(state): State<AppState>,
) -> Response {
    // The client's address as the rate-limit layer saw it (behind a trusted load balancer,
    // the one it names), else the peer's.
    let permit = match state.connections.admit(ip.0.unwrap_or(peer.ip())) {
        Ok(permit) => permit,
        Err(refusal) => {
            metrics::counter!("agenthq_ws_refused_total").increment(1);
            let (status, message) = match refusal {
                Refusal::PerIp => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many connections from this address",
                ),
                Refusal::Full => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "this node holds all the connections it can; retry",
                ),
            };
            let body = serde_json::json!({ "error": { "code": "too_many_connections", "message": message } });
            return (status, axum::Json(body)).into_response();
        }
    };
    let ws = ws
        .protocols(Codec::ALL.map(Codec::subprotocol))
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_CLIENT_MESSAGE_BYTES)
        .max_frame_size(MAX_CLIENT_MESSAGE_BYTES);
    let codec = ws
        .selected_protocol()
        .and_then(|p| p.to_str().ok())
        .and_then(Codec::from_subprotocol)
        .unwrap_or(Codec::Json);
    ws.on_upgrade(move |socket| async move {
        connection::run(socket, codec, state, ip).await;
        drop(permit);
    })
}
