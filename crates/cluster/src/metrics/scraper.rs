//! Scrapes metrics.k8s.io (found by discovery) into the history, and keeps the source's state.
//!
//! Each attempt either records one scrape or classifies its failure (not installed,
//! unreachable, forbidden); failures are retried with exponential backoff. The state is
//! published on every scrape, but logged only when it changes.
//!
//! At 150,000 pods a scrape decodes tens of megabytes and joins every pod with its object: that
//! work runs on the blocking pool, not on the runtime's workers that serve requests, and the
//! history's write lock is taken only to append what was prepared.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use http_body_util::BodyExt;
use jiff::Timestamp;
use kube::Client;
use serde::Deserialize;
use tokio::sync::watch;

use super::history::{Latest, NodeSample, PodSample, Sample};
use super::view::{ReplicaSetOwners, owners_of};
use super::{History, MetricsConfig, SourceState, SourceStatus, Unscraped};
use crate::Cluster;
use crate::facts::PodFacts;

const GROUP: &str = "metrics.k8s.io";
/// The versions Wheelhouse reads, preferred first.
const VERSIONS: [&str; 2] = ["v1", "v1beta1"];
const INSTALL_HINT: &str = "Install metrics-server: kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml";

/// Why a scrape failed, as the state it puts the source in.
#[derive(Debug, Clone, PartialEq)]
struct Failure {
    state: SourceState,
    message: String,
    hint: String,
}

/// Where the scraper puts what it gathers.
pub(super) struct Outputs {
    pub history: Arc<RwLock<History>>,
    /// The last scrape's totals, replaced after each scrape (lists read them without the
    /// history's lock).
    pub latest: Arc<RwLock<Arc<Latest>>>,
    /// What the last scrape could not read, replaced after each scrape.
    pub unscraped: Arc<RwLock<Unscraped>>,
    pub status: watch::Sender<SourceStatus>,
}

pub(super) async fn run(cluster: Arc<Cluster>, config: MetricsConfig, outputs: Outputs) {
    let Outputs {
        history,
        latest: shared_latest,
        unscraped,
        status,
    } = outputs;
    let mut api_version: Option<&'static str> = None;
    let mut backoff = config.waits();
    let mut recorded = 0u64;
    loop {
        let started = std::time::Instant::now();
        let attempt = tokio::time::timeout(
            config.scrape_timeout,
            scrape(&cluster, &mut api_version, &config.fallback_namespaces),
        )
        .await
        .unwrap_or_else(|_| {
            Err(Failure {
                state: SourceState::Unreachable,
                message: format!(
                    "metrics-server is not reachable: no answer within {} seconds",
                    config.scrape_timeout.as_secs()
                ),
                hint: unreachable_hint(),
            })
        });
        let now = Timestamp::now();
        let scraped = attempt.is_ok();
        match attempt {
            Ok(mut scraped) => {
                let (pod_count, node_count) = (scraped.pods.len(), scraped.nodes.len());
                *unscraped
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) =
                    std::mem::take(&mut scraped.unscraped);
                let recording = std::time::Instant::now();
                let recorded_latest = record(&history, now.as_millisecond(), scraped).await;
                let recorded_ms = recording.elapsed().as_millis() as u64;
                if let Some(latest) = recorded_latest {
                    let previous = std::mem::replace(
                        &mut *shared_latest
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner),
                        latest,
                    );
                    // Freed here, not under the lock (unless a list still reads it).
                    drop(previous);
                }
                recorded = recorded.saturating_add(1);
                let version = api_version.map(|v| format!("{GROUP}/{v}"));
                publish(
                    &status,
                    SourceState::Ok,
                    format!(
                        "scraping {} every {} seconds",
                        version.as_deref().unwrap_or(GROUP),
                        config.interval.as_secs_f64()
                    ),
                    None,
                    version,
                    Some(now),
                );
                tracing::debug!(
                    pods = pod_count,
                    nodes = node_count,
                    took_ms = started.elapsed().as_millis() as u64,
                    recorded_ms,
                    "metrics scraped"
                );
            }
            Err(failure) => {
                // Discover again next time: metrics-server may be installed, moved or upgraded.
                api_version = None;
                let last = status.borrow().last_scrape;
                publish(
                    &status,
                    failure.state,
                    failure.message,
                    Some(failure.hint),
                    None,
                    last,
                );
            }
        }
        // A scrape's interval counts from its start; a failure's backoff from its end.
        let delay = config.delay_after(&mut backoff, scraped, recorded);
        tokio::time::sleep(if scraped {
            delay.saturating_sub(started.elapsed())
        } else {
            delay
        })
        .await;
    }
}

/// Publishes the state, logging it once when it differs from the last one.
fn publish(
    status: &watch::Sender<SourceStatus>,
    state: SourceState,
    message: String,
    hint: Option<String>,
    api_version: Option<String>,
    last_scrape: Option<Timestamp>,
) {
    status.send_modify(|current| {
        if current.state != state {
            match state {
                SourceState::Ok => tracing::info!(%message, "metrics-server: ok"),
                SourceState::Starting => {}
                _ => tracing::warn!(state = ?state, %message, hint = hint.as_deref().unwrap_or(""), "metrics-server: not available"),
            }
            current.since = Timestamp::now();
        }
        current.state = state;
        current.message = message;
        current.hint = hint;
        if api_version.is_some() || state != SourceState::Ok {
            current.api_version = api_version;
        }
        current.last_scrape = last_scrape;
    });
}

fn unreachable_hint() -> String {
    "Check that metrics-server runs and its APIService is available: kubectl -n kube-system get pods -l k8s-app=metrics-server; kubectl get apiservice v1beta1.metrics.k8s.io".into()
}

/// One scrape into `history`, as the scraper does it (for benchmarks); the pods and nodes
/// recorded, or why it failed.
pub async fn scrape_once(
    cluster: &Cluster,
    history: &Arc<RwLock<History>>,
) -> Result<(usize, usize), String> {
    let mut version = None;
    let scraped = scrape(cluster, &mut version, &[])
        .await
        .map_err(|failure| failure.message)?;
    let counts = (scraped.pods.len(), scraped.nodes.len());
    record(history, Timestamp::now().as_millisecond(), scraped).await;
    Ok(counts)
}

/// What one scrape gathered, with its totals computed.
struct Scraped {
    pods: Vec<PodSample>,
    nodes: Vec<NodeSample>,
    latest: Latest,
    unscraped: Unscraped,
}

/// Appends a scrape to the history on the blocking pool (the write lock waits for readers);
/// the totals it recorded, or `None` if the task failed.
async fn record(
    history: &Arc<RwLock<History>>,
    at_ms: i64,
    scraped: Scraped,
) -> Option<Arc<Latest>> {
    let history = history.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        let mut history = history
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        history.record_with(at_ms, scraped.pods, scraped.nodes, scraped.latest);
        history.latest()
    })
    .await;
    match recorded {
        Ok(latest) => Some(latest),
        Err(error) => {
            tracing::error!(%error, "recording a metrics scrape failed");
            None
        }
    }
}

/// One scrape: discovery when needed, then pod and node metrics joined with the pod objects.
async fn scrape(
    cluster: &Cluster,
    api_version: &mut Option<&'static str>,
    fallback_namespaces: &[String],
) -> Result<Scraped, Failure> {
    let client = cluster.client();
    let version = match *api_version {
        Some(v) => v,
        None => {
            let found = discover(client).await?;
            *api_version = Some(found);
            found
        }
    };
    let (pods_path, nodes_path) = (
        format!("/apis/{GROUP}/{version}/pods"),
        format!("/apis/{GROUP}/{version}/nodes"),
    );
    let began = std::time::Instant::now();
    let (pods, nodes) = tokio::join!(
        get::<MetricsList<PodMetrics>>(client, &pods_path),
        get::<MetricsList<NodeMetrics>>(client, &nodes_path),
    );
    let forbidden = |f: &Failure| f.state == SourceState::Forbidden;
    let mut unscraped = Unscraped::default();
    let pods = match pods {
        // Cluster-wide is forbidden: the namespaces this console is configured for, one by one.
        Err(failure) if forbidden(&failure) && !fallback_namespaces.is_empty() => {
            let mut items = Vec::new();
            for namespace in fallback_namespaces {
                let path = format!("/apis/{GROUP}/{version}/namespaces/{namespace}/pods");
                match get::<MetricsList<PodMetrics>>(client, &path).await {
                    Ok(list) => {
                        unscraped.read.push(namespace.clone());
                        items.extend(list.items);
                    }
                    Err(f) if forbidden(&f) => {
                        unscraped.refused.insert(namespace.clone(), f.message);
                    }
                    Err(f) => return Err(f),
                }
            }
            if unscraped.read.is_empty() {
                return Err(failure);
            }
            unscraped.everywhere = Some(failure.message);
            MetricsList { items }
        }
        other => other?,
    };
    // Node metrics forbidden while pod metrics are read: the pods' still count.
    let nodes = match nodes {
        Err(failure) if forbidden(&failure) && !fallback_namespaces.is_empty() => {
            MetricsList { items: Vec::new() }
        }
        other => other?,
    };
    // The pod objects say where each pod runs and what owns it. Without them (a cache that
    // cannot list), usage is still recorded.
    let caches = cluster.caches();
    let (objects, replicasets, node_objects) = tokio::join!(
        caches.pods_scoped(fallback_namespaces),
        caches.replicasets(),
        caches.nodes()
    );
    let (objects, replicasets, node_objects) = (
        objects.map(|pods| pods.objects).unwrap_or_default(),
        replicasets.unwrap_or_default(),
        node_objects.unwrap_or_default(),
    );
    let fetched = began.elapsed();
    let joined = in_background(move || {
        let gathered = began.elapsed();
        let scraped = join(pods, nodes, &objects, &replicasets, &node_objects);
        (gathered, scraped)
    })
    .await;
    if let Ok((gathered, scraped)) = &joined {
        // What each step of a scrape took, to set against requests that were slow meanwhile.
        tracing::debug!(
            pods = scraped.pods.len(),
            fetched_ms = fetched.as_millis(),
            objects_ms = gathered.saturating_sub(fetched).as_millis(),
            joined_ms = began.elapsed().saturating_sub(*gathered).as_millis(),
            "metrics fetched and joined"
        );
    }
    joined
        .map(|(_, scraped)| Scraped {
            unscraped,
            ..scraped
        })
        .map_err(|error| Failure {
            state: SourceState::Unreachable,
            message: format!("joining the scrape with the pod objects failed: {error}"),
            hint: "This is a bug in Wheelhouse; the console's log has the details.".into(),
        })
}

/// Joins the metrics with the objects (node, owners, requests and limits) and computes the
/// scrape's totals: CPU work for every pod, done off the runtime.
fn join(
    pods: MetricsList<PodMetrics>,
    nodes: MetricsList<NodeMetrics>,
    objects: &[Arc<PodFacts>],
    replicasets: &[Arc<crate::facts::ReplicaSetFacts>],
    node_objects: &[Arc<k8s_openapi::api::core::v1::Node>],
) -> Scraped {
    let allocatable: HashMap<String, Sample> = node_objects
        .iter()
        .filter_map(|n| {
            let map = n.status.as_ref()?.allocatable.as_ref()?;
            let read = |k: &str| {
                map.get(k)
                    .and_then(|q| wheelhouse_model::quantity::parse(&q.0))
            };
            Some((
                n.metadata.name.clone()?,
                Sample {
                    cpu: read("cpu")?,
                    memory: read("memory")?,
                },
            ))
        })
        .collect();
    let replicasets = ReplicaSetOwners::new(replicasets.iter());
    let by_name: HashMap<(&str, &str), &PodFacts> = objects
        .iter()
        .map(|p| ((p.namespace.as_ref(), p.name.as_str()), p.as_ref()))
        .collect();
    let pods: Vec<PodSample> = pods
        .items
        .into_iter()
        .map(|m| {
            let object = by_name
                .get(&(m.metadata.namespace.as_str(), m.metadata.name.as_str()))
                .copied();
            PodSample {
                node: object.and_then(|p| p.node.clone()),
                owners: object
                    .map(|p| owners_of(p, &replicasets))
                    .unwrap_or_default(),
                bounds: object.map(|p| p.bounds).unwrap_or_default(),
                containers: m
                    .containers
                    .into_iter()
                    .map(|c| (c.name, c.usage.sample()))
                    .collect(),
                namespace: m.metadata.namespace,
                name: m.metadata.name,
            }
        })
        .collect();
    let nodes: Vec<NodeSample> = nodes
        .items
        .into_iter()
        .map(|m| NodeSample {
            allocatable: allocatable.get(&m.metadata.name).copied(),
            name: m.metadata.name,
            usage: m.usage.sample(),
        })
        .collect();
    let latest = Latest::of(&pods, &nodes);
    Scraped {
        pods,
        nodes,
        latest,
        unscraped: Unscraped::default(),
    }
}

/// The served version of metrics.k8s.io that Wheelhouse reads, v1 preferred.
async fn discover(client: &Client) -> Result<&'static str, Failure> {
    let groups = client.list_api_groups().await.map_err(classify)?;
    let Some(group) = groups.groups.iter().find(|g| g.name == GROUP) else {
        return Err(not_installed());
    };
    VERSIONS
        .into_iter()
        .find(|v| group.versions.iter().any(|gv| gv.version == *v))
        .ok_or_else(|| Failure {
            state: SourceState::NotInstalled,
            message: format!(
                "{GROUP} is served only in versions Wheelhouse does not read ({})",
                group
                    .versions
                    .iter()
                    .map(|v| v.version.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: "Install a metrics-server that serves metrics.k8s.io/v1beta1 or v1".into(),
        })
}

fn not_installed() -> Failure {
    Failure {
        state: SourceState::NotInstalled,
        message: format!("metrics-server is not installed ({GROUP} is not served)"),
        hint: INSTALL_HINT.into(),
    }
}

/// How much lower than the rest of the console a scrape's decoding and joining run: at nice 10
/// the kernel gives a busy request worker about nine times a scrape thread's share of a core.
const SCRAPE_NICENESS: i32 = 10;

/// Runs `work` on a thread of its own that first lowers its scheduling priority, so that the
/// workers answering requests win the cores while the metrics of 150,000 pods are decoded and
/// joined (tens of megabytes of JSON, hundreds of milliseconds of CPU; docs/adr/0029). Recording
/// into the history stays on the blocking pool at normal priority: it holds the history's lock,
/// and a preempted holder would keep the charts waiting. One thread per step of a scrape, every
/// interval (30 s by default), costs nothing next to that work.
async fn in_background<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("metrics-scrape".into())
        .spawn(move || {
            lower_priority();
            // The receiver is gone only when the scrape was dropped (the console stopping).
            let _ = done.send(work());
        })
        .map_err(|error| format!("cannot start a thread for the scrape: {error}"))?;
    result
        .await
        .map_err(|_| "the scrape's thread stopped before it finished (see the log)".to_string())
}

/// Lowers the calling thread's scheduling priority by [`SCRAPE_NICENESS`]. Linux keeps a nice
/// value per thread, so the rest of the process is untouched; raising it back would need a
/// capability, which is why the thread is the scrape's own and ends with it.
#[cfg(target_os = "linux")]
fn lower_priority() {
    let thread = rustix::thread::gettid();
    let lowered = rustix::process::getpriority_process(Some(thread)).and_then(|nice| {
        rustix::process::setpriority_process(Some(thread), nice + SCRAPE_NICENESS)
    });
    if let Err(error) = lowered {
        tracing::debug!(%error, "the scrape runs at the console's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// The largest metrics answer read: 150,000 pods of three containers each are about 100 MB.
const MAX_METRICS_ANSWER: usize = 512 << 20;
/// The largest error answer read (a `Status` is a few hundred bytes).
const MAX_ERROR_ANSWER: usize = 64 << 10;
/// Pieces of an answer in flight between the connection and the decoding thread: the rest
/// waits in the connection, so an answer never sits whole in memory.
const PIECES_IN_FLIGHT: usize = 16;

/// GETs `path` and decodes the answer as it arrives, on a thread of lower priority (a list of
/// 150,000 pod metrics is tens of megabytes of JSON): neither the answer nor a copy of it is
/// ever held whole, and a request worker only passes its pieces on.
async fn get<T>(client: &Client, path: &str) -> Result<T, Failure>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let request = http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(kube::client::Body::empty())
        .map_err(|e| unreachable(format!("cannot build the request for {path}: {e}")))?;
    let response = client.send(request).await.map_err(classify)?;
    let status = response.status();
    decode_streamed(status, response.into_body(), path, MAX_METRICS_ANSWER).await
}

fn unreachable(message: String) -> Failure {
    Failure {
        state: SourceState::Unreachable,
        message,
        hint: unreachable_hint(),
    }
}

/// Decodes an answer of `status` while its `body` arrives, reading at most `limit` bytes.
async fn decode_streamed<T, B>(
    status: http::StatusCode,
    mut body: B,
    path: &str,
    limit: usize,
) -> Result<T, Failure>
where
    T: serde::de::DeserializeOwned + Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let read_failed = |e: B::Error| {
        unreachable(format!(
            "metrics-server is not reachable: reading its answer to {path} failed: {e}"
        ))
    };
    let too_large = |limit: usize| {
        unreachable(format!(
            "the answer to {path} is larger than {} MiB, which Wheelhouse does not read",
            limit >> 20
        ))
    };
    if !status.is_success() {
        // Short by nature; only its message is read, from the first bytes.
        let mut answer = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(piece) = frame.map_err(read_failed)?.into_data() {
                let room = MAX_ERROR_ANSWER.saturating_sub(answer.len());
                answer.extend_from_slice(&piece[..piece.len().min(room)]);
                if room <= piece.len() {
                    break;
                }
            }
        }
        return Err(refused(status.as_u16(), &api_message(&answer)));
    }
    let (pieces, arriving) = tokio::sync::mpsc::channel::<bytes::Bytes>(PIECES_IN_FLIGHT);
    let decoding = path.to_string();
    let decoded = in_background(move || {
        let reader = std::io::BufReader::with_capacity(
            64 << 10,
            Arriving {
                pieces: arriving,
                current: bytes::Bytes::new(),
            },
        );
        serde_json::from_reader::<_, T>(reader).map_err(|error| {
            unreachable(format!(
                "metrics-server is not reachable: its answer to {decoding} is not a metrics list: {error}"
            ))
        })
    });
    // The end of the answer (or a failure to read it) closes the channel: the decoder then
    // sees the end of its input.
    let fed = async move {
        let mut size = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(piece) = frame.map_err(read_failed)?.into_data() {
                size += piece.len();
                if size > limit {
                    return Err(too_large(limit));
                }
                if pieces.send(piece).await.is_err() {
                    // The decoder stopped at an error; its answer says which.
                    break;
                }
            }
        }
        Ok::<(), Failure>(())
    };
    let (fed, decoded) = tokio::join!(fed, decoded);
    // A connection that broke or an answer too large is the reason, not the decoder's
    // complaint about a truncated document.
    fed?;
    decoded.map_err(unreachable).flatten()
}

/// The pieces of an answer as they arrive, read as one stream by a blocking thread.
struct Arriving {
    pieces: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    current: bytes::Bytes,
}

impl std::io::Read for Arriving {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.pieces.blocking_recv() {
                Some(piece) => self.current = piece,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// The message of the API server's `Status` in an error answer, or the answer's start.
fn api_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Status {
        message: String,
    }
    match serde_json::from_slice::<Status>(body) {
        Ok(status) => status.message,
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

/// The state a failed request puts the source in.
fn classify(error: kube::Error) -> Failure {
    match error {
        kube::Error::Api(status) => refused(status.code, &status.message),
        other => Failure {
            state: SourceState::Unreachable,
            message: format!("metrics-server is not reachable: {other}"),
            hint: unreachable_hint(),
        },
    }
}

/// The state an error answer of the API server (`code`, its message) puts the source in.
fn refused(code: u16, message: &str) -> Failure {
    match code {
        404 => not_installed(),
        401 | 403 => Failure {
            state: SourceState::Forbidden,
            message: format!(
                "reading {GROUP} is forbidden: the API server said \"{message}\" ({code})"
            ),
            hint: "Allow Wheelhouse's identity to get and list pods and nodes in metrics.k8s.io, e.g. bind the ClusterRole system:aggregated-metrics-reader".into(),
        },
        _ => Failure {
            state: SourceState::Unreachable,
            message: format!(
                "metrics-server is not reachable: the API server said \"{message}\" ({code})"
            ),
            hint: unreachable_hint(),
        },
    }
}

#[derive(Deserialize)]
struct MetricsList<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize)]
struct PodMetrics {
    metadata: Meta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Deserialize)]
struct ContainerMetrics {
    name: String,
    usage: Usage,
}

#[derive(Deserialize)]
struct NodeMetrics {
    metadata: Meta,
    usage: Usage,
}

/// A usage as metrics-server gives it, its quantities read as they are decoded (a text per
/// figure would be two allocations per container of every pod, each scrape).
#[derive(Deserialize)]
struct Usage {
    #[serde(default = "no_figure", deserialize_with = "figure")]
    cpu: f64,
    #[serde(default = "no_figure", deserialize_with = "figure")]
    memory: f64,
}

impl Usage {
    fn sample(&self) -> Sample {
        Sample {
            cpu: self.cpu,
            memory: self.memory,
        }
    }
}

/// A figure that is missing, null or not a quantity.
fn no_figure() -> f64 {
    f64::NAN
}

/// A quantity ("250m", "128Mi") as its value, [`no_figure`] when it is null or unreadable.
fn figure<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    struct Figure;
    impl serde::de::Visitor<'_> for Figure {
        type Value = f64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a quantity")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<f64, E> {
            Ok(wheelhouse_model::quantity::parse(text).unwrap_or(f64::NAN))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<f64, E> {
            Ok(f64::NAN)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<f64, E> {
            Ok(f64::NAN)
        }
    }
    deserializer.deserialize_any(Figure)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use super::*;

    /// Log output captured in memory.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_scrape_decodes_at_a_lower_priority_than_the_requests() {
        let own = || rustix::process::getpriority_process(Some(rustix::thread::gettid()));
        let before = own().expect("this thread's priority");
        let scraping = in_background(own)
            .await
            .expect("the thread ran")
            .expect("its priority");
        // 19 is the lowest priority there is.
        assert_eq!(scraping, (before + SCRAPE_NICENESS).min(19));
        assert_eq!(
            own().expect("again"),
            before,
            "the caller's thread is untouched"
        );
        let failed = in_background(|| -> () { panic!("a bug in the join") }).await;
        assert!(failed.is_err_and(|e| e.contains("stopped before it finished")));
    }

    /// An answer arriving in `pieces`, the connection breaking after them when `breaks`.
    fn arriving(
        pieces: Vec<Vec<u8>>,
        breaks: bool,
    ) -> impl http_body::Body<Data = bytes::Bytes, Error = String> + Unpin {
        let mut frames: Vec<Result<http_body::Frame<bytes::Bytes>, String>> = pieces
            .into_iter()
            .map(|p| Ok(http_body::Frame::data(bytes::Bytes::from(p))))
            .collect();
        if breaks {
            frames.push(Err("connection reset by peer".to_string()));
        }
        http_body_util::StreamBody::new(futures::stream::iter(frames))
    }

    const PODS: &str = "/apis/metrics.k8s.io/v1beta1/pods";

    /// `text` in pieces of `size` bytes, cut wherever they fall (inside names and numbers).
    fn cut(text: &str, size: usize) -> Vec<Vec<u8>> {
        text.as_bytes().chunks(size).map(<[u8]>::to_vec).collect()
    }

    #[tokio::test]
    async fn an_answer_is_decoded_as_it_arrives_in_pieces_cut_anywhere() {
        let pod = |i: usize| {
            format!(
                r#"{{"metadata":{{"name":"web-{i}","namespace":"shop","labels":{{"app":"web"}},"creationTimestamp":"2026-12-07T10:00:00Z"}},"timestamp":"2026-12-07T10:00:00Z","window":"30s","containers":[{{"name":"app","usage":{{"cpu":"{i}m","memory":"{i}Mi"}}}},{{"name":"proxy","usage":{{"cpu":"250u","memory":null}}}}]}}"#
            )
        };
        let items: Vec<String> = (0..200).map(pod).collect();
        let text = format!(
            r#"{{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{{}},"items":[{}]}}"#,
            items.join(",")
        );
        for size in [1, 7, 4096, text.len()] {
            let list: MetricsList<PodMetrics> = decode_streamed(
                http::StatusCode::OK,
                arriving(cut(&text, size), false),
                PODS,
                MAX_METRICS_ANSWER,
            )
            .await
            .unwrap_or_else(|f| panic!("pieces of {size}: {}", f.message));
            assert_eq!(list.items.len(), 200);
            let last = &list.items[199];
            assert_eq!(
                (
                    last.metadata.namespace.as_str(),
                    last.metadata.name.as_str()
                ),
                ("shop", "web-199")
            );
            let app = last.containers[0].usage.sample();
            assert!((app.cpu - 0.199).abs() < 1e-9, "{}", app.cpu);
            assert_eq!(app.memory, 199.0 * 1024.0 * 1024.0);
            let proxy = last.containers[1].usage.sample();
            assert!((proxy.cpu - 0.00025).abs() < 1e-12);
            assert!(proxy.memory.is_nan(), "a null figure is no figure");
        }
    }

    #[tokio::test]
    async fn an_answer_that_is_too_large_broken_or_not_a_list_says_so() {
        let list = r#"{"items":[{"metadata":{"name":"a","namespace":"b"},"containers":[]}]}"#;
        let failure = |result: Result<MetricsList<PodMetrics>, Failure>| match result {
            Ok(_) => panic!("decoded"),
            Err(failure) => failure,
        };

        let too_large = failure(
            decode_streamed(
                http::StatusCode::OK,
                arriving(cut(list, 10), false),
                PODS,
                40,
            )
            .await,
        );
        assert_eq!(too_large.state, SourceState::Unreachable);
        assert_eq!(
            too_large.message,
            format!("the answer to {PODS} is larger than 0 MiB, which Wheelhouse does not read")
        );

        // The break is the reason, not the truncated document the decoder was left with.
        let broken = failure(
            decode_streamed(
                http::StatusCode::OK,
                arriving(cut(&list[..30], 10), true),
                PODS,
                MAX_METRICS_ANSWER,
            )
            .await,
        );
        assert_eq!(
            broken.message,
            format!(
                "metrics-server is not reachable: reading its answer to {PODS} failed: connection reset by peer"
            )
        );

        // A decoder that gives up stops the reading: an endless answer ends with its complaint,
        // not with the answer growing past the limit.
        use futures::StreamExt as _;
        let endless = futures::stream::iter([b"<html>".to_vec()])
            .chain(futures::stream::repeat(b"<p>not json</p>".to_vec()))
            .map(|p| Ok::<_, String>(http_body::Frame::data(bytes::Bytes::from(p))));
        let not_a_list = failure(
            decode_streamed(
                http::StatusCode::OK,
                http_body_util::StreamBody::new(endless),
                PODS,
                1 << 20,
            )
            .await,
        );
        assert!(
            not_a_list.message.starts_with(&format!(
                "metrics-server is not reachable: its answer to {PODS} is not a metrics list: expected value"
            )),
            "{}",
            not_a_list.message
        );

        let forbidden = failure(
            decode_streamed(
                http::StatusCode::FORBIDDEN,
                arriving(
                    cut(
                        r#"{"kind":"Status","message":"pods.metrics.k8s.io is forbidden: User \"ann\" cannot list","code":403}"#,
                        5,
                    ),
                    false,
                ),
                PODS,
                MAX_METRICS_ANSWER,
            )
            .await,
        );
        assert_eq!(forbidden.state, SourceState::Forbidden);
        assert!(
            forbidden
                .message
                .contains(r#"the API server said "pods.metrics.k8s.io is forbidden: User "ann" cannot list" (403)"#),
            "{}",
            forbidden.message
        );
    }

    #[test]
    fn a_state_is_logged_once_when_it_changes_not_on_every_attempt() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .without_time()
            .finish();
        let (status, _receiver) = watch::channel(SourceStatus {
            state: SourceState::Starting,
            message: String::new(),
            hint: None,
            api_version: None,
            since: Timestamp::now(),
            last_scrape: None,
            interval_seconds: 30.0,
            retention_seconds: 3600.0,
        });
        let down = |message: &str| {
            publish(
                &status,
                SourceState::Unreachable,
                message.into(),
                Some(unreachable_hint()),
                None,
                None,
            );
        };
        let up = || {
            publish(
                &status,
                SourceState::Ok,
                "scraping".into(),
                None,
                Some("metrics.k8s.io/v1".into()),
                Some(Timestamp::now()),
            );
        };
        tracing::subscriber::with_default(subscriber, || {
            // Five failed attempts in a row, with differing messages, are one state.
            for attempt in 0..5 {
                down(&format!(
                    "metrics-server is not reachable: attempt {attempt}"
                ));
            }
            for _ in 0..5 {
                up();
            }
            down("metrics-server is not reachable: connection refused");
            down("metrics-server is not reachable: connection refused");
        });
        let log = String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf-8");
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 3, "one line per change: {log}");
        assert!(
            lines[0].contains("not available") && lines[0].contains("attempt 0"),
            "{log}"
        );
        assert!(lines[1].contains("metrics-server: ok"), "{log}");
        assert!(lines[2].contains("connection refused"), "{log}");
        // The status still follows every attempt.
        assert_eq!(status.borrow().state, SourceState::Unreachable);
    }
}
