//! HTTP endpoints: health, metrics, the WebSocket upgrade, the API under `/api/v1` and
//! its OpenAPI document, and the browser office at `/`.

mod health;
mod web;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};

use crate::startup::AppState;

pub fn router(state: AppState, max_body_bytes: usize, web_dir: Option<&std::path::Path>) -> Router {
    let (api, openapi) = crate::api::router(max_body_bytes);
    let openapi = Arc::new(openapi);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route(
            "/ws",
            get(crate::gateway::upgrade).layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::ratelimit::layer,
            )),
        )
        .route(
            "/openapi.json",
            get(move || {
                let openapi = Arc::clone(&openapi);
                async move { Json(openapi) }
            }),
        )
        // The rate limits outside the forwarding: a request is counted on the node that
        // received it, once.
        .merge(
            api.layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::forward::forward,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                crate::ratelimit::layer,
            ))
            .layer(axum::middleware::from_fn(crate::telemetry::http_metrics)),
        )
        .fallback_service(web::service(web_dir))
        .with_state(state)
}
