//! The Wheelhouse HTTP server: the JSON API, the probes and the embedded web app.
//!
//! Each capability is a module exporting `router()`; [`app`] merges them, adds the layers every
//! request goes through (the same-origin checks, request ids, tracing, compression, body limit,
//! timeout, security headers) and mounts the result under the base path. [`serve`] runs it until
//! a shutdown signal.

pub mod access;
pub(crate) mod alerts;
pub mod apps;
pub mod base_path;
mod cluster;
pub mod connections;
pub mod error;
mod health;
mod kinds;
mod live;
pub mod locale;
mod logs;
mod metrics;
mod middleware;
pub mod names;
pub mod namespaces;
mod object;
mod overview;
pub mod person;
pub mod port_forward;
pub mod proxy;
pub mod quota;
mod raw;
mod registries;
mod resources;
pub mod run;
pub mod same_origin;
pub mod session;
pub mod terminal;
mod tls;
pub mod typescript;
pub mod version;
pub mod web;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use tokio::net::TcpListener;
use tower::Layer as _;
use wheelhouse_cluster::Cluster;
use wheelhouse_cluster::metrics::{Metrics, MetricsConfig};
use wheelhouse_cluster::resources::{Resources, ResourcesConfig};

pub use base_path::BasePath;
pub use error::{ApiJson, AppError};
pub use locale::Locale;
pub use same_origin::AllowedHosts;

/// How the server behaves; the binary fills it from flags.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub base_path: BasePath,
    /// The names and addresses requests may be sent to (`Host`); [`serve`] adds its own address.
    pub hosts: AllowedHosts,
    /// The language when Accept-Language names none we have.
    pub default_locale: Locale,
    /// Larger request bodies are rejected with 413.
    pub body_limit: usize,
    /// A request that has not produced its response by then gets 504.
    pub request_timeout: Duration,
    /// How many connections, how long a client may take to send headers or leave answers unread.
    pub connections: connections::ConnectionLimits,
    /// The resource browser's watch caches: idle timeout, first-list wait, feed capacity.
    pub resources: ResourcesConfig,
    /// How often metrics.k8s.io is scraped and how much history is kept.
    pub metrics: MetricsConfig,
    /// The app store: helm binary, protected releases, operation timeout.
    pub apps: apps::AppsConfig,
    /// Who may use the console and how they sign in.
    pub login: session::LoginConfig,
    /// A terminal without a keystroke for this long is closed.
    pub terminal_idle: Duration,
    /// A command tried after `bash` and `sh` when a terminal opens (`--terminal-shell`), split
    /// on spaces: for images whose shell is elsewhere (`/busybox/sh`).
    pub terminal_shell: Option<String>,
    /// How often a quiet terminal's browser is pinged; one not heard from for three of these
    /// (a network cut without a close) has its terminal closed.
    pub terminal_ping: Duration,
    /// Where node shells run.
    pub node_shell: terminal::NodeShellConfig,
    /// Whether answers go out over TLS (then they carry `Strict-Transport-Security`); set by
    /// [`serve_tls`].
    pub tls: bool,
    /// Namespaces the namespace picker offers when the cluster refuses to list namespaces
    /// (`--allowed-namespace`).
    pub allowed_namespaces: Vec<String>,
    /// The namespace whose AlertRules are cluster-wide (`--alerts-namespace`, the alerter's
    /// `--namespace`); the rule editor's preview evaluates rules there as the alerter would.
    pub alerts_namespace: String,
    /// Live connections one person may hold open ([`quota::MAX_LIVE_CONNECTIONS`]); a benchmark
    /// of many subscribers, all the same person, raises it.
    pub live_connections_per_person: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            base_path: BasePath::default(),
            hosts: AllowedHosts::default(),
            default_locale: Locale::En,
            body_limit: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            connections: connections::ConnectionLimits::default(),
            resources: ResourcesConfig::default(),
            metrics: MetricsConfig::default(),
            apps: apps::AppsConfig::default(),
            login: session::LoginConfig::default(),
            terminal_idle: Duration::from_secs(30 * 60),
            terminal_shell: None,
            terminal_ping: Duration::from_secs(15),
            node_shell: terminal::NodeShellConfig::default(),
            tls: false,
            allowed_namespaces: Vec::new(),
            alerts_namespace: "default".into(),
            live_connections_per_person: quota::MAX_LIVE_CONNECTIONS,
        }
    }
}

impl ServerConfig {
    #[must_use]
    pub fn base_path(mut self, base_path: BasePath) -> Self {
        self.base_path = base_path;
        self
    }

    #[must_use]
    pub fn hosts(mut self, hosts: AllowedHosts) -> Self {
        self.hosts = hosts;
        self
    }

    #[must_use]
    pub fn default_locale(mut self, locale: Locale) -> Self {
        self.default_locale = locale;
        self
    }

    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    #[must_use]
    pub fn connections(mut self, limits: connections::ConnectionLimits) -> Self {
        self.connections = limits;
        self
    }

    #[must_use]
    pub fn resources(mut self, resources: ResourcesConfig) -> Self {
        self.resources = resources;
        self
    }

    #[must_use]
    pub fn metrics(mut self, metrics: MetricsConfig) -> Self {
        self.metrics = metrics;
        self
    }

    #[must_use]
    pub fn apps(mut self, apps: apps::AppsConfig) -> Self {
        self.apps = apps;
        self
    }

    #[must_use]
    pub fn login(mut self, login: session::LoginConfig) -> Self {
        self.login = login;
        self
    }

    #[must_use]
    pub fn terminal_shell(mut self, shell: Option<String>) -> Self {
        self.terminal_shell = shell.filter(|command| !command.trim().is_empty());
        self
    }

    pub fn terminal_idle(mut self, idle: Duration) -> Self {
        self.terminal_idle = idle;
        self
    }

    #[must_use]
    pub fn terminal_ping(mut self, every: Duration) -> Self {
        self.terminal_ping = every;
        self
    }

    #[must_use]
    pub fn node_shell(mut self, node_shell: terminal::NodeShellConfig) -> Self {
        self.node_shell = node_shell;
        self
    }

    #[must_use]
    pub fn alerts_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.alerts_namespace = namespace.into();
        self
    }

    #[must_use]
    pub fn allowed_namespaces(mut self, namespaces: Vec<String>) -> Self {
        self.allowed_namespaces = namespaces;
        self
    }

    #[must_use]
    pub fn live_connections_per_person(mut self, cap: usize) -> Self {
        self.live_connections_per_person = cap;
        self
    }
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub cluster: Arc<Cluster>,
    pub config: Arc<ServerConfig>,
    /// What each person holds open: live connections, followed logs.
    pub quotas: Arc<quota::Quotas>,
}

impl AppState {
    /// The namespaces this console is configured for (`--allowed-namespace`, its kubeconfig
    /// context's namespace): what it reads one by one when its own identity may not read a kind
    /// cluster-wide. Sorted, without duplicates.
    pub fn configured_namespaces(&self) -> Vec<String> {
        let mut names = self.config.allowed_namespaces.clone();
        names.push(
            self.cluster
                .config_for(&self.cluster.local_person())
                .default_namespace,
        );
        names.retain(|name| !name.is_empty());
        names.sort();
        names.dedup();
        names
    }
}

/// The routes, without the base path; probes sit outside the layers so they stay trivial.
fn router(state: AppState) -> axum::Router {
    let config = state.config.clone();
    // The scraper runs as long as the router (and so the server) does.
    let metrics = Arc::new(Metrics::start(
        state.cluster.clone(),
        config
            .metrics
            .clone()
            .fallback_namespaces(state.configured_namespaces()),
    ));
    let api_and_web = axum::Router::new()
        .merge(version::router())
        .merge(cluster::router())
        .merge(overview::router())
        .merge(namespaces::router())
        .merge(kinds::router())
        .merge(resources::router())
        .merge(live::router())
        .merge(object::router())
        .merge(logs::router())
        .merge(terminal::router(&state))
        .merge(run::router())
        .merge(raw::router())
        .merge(proxy::router())
        .merge(port_forward::router())
        .merge(metrics::router())
        .merge(apps::router(&state))
        .merge(registries::router(&state))
        .merge(alerts::router())
        .merge(session::router())
        .fallback(web::fallback)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(axum::Extension(resource_browser(&state, metrics.clone())))
        .layer(axum::Extension(metrics))
        .layer(axum::Extension(Arc::new(object::Operations::default())))
        .layer(axum::Extension(Arc::new(access::Access::new(
            state.cluster.clone(),
        ))))
        // Inside the same-origin checks, around every route: the person of each request.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::authenticate,
        ));
    let api_and_web = middleware::layers(api_and_web, &config);
    api_and_web
        .merge(health::router())
        // Applies to the routes registered so far, so after the merge: a wrong method on a probe
        // gets the JSON error too.
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(axum::middleware::from_fn(names::guard))
        // Outside everything else, so that nothing runs for a request from elsewhere.
        .layer(axum::middleware::from_fn_with_state(
            config.hosts.clone(),
            same_origin::guard,
        ))
        .with_state(state)
}

/// The kinds and watch caches of the resource browser, reading with the cluster's identity.
fn resource_browser(state: &AppState, metrics: Arc<Metrics>) -> Arc<Resources> {
    Arc::new(
        Resources::new(
            state.cluster.client().clone(),
            state.cluster.info().user.clone(),
            state.config.resources.clone(),
        )
        .metrics(metrics),
    )
}

/// The whole application as a service, mounted under the configured base path.
pub fn app(
    cluster: Arc<Cluster>,
    config: ServerConfig,
) -> impl tower::Service<
    Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone
+ Send
+ 'static {
    let base = config.base_path.clone();
    let tls = config.tls;
    let state = AppState {
        cluster,
        quotas: Arc::new(quota::Quotas::new(config.live_connections_per_person)),
        config: Arc::new(config),
    };
    let app =
        axum::middleware::from_fn_with_state(base, base_path::strip_base_path).layer(router(state));
    axum::middleware::from_fn_with_state(tls, middleware::security_headers).layer(app)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    cluster: Arc<Cluster>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = listening_on(config, &listener);
    let limits = config.connections;
    connections::serve(listener, app(cluster, config), limits, shutdown).await
}

/// [`serve`] over TLS with `tls` (HTTP/2 and HTTP/1.1 by ALPN; its certificate resolver may
/// change the certificate while serving).
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    cluster: Arc<Cluster>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut config = listening_on(config, &listener);
    config.tls = true;
    let limits = config.connections;
    let listener = tls::TlsListener::new(listener, tls)?;
    connections::serve(listener, app(cluster, config), limits, shutdown).await
}

/// The configuration with the listener's own address among the hosts requests may name.
fn listening_on(mut config: ServerConfig, listener: &TcpListener) -> ServerConfig {
    if let Ok(address) = listener.local_addr() {
        config.hosts = config.hosts.listening_on(address);
    }
    config
}
