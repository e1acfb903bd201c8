//! The browser office at `/`: the bundle's files with their MIME types, gzip when the
//! bundle holds it, revalidation headers; the API keeps its JSON 404s.

use crate::helpers::*;

/// A bundle like scripts/build-web.sh writes: a page, a viewer, and its gzip beside it.
fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>office</title>",
    )
    .unwrap();
    let wasm = b"\0asm\x01\0\0\0 a viewer".repeat(100);
    std::fs::write(dir.path().join("viewer_bg.wasm"), &wasm).unwrap();
    // The server sends the .gz as it is; its magic bytes tell which file went out.
    std::fs::write(dir.path().join("viewer_bg.wasm.gz"), b"\x1f\x8b stand-in").unwrap();
    dir
}

#[tokio::test]
async fn the_office_page_and_viewer_are_served_with_types_compression_and_revalidation() {
    let web = bundle();
    let dir = web.path().to_owned();
    let app = spawn_app_with(move |s| s.web_dir = Some(dir)).await;

    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.headers().contains_key("last-modified"));
    assert!(page.text().await.unwrap().contains("office"));

    let plain = app.get("/viewer_bg.wasm").await;
    assert_eq!(plain.headers()["content-type"], "application/wasm");
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.bytes().await.unwrap().len(), 1700);

    let gzipped = app
        .client
        .get(format!("{}/viewer_bg.wasm", app.address))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-type"], "application/wasm");
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(&gzipped.bytes().await.unwrap()[..2], b"\x1f\x8b");

    assert_eq!(app.get("/nothing-here.js").await.status(), 404);
    let (status, body) = app
        .call(reqwest::Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["error"]["code"], "not_found",
        "the API answers in JSON"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_missing_bundle_is_a_404_and_the_api_still_answers() {
    let missing = tempfile::tempdir().unwrap().path().join("none");
    let app = spawn_app_with(move |s| s.web_dir = Some(missing)).await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 404);
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/public/workspaces",
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
}
