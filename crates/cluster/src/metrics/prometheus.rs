//! Prometheus as the source of ranges longer than the in-memory history: PromQL range queries
//! over the kubelet's cAdvisor series (`container_cpu_usage_seconds_total`,
//! `container_memory_working_set_bytes`), and a check that keeps the source's state.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ts_rs::TS;

use super::SourceState;
use crate::Error;
use crate::backoff::Backoff;

/// Where Prometheus is and how it is checked.
#[derive(Debug, Clone)]
pub struct PrometheusConfig {
    /// `http://prometheus.monitoring:9090` (a path prefix is kept).
    pub url: String,
    /// Between two checks while it answers; failed checks back off from 2 s to this.
    pub check_interval: Duration,
    /// One query's time limit.
    pub timeout: Duration,
    /// The shortest window `rate()` looks back over: several of Prometheus's scrapes (four of
    /// the usual 15 s by default), so a rate always has points to work from.
    pub min_rate_window: Duration,
}

impl PrometheusConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into().trim_end_matches('/').to_string(),
            check_interval: Duration::from_secs(30),
            timeout: Duration::from_secs(20),
            min_rate_window: Duration::from_secs(60),
        }
    }

    #[must_use]
    pub fn min_rate_window(mut self, window: Duration) -> Self {
        self.min_rate_window = window;
        self
    }

    #[must_use]
    pub fn check_interval(mut self, interval: Duration) -> Self {
        self.check_interval = interval;
        self
    }
}

/// The state of Prometheus as the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusStatus {
    pub url: String,
    pub state: SourceState,
    pub message: String,
    pub hint: Option<String>,
    pub since: Timestamp,
}

/// One series of a range query: its labels and `(unix seconds, value)` points.
#[derive(Debug, Clone, PartialEq)]
pub struct PromSeries {
    pub labels: BTreeMap<String, String>,
    pub points: Vec<(f64, f64)>,
}

/// A Prometheus server and the task checking it; the task stops when this is dropped.
pub struct Prometheus {
    config: PrometheusConfig,
    /// The client, or why it could not be built (then every query and check says so).
    /// The client, or why it could not be built (every query then fails with that reason).
    client: Result<reqwest::Client, String>,
    status: watch::Receiver<PrometheusStatus>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Prometheus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prometheus")
            .field("url", &self.config.url)
            .finish_non_exhaustive()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    result: Vec<MatrixEntry>,
}

#[derive(Deserialize)]
struct MatrixEntry {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
    #[serde(default)]
    value: Option<(f64, String)>,
}

/// The wait after a failed check; it doubles with each further failure, up to the check interval.
const FIRST_RETRY: Duration = Duration::from_secs(2);

const UNREACHABLE_HINT: &str =
    "Check --prometheus-url and that Prometheus answers: curl <url>/-/ready";
const FORBIDDEN_HINT: &str = "Prometheus refused the request: put it behind no authentication for Wheelhouse, or a proxy that adds it";

impl Prometheus {
    /// Starts checking at once, then every `check_interval`.
    pub fn start(config: PrometheusConfig) -> Self {
        wheelhouse_tls::install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|error| {
                let message = wheelhouse_tls::client_failure("Prometheus", &error);
                tracing::error!("{message}");
                message
            });
        let (sender, status) = watch::channel(PrometheusStatus {
            url: config.url.clone(),
            state: SourceState::Starting,
            message: "checking Prometheus".into(),
            hint: None,
            since: Timestamp::now(),
        });
        let task = tokio::spawn(check(config.clone(), client.clone(), sender));
        Self {
            config,
            client,
            status,
            task,
        }
    }

    pub fn config(&self) -> &PrometheusConfig {
        &self.config
    }

    pub fn status(&self) -> PrometheusStatus {
        self.status.borrow().clone()
    }

    /// `query` over `[start, end]` every `step` seconds.
    pub async fn range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> crate::Result<Vec<PromSeries>> {
        let url = format!("{}/api/v1/query_range", self.config.url);
        let client = self
            .client
            .as_ref()
            .map_err(|message| failed(message.clone()))?;
        let answer = request(
            client,
            &url,
            &[
                ("query", query.to_string()),
                ("start", format!("{start:.3}")),
                ("end", format!("{end:.3}")),
                ("step", format!("{step}")),
            ],
        )
        .await?;
        Ok(answer
            .into_iter()
            .map(|entry| PromSeries {
                labels: entry.metric,
                points: entry
                    .values
                    .into_iter()
                    .filter_map(|(t, v)| {
                        Some((t, v.parse::<f64>().ok().filter(|v| v.is_finite())?))
                    })
                    .collect(),
            })
            .collect())
    }
}

/// Prometheus did not answer, or not as its API says: the source is unreachable.
fn failed(message: String) -> Error {
    Error::Prometheus {
        state: SourceState::Unreachable,
        message,
    }
}

async fn request(
    client: &reqwest::Client,
    url: &str,
    params: &[(&str, String)],
) -> crate::Result<Vec<MatrixEntry>> {
    let response = client
        .get(url)
        .query(params)
        .send()
        .await
        .map_err(|e| failed(format!("Prometheus is not reachable: {e}")))?;
    let code = response.status();
    if matches!(code.as_u16(), 401 | 403) {
        return Err(Error::Prometheus {
            state: SourceState::Forbidden,
            message: format!("Prometheus refused the query ({code})"),
        });
    }
    let text = response
        .text()
        .await
        .map_err(|e| failed(format!("Prometheus is not reachable: {e}")))?;
    let answer: Answer = serde_json::from_str(&text).map_err(|_| {
        failed(format!(
            "{url} did not answer like a Prometheus API ({code}): {}",
            text.chars().take(200).collect::<String>()
        ))
    })?;
    if answer.status != "success" {
        return Err(failed(format!(
            "Prometheus refused the query: {}",
            answer.error.unwrap_or_default()
        )));
    }
    Ok(answer.data.map(|d| d.result).unwrap_or_default())
}

async fn check(
    config: PrometheusConfig,
    client: Result<reqwest::Client, String>,
    status: watch::Sender<PrometheusStatus>,
) {
    let url = format!("{}/api/v1/query", config.url);
    let mut backoff = Backoff::new(FIRST_RETRY, config.check_interval.max(FIRST_RETRY));
    loop {
        let outcome = match &client {
            Ok(client) => request(client, &url, &[("query", "vector(1)".to_string())]).await,
            Err(message) => Err(failed(message.clone())),
        };
        let (state, message, hint) = match outcome {
            Ok(answer) if answer.first().and_then(|e| e.value.as_ref()).is_some() => {
                (SourceState::Ok, format!("querying {}", config.url), None)
            }
            Ok(_) => (
                SourceState::Unreachable,
                format!("{} answered a query without a value", config.url),
                Some(UNREACHABLE_HINT.to_string()),
            ),
            Err(Error::Prometheus {
                state: SourceState::Forbidden,
                message,
            }) => (
                SourceState::Forbidden,
                message,
                Some(FORBIDDEN_HINT.to_string()),
            ),
            Err(error) => (
                SourceState::Unreachable,
                match error {
                    Error::Prometheus { message, .. } => message,
                    other => other.to_string(),
                },
                Some(UNREACHABLE_HINT.to_string()),
            ),
        };
        status.send_modify(|current| {
            if current.state != state {
                match state {
                    SourceState::Ok => tracing::info!(url = %config.url, "prometheus: ok"),
                    _ => tracing::warn!(url = %config.url, state = ?state, %message, "prometheus: not available"),
                }
                current.since = Timestamp::now();
            }
            current.state = state;
            current.message = message;
            current.hint = hint;
        });
        let delay = backoff.wait_after(state == SourceState::Ok, config.check_interval);
        tokio::time::sleep(delay).await;
    }
}

/// `a|b|c` matching exactly these names in a PromQL regex.
pub fn any_of(names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            n.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c.to_string()
                    } else {
                        format!("\\\\{c}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// A label value in a PromQL selector string.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}
