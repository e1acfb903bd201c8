//! `spawn_app()`: the real server in-process, one per test.

use std::net::SocketAddr;

use agenthq_server::{Application, Settings};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    _data: tempfile::TempDir,
}

/// Starts the server on a free port with its data in a fresh temporary folder.
pub async fn spawn_app() -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir: data.path().to_owned(),
        database_url: None,
        ..Settings::default()
    };
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    TestApp {
        address,
        client: reqwest::Client::new(),
        _data: data,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}
