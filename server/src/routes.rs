//! HTTP endpoints.

mod health;

use axum::Router;
use axum::routing::get;

use crate::startup::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/ws", get(crate::gateway::upgrade))
        .with_state(state)
}
