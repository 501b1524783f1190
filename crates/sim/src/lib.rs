//! wheelhouse-sim: an in-memory Kubernetes API server for the Wheelhouse demo, tests and benchmarks.
//!
//! It serves the Kubernetes REST API closely enough that kube-rs, kubectl and helm v4 work
//! against it unchanged: discovery (also aggregated), OpenAPI v2/v3 paths, get/list/watch with
//! selectors and paging, Table and PartialObjectMetadata output, create/update/patch (JSON,
//! merge, strategic merge, server-side apply with managedFields), delete with finalizers and
//! garbage collection, the status/scale/log/exec/eviction subresources, access reviews, bearer
//! tokens, OIDC ID tokens and impersonation with a small policy of users and groups, JSON, YAML and protobuf request bodies, plain HTTP and HTTPS on
//! one port (client-go sends tokens only over HTTPS: use [`Sim::kubeconfig_yaml`]).
//!
//! Not simulated: OpenAPI schemas (so no `kubectl explain`, no client-side schema
//! validation; `fieldValidation=Strict` checks top-level fields only), admission webhooks,
//! consistent list snapshots at an old resourceVersion (lists always read the latest state;
//! continue tokens do not expire), protobuf responses (answers are JSON), port-forward, attach
//! and `kubectl cp`, graceful pod termination (pods without finalizers go at once), CRD schema
//! validation and version conversion (all served versions return the stored object with the
//! requested apiVersion), events.k8s.io sharing storage with core events. Memory: objects are
//! kept as parsed JSON (about 17 KB per pod, so 100,000 pods take about 2 GB) with their
//! serialised bytes cached for lists and watches.
//!
//! The crate is grouped by role (docs/adr/0010-the-sim-grouped-by-role.md):
//!
//! - [`api`]: serving the Kubernetes API as kube-apiserver does: routing, authentication and
//!   policy, discovery and OpenAPI, the verbs, watches, Tables, patches and server-side apply,
//!   selectors, defaults, and the kubelet and metrics-server endpoints it proxies (logs, exec,
//!   cAdvisor, metrics.k8s.io);
//! - [`storage`]: the store (the sim's etcd), its change history and garbage collection, and
//!   the catalogue of kinds served;
//! - [`controllers`]: the scheduler, the kubelet (with what its containers write and use) and
//!   the workload controllers, as pure reconcile functions run against the store;
//! - [`scenario`]: what the cluster holds when it starts;
//! - [`error`]: errors as `metav1.Status`; [`reference`](mod@reference): the recorded answers
//!   tests compare to.
//!
//! Label selectors and quantities are read by `wheelhouse-model`, as in the rest of Wheelhouse.
//!
//! ```no_run
//! # async fn demo() -> wheelhouse_sim::Result<()> {
//! use wheelhouse_sim::{Scenario, Sim, SimConfig};
//! let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo)).await?;
//! std::fs::write("kubeconfig", sim.kubeconfig_yaml("admin")).ok();
//! println!("kubectl --kubeconfig kubeconfig get pods -A   # against {}", sim.url());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod api;
pub mod controllers;
pub mod error;
pub mod faults;
pub mod reference;
pub mod scenario;
pub mod storage;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

pub use api::auth::{GroupPolicy, Rule, User};
pub use api::oidc::OidcConfig;
pub use controllers::kubelet::container_logs::{GeneratedLogs, LogLine, LogSource};
pub use controllers::kubelet::container_usage::{GeneratedMetrics, MetricsSource, Usage};
pub use error::{Error, Result};
pub use faults::{Failure, Faults};
pub use scenario::Scenario;
pub use storage::{DeleteOptions, GroupResource, Store};

/// How to start a [`Sim`].
#[derive(Clone)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free port. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    pub scenario: Scenario,
    /// The token table; see [`api::auth::default_users`].
    pub users: Vec<User>,
    /// Rules bound to groups; see [`api::auth::default_group_policies`].
    pub group_policies: Vec<GroupPolicy>,
    /// Accept OIDC ID tokens of this issuer (kube-apiserver's `--oidc-*` flags). Default none.
    pub oidc: Option<OidcConfig>,
    /// Run the light controllers (Deployments make pods, pods start…). Default true.
    pub controllers: bool,
    /// Events kept per resource for resuming watches.
    pub watch_history: usize,
    pub logs: Arc<dyn LogSource>,
    pub metrics: Arc<dyn MetricsSource>,
    /// Serve `metrics.k8s.io` as an installed metrics-server would. Default true; false makes a
    /// cluster without metrics-server (no such group in discovery, 404 at its paths).
    pub metrics_server: bool,
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("scenario", &self.scenario)
            .field(
                "users",
                &self.users.iter().map(|u| &u.name).collect::<Vec<_>>(),
            )
            .field(
                "group_policies",
                &self
                    .group_policies
                    .iter()
                    .map(|p| &p.group)
                    .collect::<Vec<_>>(),
            )
            .field("oidc", &self.oidc)
            .field("controllers", &self.controllers)
            .field("watch_history", &self.watch_history)
            .field("metrics_server", &self.metrics_server)
            .finish_non_exhaustive()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: Scenario::Empty,
            users: api::auth::default_users(),
            group_policies: api::auth::default_group_policies(),
            oidc: None,
            controllers: true,
            watch_history: storage::DEFAULT_HISTORY,
            logs: Arc::new(controllers::kubelet::container_logs::WorkloadLogs),
            metrics: Arc::new(controllers::kubelet::container_usage::WorkloadMetrics),
            metrics_server: true,
        }
    }
}

impl SimConfig {
    /// Listen on this address.
    #[must_use]
    pub fn listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// Load this scenario.
    #[must_use]
    pub fn scenario(mut self, scenario: Scenario) -> Self {
        self.scenario = scenario;
        self
    }

    /// Replace the token table.
    #[must_use]
    pub fn users(mut self, users: Vec<User>) -> Self {
        self.users = users;
        self
    }

    /// Add a user to the token table.
    #[must_use]
    pub fn user(mut self, user: User) -> Self {
        self.users.retain(|u| u.name != user.name);
        self.users.push(user);
        self
    }

    /// Replace the group policies.
    #[must_use]
    pub fn group_policies(mut self, policies: Vec<GroupPolicy>) -> Self {
        self.group_policies = policies;
        self
    }

    /// Add a group policy (replacing the one of the same group).
    #[must_use]
    pub fn group_policy(mut self, policy: GroupPolicy) -> Self {
        self.group_policies.retain(|p| p.group != policy.group);
        self.group_policies.push(policy);
        self
    }

    /// Accept OIDC ID tokens as kube-apiserver's `--oidc-*` flags configure it.
    #[must_use]
    pub fn oidc(mut self, oidc: OidcConfig) -> Self {
        self.oidc = Some(oidc);
        self
    }

    /// Run the controllers or not.
    #[must_use]
    pub fn controllers(mut self, on: bool) -> Self {
        self.controllers = on;
        self
    }

    /// Events kept per resource for resuming watches (small values make 410s easy to provoke).
    #[must_use]
    pub fn watch_history(mut self, events: usize) -> Self {
        self.watch_history = events;
        self
    }

    /// Where pod log lines come from.
    #[must_use]
    pub fn logs(mut self, source: Arc<dyn LogSource>) -> Self {
        self.logs = source;
        self
    }

    /// Where metrics.k8s.io usage values come from.
    #[must_use]
    pub fn metrics(mut self, source: Arc<dyn MetricsSource>) -> Self {
        self.metrics = source;
        self
    }

    /// Serve `metrics.k8s.io` (as with metrics-server installed) or not.
    #[must_use]
    pub fn metrics_server(mut self, installed: bool) -> Self {
        self.metrics_server = installed;
        self
    }
}

/// A running simulated API server.
pub struct Sim {
    url: String,
    addr: SocketAddr,
    users: Vec<User>,
    store: Store,
    stop: tokio::sync::watch::Sender<bool>,
    /// The router, kept to serve again after [`Sim::stop_serving`].
    app: axum::Router,
    /// Ends the current server (not the sim): [`Sim::stop_serving`].
    serving: tokio::sync::watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
    controllers: Option<controllers::Controllers>,
    certificate: api::tls::Certificate,
    faults: Faults,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// Binds, loads the scenario, starts the controllers and serves until [`Sim::shutdown`].
    pub async fn start(config: SimConfig) -> Result<Sim> {
        let store = Store::with_history(config.watch_history);
        // Loading 100,000 pods is seconds of CPU work: keep it off the async workers.
        let loading = store.clone();
        let chosen = config.scenario.clone();
        let loaded = tokio::task::spawn_blocking(move || scenario::load(&loading, &chosen))
            .await
            .map_err(|e| Error::Scenario(format!("loading {} failed: {e}", config.scenario)))?;
        tracing::debug!(objects = loaded, scenario = %config.scenario, "scenario loaded");
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
        let certificate = api::tls::Certificate::generate(&[addr.ip().to_string()])?;
        let listener = api::tls::DualListener::new(listener, &certificate)?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let faults = Faults::default();
        let state = Arc::new(api::http::AppState {
            store: store.clone(),
            kinds: if config.metrics_server {
                storage::Kinds::new(store.clone())
            } else {
                storage::Kinds::new(store.clone()).without_group("metrics.k8s.io")
            },
            users: config.users.clone(),
            group_policies: config.group_policies.clone(),
            service_account_tokens: api::rbac::ServiceAccountTokens::default(),
            oidc: config
                .oidc
                .clone()
                .map(api::oidc::OidcAuthenticator::new)
                .transpose()
                .map_err(Error::HttpClient)?,
            logs: config.logs.clone(),
            metrics: config.metrics.clone(),
            cpu_counters: api::cadvisor::CpuCounters::default(),
            shutdown: stopped.clone(),
            faults: faults.clone(),
        });
        let app = api::http::router(state);
        let (serving, server) = serve(listener, app.clone());
        let controllers = config.controllers.then(|| {
            controllers::Controllers::spawn(store.clone(), controllers::ControllerConfig::default())
        });
        tracing::info!(url = %format!("http://{addr}"), scenario = %config.scenario, "simulated API server serving");
        Ok(Sim {
            url: format!("http://{addr}"),
            addr,
            users: config.users,
            store,
            stop,
            app,
            serving,
            server: Some(server),
            controllers,
            certificate,
            faults,
        })
    }

    /// The faults to inject into this sim's answers (see [`faults`]).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `https://127.0.0.1:PORT`: the same server over TLS (trust [`Sim::ca_pem`]). kubectl and
    /// helm need it: client-go sends no bearer token over plain HTTP.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The PEM of the sim's self-signed serving certificate.
    pub fn ca_pem(&self) -> &str {
        &self.certificate.cert_pem
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token of a user of the token table.
    pub fn token(&self, user: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|u| u.name == user)
            .map(|u| u.token.as_str())
    }

    /// A kubeconfig for `user` (cluster `wheelhouse-sim` over HTTPS with the sim's CA, context
    /// `wheelhouse-sim-<user>`, current). An unknown user gets an empty token, so requests
    /// answer 401.
    pub fn kubeconfig_yaml(&self, user: &str) -> String {
        use base64::Engine;
        let token = self.token(user).unwrap_or("");
        let ca =
            base64::engine::general_purpose::STANDARD.encode(self.certificate.cert_pem.as_bytes());
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: wheelhouse-sim\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\ncontexts:\n- name: wheelhouse-sim-{user}\n  context:\n    cluster: wheelhouse-sim\n    user: {user}\n    namespace: default\ncurrent-context: wheelhouse-sim-{user}\nusers:\n- name: {user}\n  user:\n    token: {token}\npreferences: {{}}\n",
            url = self.https_url()
        )
    }

    /// The object store, for tests and benchmarks to read and write directly.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Stops the controllers, ends open streams and stops serving.
    pub async fn shutdown(self) {
        if let Some(controllers) = self.controllers {
            controllers.shutdown().await;
        }
        let _ = self.stop.send(true);
        let _ = self.serving.send(true);
        if let Some(server) = self.server {
            let _ = server.await;
        }
    }

    /// Stops serving, as an API server that goes down: open watches end, idle connections are
    /// closed and new ones refused, while the store (the sim's etcd) and the controllers go
    /// on. Change the store meanwhile to make what changed while it was down, then
    /// [`Sim::serve_again`].
    pub async fn stop_serving(&mut self) {
        self.faults.drop_watches();
        let _ = self.serving.send(true);
        if let Some(mut server) = self.server.take() {
            // Graceful, but a stream that does not end (a followed log) must not hold it up.
            if tokio::time::timeout(std::time::Duration::from_secs(2), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }

    /// Serves again on the same address with a new resourceVersion history, as an API server
    /// restored from a backup or moved onto a new etcd: the objects are those of the store now,
    /// and every resourceVersion handed out before is unknown (a watch from one answers 410
    /// Gone), so clients must list again.
    pub async fn serve_again(&mut self) -> Result<()> {
        if self.server.is_some() {
            return Ok(());
        }
        self.store.restart_history();
        // The old listener closes as its accept task ends; the port is ours again in a moment.
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(_) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(source) => {
                    return Err(Error::Bind {
                        addr: self.addr,
                        source,
                    });
                }
            }
        };
        let listener = api::tls::DualListener::new(listener, &self.certificate)?;
        let (serving, server) = serve(listener, self.app.clone());
        self.serving = serving;
        self.server = Some(server);
        tracing::info!(url = %self.url, "simulated API server serving again with a new history");
        Ok(())
    }
}

/// Serves `app` on `listener` until the returned sender says stop.
fn serve(
    listener: api::tls::DualListener,
    app: axum::Router,
) -> (
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (serving, mut until) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(async move {
        let result = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = until.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(err) = result {
            tracing::error!(error = %err, "the simulated API server stopped serving");
        }
    });
    (serving, server)
}
