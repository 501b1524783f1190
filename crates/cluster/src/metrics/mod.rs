//! Metrics with history: metrics.k8s.io scraped on an interval into a bounded in-memory
//! [`History`], the state of that source, and the views the API serves (a pod, a workload, a
//! node, a namespace or the whole cluster over a range).
//!
//! [`Metrics::start`] runs the [`scraper`] in the background; it stops when the handle is
//! dropped. The source's state changes only when the outcome does, and each change is logged
//! once.

pub mod history;
pub mod prometheus;
mod scraper;
pub mod usage;
pub mod view;

use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ts_rs::TS;

pub use history::{History, NodeSample, PodSample, Sample};
pub use scraper::scrape_once;
pub use view::{Target, TargetMetrics};

use crate::Cluster;
use crate::backoff::Backoff;

/// How metrics are collected and kept.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Between two scrapes of metrics.k8s.io.
    pub interval: Duration,
    /// How much history is kept in memory.
    pub retention: Duration,
    /// The first wait after a failed scrape; it doubles with each further failure…
    pub initial_backoff: Duration,
    /// …up to this.
    pub max_backoff: Duration,
    /// How long one scrape (discovery and two lists) may take.
    pub scrape_timeout: Duration,
    /// Prometheus, for ranges longer than the retention.
    pub prometheus: Option<prometheus::PrometheusConfig>,
    /// When reading pod metrics cluster-wide is forbidden (a kubeconfig for a few namespaces),
    /// the namespaces read one by one instead, so their pods still have metrics.
    pub fallback_namespaces: Vec<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            retention: Duration::from_secs(3600),
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(120),
            scrape_timeout: Duration::from_secs(20),
            prometheus: None,
            fallback_namespaces: Vec::new(),
        }
    }
}

impl MetricsConfig {
    #[must_use]
    pub fn fallback_namespaces(mut self, namespaces: Vec<String>) -> Self {
        self.fallback_namespaces = namespaces;
        self
    }

    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    #[must_use]
    pub fn prometheus(mut self, prometheus: Option<prometheus::PrometheusConfig>) -> Self {
        self.prometheus = prometheus;
        self
    }

    /// The waits after failed scrapes.
    fn waits(&self) -> Backoff {
        Backoff::new(self.initial_backoff, self.max_backoff)
    }

    /// How long to wait before the next scrape, given whether the last one succeeded and the
    /// scrapes recorded so far. The second scrape follows the first within [`FOLLOW_UP`]: a
    /// chart has a line, and pods that were still starting when the console started (a fresh
    /// cluster, the demo) have usage, without waiting a whole interval.
    fn delay_after(&self, backoff: &mut Backoff, scraped: bool, recorded: u64) -> Duration {
        let interval = if recorded == 1 {
            self.interval.min(FOLLOW_UP)
        } else {
            self.interval
        };
        backoff.wait_after(scraped, interval)
    }
}

/// Pod metrics the console's identity may not read, as the last scrape found: nothing when it
/// read them cluster-wide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unscraped {
    /// The API server's refusal of pod metrics in all namespaces, when it refused.
    pub everywhere: Option<String>,
    /// Configured namespaces whose pod metrics were refused too, with the API server's words.
    pub refused: std::collections::BTreeMap<String, String>,
    /// The configured namespaces read one by one instead.
    pub read: Vec<String>,
}

impl Unscraped {
    /// Why `namespace`'s pod metrics are not scraped; `None` when they are.
    pub fn why(&self, namespace: &str) -> Option<String> {
        let everywhere = self.everywhere.as_ref()?;
        if let Some(refused) = self.refused.get(namespace) {
            return Some(refused.clone());
        }
        if self.read.iter().any(|n| n == namespace) {
            return None;
        }
        Some(format!(
            "{everywhere}; the console then reads only the namespaces it is configured for (--allowed-namespace, its kubeconfig context's), and {namespace} is not one of them"
        ))
    }
}

/// What a metrics source is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SourceState {
    /// Before the first scrape has finished.
    Starting,
    /// The last scrape succeeded.
    Ok,
    /// Discovery finds no `metrics.k8s.io` (or it answers 404): metrics-server is not installed.
    NotInstalled,
    /// The group is registered but does not answer (metrics-server down, APIService
    /// unavailable), or the API server itself does not answer.
    Unreachable,
    /// The API server refused Wheelhouse's identity (401 or 403).
    Forbidden,
}

/// Which source a range or series comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SourceKind {
    MetricsServer,
    Prometheus,
}

/// The state of metrics.k8s.io as the API reports it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    pub state: SourceState,
    /// What is going on, for a person.
    pub message: String,
    /// What to do about it; `None` when nothing needs doing.
    pub hint: Option<String>,
    /// `metrics.k8s.io/v1beta1` or `metrics.k8s.io/v1`, as discovery found it.
    pub api_version: Option<String>,
    /// When the state last changed.
    pub since: Timestamp,
    /// When the last successful scrape finished.
    pub last_scrape: Option<Timestamp>,
    pub interval_seconds: f64,
    pub retention_seconds: f64,
}

/// A range the charts can show, and which source serves it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RangeOption {
    pub id: String,
    pub seconds: u64,
    pub source: SourceKind,
}

/// The most the second scrape waits after the first.
const FOLLOW_UP: Duration = Duration::from_secs(5);

/// The ranges offered when a source can serve them.
const RANGES: [(&str, u64); 5] = [
    ("15m", 900),
    ("1h", 3_600),
    ("6h", 6 * 3_600),
    ("24h", 24 * 3_600),
    ("7d", 7 * 24 * 3_600),
];

/// `15m`, `1h`, `7d`, `45s`: the shortest exact spelling of a number of seconds.
pub fn range_id(seconds: u64) -> String {
    match seconds {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The ranges metrics-server's history (`retention_seconds`) and, when configured, Prometheus
/// can serve: the standard ranges up to the retention, or the retention itself when it is
/// shorter than all of them; Prometheus adds the longer standard ranges.
pub fn ranges(retention_seconds: u64, prometheus: bool) -> Vec<RangeOption> {
    let mut out: Vec<RangeOption> = RANGES
        .iter()
        .filter(|(_, s)| *s <= retention_seconds)
        .map(|(id, s)| RangeOption {
            id: (*id).to_string(),
            seconds: *s,
            source: SourceKind::MetricsServer,
        })
        .collect();
    if out.is_empty() && retention_seconds > 0 {
        out.push(RangeOption {
            id: range_id(retention_seconds),
            seconds: retention_seconds,
            source: SourceKind::MetricsServer,
        });
    }
    if prometheus {
        out.extend(
            RANGES
                .iter()
                .filter(|(_, s)| *s > retention_seconds)
                .map(|(id, s)| RangeOption {
                    id: (*id).to_string(),
                    seconds: *s,
                    source: SourceKind::Prometheus,
                }),
        );
    }
    out
}

/// The history of one cluster's metrics and the scraper filling it; stops when dropped.
pub struct Metrics {
    config: MetricsConfig,
    history: Arc<RwLock<History>>,
    /// The last scrape's totals (also in the history), which lists read without waiting for
    /// the history's lock while a scrape is recorded.
    latest: Arc<RwLock<Arc<history::Latest>>>,
    /// What the last scrape could not read.
    unscraped: Arc<RwLock<Unscraped>>,
    status: watch::Receiver<SourceStatus>,
    prometheus: Option<prometheus::Prometheus>,
    task: JoinHandle<()>,
}

impl Metrics {
    /// Starts scraping at once, then every interval.
    pub fn start(cluster: Arc<Cluster>, config: MetricsConfig) -> Self {
        let history = Arc::new(RwLock::new(History::new(
            millis(config.retention),
            millis(config.interval),
        )));
        let (sender, status) = watch::channel(SourceStatus {
            state: SourceState::Starting,
            message: "waiting for the first scrape of metrics.k8s.io".into(),
            hint: None,
            api_version: None,
            since: Timestamp::now(),
            last_scrape: None,
            interval_seconds: config.interval.as_secs_f64(),
            retention_seconds: config.retention.as_secs_f64(),
        });
        let latest = Arc::new(RwLock::new(Arc::default()));
        let unscraped = Arc::new(RwLock::new(Unscraped::default()));
        let task = tokio::spawn(scraper::run(
            cluster,
            config.clone(),
            scraper::Outputs {
                history: history.clone(),
                latest: latest.clone(),
                unscraped: unscraped.clone(),
                status: sender,
            },
        ));
        let prometheus = config.prometheus.clone().map(prometheus::Prometheus::start);
        Self {
            config,
            history,
            latest,
            unscraped,
            status,
            prometheus,
            task,
        }
    }

    /// The state of Prometheus, when one is configured.
    pub fn prometheus_status(&self) -> Option<prometheus::PrometheusStatus> {
        self.prometheus.as_ref().map(prometheus::Prometheus::status)
    }

    pub(crate) fn prometheus(&self) -> Option<&prometheus::Prometheus> {
        self.prometheus.as_ref()
    }

    pub fn config(&self) -> &MetricsConfig {
        &self.config
    }

    /// Why `namespace`'s pod metrics are not scraped; `None` when they are (or before the first
    /// scrape).
    pub fn not_scraped(&self, namespace: &str) -> Option<String> {
        self.unscraped
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .why(namespace)
    }

    /// The state of metrics.k8s.io after the last scrape.
    pub fn status(&self) -> SourceStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every scrape and change of state.
    pub fn subscribe(&self) -> watch::Receiver<SourceStatus> {
        self.status.clone()
    }

    /// The history, read-locked: hold it briefly (the scraper waits to write).
    pub fn history(&self) -> RwLockReadGuard<'_, History> {
        self.history
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The totals of the last scrape (the usage columns of lists); never waits for a scrape.
    pub fn latest(&self) -> Arc<history::Latest> {
        self.latest
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The ranges the configured sources can serve.
    pub fn ranges(&self) -> Vec<RangeOption> {
        ranges(self.config.retention.as_secs(), self.prometheus.is_some())
    }
}

impl Drop for Metrics {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("config", &self.config)
            .field("state", &self.status.borrow().state)
            .finish_non_exhaustive()
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_stop_at_the_retention_unless_prometheus_serves_longer_ones() {
        let ids = |r: Vec<RangeOption>| r.into_iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(ids(ranges(3_600, false)), ["15m", "1h"]);
        assert_eq!(
            ids(ranges(120, false)),
            ["2m"],
            "a short retention is its own range"
        );
        let with_prometheus = ranges(3_600, true);
        assert_eq!(
            ids(with_prometheus.clone()),
            ["15m", "1h", "6h", "24h", "7d"]
        );
        assert_eq!(with_prometheus[2].source, SourceKind::Prometheus);
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let config = MetricsConfig::default()
            .interval(Duration::from_secs(30))
            .backoff(Duration::from_secs(2), Duration::from_secs(10));
        let mut backoff = config.waits();
        let delays: Vec<u64> = [true, false, false, false, false, false]
            .map(|scraped| config.delay_after(&mut backoff, scraped, 7).as_secs())
            .into();
        assert_eq!(delays, [30, 2, 4, 8, 10, 10]);
        // Failures before the first scrape back off the same way.
        let mut backoff = config.waits();
        let delays: Vec<u64> = [false, false]
            .map(|scraped| config.delay_after(&mut backoff, scraped, 0).as_secs())
            .into();
        assert_eq!(delays, [2, 4]);
    }

    #[test]
    fn the_second_scrape_follows_the_first_soon() {
        let config = MetricsConfig::default().interval(Duration::from_secs(30));
        let mut backoff = config.waits();
        assert_eq!(config.delay_after(&mut backoff, true, 1), FOLLOW_UP);
        assert_eq!(
            config.delay_after(&mut backoff, true, 2),
            Duration::from_secs(30)
        );
        // An interval shorter than the follow-up is kept.
        let quick = MetricsConfig::default().interval(Duration::from_secs(2));
        assert_eq!(
            quick.delay_after(&mut backoff, true, 1),
            Duration::from_secs(2)
        );
    }
}
