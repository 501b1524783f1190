//! Runs the built binary as a person does and reads the URL it prints.

#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BINARY: &str = env!("CARGO_BIN_EXE_wheelhouse");

/// An HTTP client, once the crypto provider reqwest needs is installed (it has none of its own:
/// `rustls-no-provider`, and building a client without one panics).
pub fn client() -> reqwest::Client {
    wheelhouse_tls::install_crypto_provider();
    reqwest::Client::new()
}

/// `reqwest::get`, through [`client`].
pub async fn get(url: impl reqwest::IntoUrl) -> reqwest::Result<reqwest::Response> {
    client().get(url).send().await
}

/// A running `wheelhouse`, killed if a test fails before stopping it.
pub struct Running {
    pub child: Child,
    pub first_line: String,
}

impl Running {
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    /// [`start`](Self::start) with extra environment variables.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BINARY)
            .args(args)
            .envs(env.iter().copied())
            .env_remove("KUBECONFIG")
            .env("HOME", "/nonexistent-home")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first_line = String::new();
        BufReader::new(stdout)
            .read_line(&mut first_line)
            .expect("a line on stdout");
        Self { child, first_line }
    }

    /// The URL the console printed last on its first line (`… listening on http://…/`).
    pub fn url(&self) -> String {
        self.first_line
            .trim()
            .rsplit(' ')
            .next()
            .expect("a URL on the first line")
            .to_string()
    }

    /// Sends a signal by name (TERM, INT) and returns whether the process exited successfully in time.
    pub fn stop_with(mut self, signal: &str) -> bool {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{signal} works");
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
