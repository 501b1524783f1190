//! A browser's session with a console in a login mode: signs in with a token and sends the
//! session cookie back on every call.

use std::time::Duration;

use serde_json::{Value, json};

use super::TestServer;

/// How long a list may take to finish loading.
const WITHIN: Duration = Duration::from_secs(20);

/// A browser's view of the console: the session cookie it was given, sent back on every call.
pub struct Browser<'a> {
    pub server: &'a TestServer,
    pub http: reqwest::Client,
    pub cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a TestServer) -> Self {
        Self {
            server,
            http: super::client(),
            cookie: None,
        }
    }

    pub async fn sign_in(&mut self, token: &str) -> reqwest::Response {
        let response = self
            .http
            .post(self.server.url("api/v1/session"))
            .json(&json!({"token": token}))
            .send()
            .await
            .expect("request");
        if let Some(set) = response.headers().get("set-cookie") {
            let set = set.to_str().expect("ascii").to_string();
            self.cookie = Some(set.split(';').next().expect("a pair").to_string());
        }
        response
    }

    pub fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.cookie {
            Some(cookie) => request.header("cookie", cookie),
            None => request,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .with_cookie(self.http.get(self.server.url(path)))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let response = self
            .with_cookie(self.http.delete(self.server.url(path)))
            .header("x-wheelhouse-client", "test")
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Polls `path` until the list has finished loading.
    pub async fn list(&self, path: &str) -> (u16, Value) {
        let deadline = tokio::time::Instant::now() + WITHIN;
        loop {
            let (status, body) = self.get(path).await;
            if status != 200 || body["state"] == "ready" || tokio::time::Instant::now() > deadline {
                return (status, body);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
