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
    crate::telemetry::record_process();
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
    let store = state.runtime.store().ping().await;
    // In a cluster, Redis too: without it this node cannot reach the others.
    let redis = state.cluster.as_ref().map(|c| c.bus.is_connected());
    let redis_field = match redis {
        None => Value::from("not configured"),
        Some(true) => Value::from("ok"),
        Some(false) => Value::from("disconnected"),
    };
    match store {
        Ok(()) if redis != Some(false) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "store": "ok", "redis": redis_field })),
        ),
        outcome => {
            let store = outcome.map_or_else(|e| e.to_string(), |()| "ok".into());
            tracing::warn!(%store, redis = %redis_field, "readiness check failed");
            let body = json!({ "status": "unavailable", "store": store, "redis": redis_field });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body))
        }
    }
}
