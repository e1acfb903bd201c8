use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_says_ready_when_the_store_answers() {
    let app = spawn_app().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["store"].as_str()),
        (Some("ready"), Some("ok"))
    );
}

#[tokio::test]
async fn an_unknown_path_is_a_404() {
    let app = spawn_app().await;
    assert_eq!(app.get("/nope").await.status(), 404);
}
