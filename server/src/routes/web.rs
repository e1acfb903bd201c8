//! The browser office: the built bundle (`assets/web/`, see scripts/build-web.sh) at `/`.
//! Files go out with their MIME type (`application/wasm` for the viewer), gzip-compressed
//! when the bundle holds a `.gz` beside the file and the browser accepts it (compressed
//! once at build time, not per request), with `Last-Modified` and `Cache-Control:
//! no-cache` so a browser revalidates (a cheap 304) and never runs a stale viewer after
//! an upgrade.

use std::path::Path;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::{MethodRouter, get_service};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The service behind every path the API and gateway do not take.
pub fn service(dir: Option<&Path>) -> MethodRouter {
    let Some(dir) = dir else {
        return axum::routing::any(not_built);
    };
    let files = ServeDir::new(dir)
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    get_service(files).layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ))
}

async fn not_built() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Html(
            "<!doctype html><title>AgentHQ</title><p>The browser office is not built here: \
             run <code>scripts/build-web.sh</code>, or set <code>AGENTHQ_WEB_DIR</code>. \
             The API is at <a href=\"/openapi.json\">/openapi.json</a>.</p>",
        ),
    )
}
