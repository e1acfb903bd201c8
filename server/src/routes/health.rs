//! Liveness and readiness.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::startup::AppState;

/// The process answers.
pub(super) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Prometheus metrics: connections, frames and bytes out, resyncs, task outcomes, queue
/// depths, tick duration, actor restarts.
pub(super) async fn metrics(
    State(state): State<AppState>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let body = state.metrics.render();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    )
}

/// The process can serve: its store answers. 503 with the reason otherwise.
pub(super) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.runtime.store().ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "store": "ok" })),
        ),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            let body = json!({ "status": "unavailable", "store": err.to_string() });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}
