//! `wheelhouse serve`: chooses the cluster, starts the server and stops cleanly on a signal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;
use wheelhouse_cluster::metrics::MetricsConfig;
use wheelhouse_cluster::metrics::prometheus::PrometheusConfig;
use wheelhouse_cluster::{Cluster, ClusterSource, Connection, MonitorConfig};
use wheelhouse_server::apps::{
    AppsConfig, DEFAULT_CREDENTIALS_NAMESPACE, HelmRuns, RepositoryNetwork,
};
use wheelhouse_server::connections::ConnectionLimits;
use wheelhouse_server::{AllowedHosts, BasePath, Locale, ServerConfig};
use wheelhouse_sim::{Scenario, Sim, SimConfig};

use crate::cli::{DefaultLocale, ServeArgs};
use crate::shutdown;

/// Where the in-cluster service account's token is mounted.
const SERVICE_ACCOUNT_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";
/// The pod's namespace, mounted next to the token.
const SERVICE_ACCOUNT_NAMESPACE: &str = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
/// How long requests in flight may take to finish after SIGTERM or SIGINT.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);
/// How much longer than --helm-timeout a stop waits for helm commands (to read their outcome).
const HELM_GRACE_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);
/// The user the demo cluster's kubeconfig acts as.
const DEMO_USER: &str = "admin";

/// Which cluster to serve, decided from the flags and what exists on this machine.
#[derive(Debug)]
enum Choice {
    /// The built-in demo cluster, with the reason it was chosen.
    Demo(&'static str),
    Cluster(ClusterSource),
}

/// What the choice depends on besides the flags, so it can be tested.
pub(crate) struct Environment {
    pub(crate) home_kubeconfig: Option<PathBuf>,
    pub(crate) in_cluster: bool,
}

impl Environment {
    pub(crate) fn of_this_machine() -> Self {
        Self {
            home_kubeconfig: std::env::home_dir().map(|home| home.join(".kube").join("config")),
            in_cluster: std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
                && Path::new(SERVICE_ACCOUNT_TOKEN).exists(),
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let base_path = BasePath::parse(&args.base_path)
        .map_err(anyhow::Error::msg)
        .context("invalid --base-path")?;
    let samples = args.metrics_retention.as_millis() / args.metrics_interval.as_millis().max(1);
    if args.metrics_retention < args.metrics_interval || samples > 20_000 {
        anyhow::bail!(
            "--metrics-retention ({:?}) must cover at least one --metrics-interval ({:?}) and at most 20,000 of them",
            args.metrics_retention,
            args.metrics_interval
        );
    }
    if let Some(url) = &args.prometheus_url
        && !url.starts_with("http://")
    {
        anyhow::bail!(
            "--prometheus-url must be an http:// URL (Wheelhouse talks to Prometheus without TLS), not {url:?}"
        );
    }
    let hosts = args
        .allowed_hosts
        .iter()
        .try_fold(AllowedHosts::default(), |hosts, name| hosts.allow(name))
        .map_err(anyhow::Error::msg)
        .context("invalid --allowed-host")?;
    let environment = Environment::of_this_machine();
    // Shared with the app store, to wait for its helm commands when asked to stop.
    let helm_runs = HelmRuns::default();
    let config = ServerConfig::default()
        .hosts(hosts)
        .metrics(
            MetricsConfig::default()
                .interval(args.metrics_interval)
                .retention(args.metrics_retention)
                .prometheus(args.prometheus_url.clone().map(PrometheusConfig::new)),
        )
        .base_path(base_path.clone())
        .default_locale(match args.default_locale {
            DefaultLocale::En => Locale::En,
            DefaultLocale::ZhCn => Locale::ZhCn,
        })
        .apps(apps_config(&args, &environment).helm_runs(helm_runs.clone()))
        .terminal_idle(args.terminal_idle_timeout)
        .terminal_shell(args.terminal_shell.clone())
        .connections(
            ConnectionLimits::default()
                .max(usize::try_from(args.max_connections).unwrap_or(usize::MAX))
                .header_read(args.client_timeout)
                .write_stall(args.client_timeout),
        )
        .node_shell(wheelhouse_server::terminal::NodeShellConfig {
            namespace: args.node_shell_namespace.clone(),
            image: args.node_shell_image.clone(),
        })
        .allowed_namespaces(args.allowed_namespaces.clone())
        .alerts_namespace(alerts_namespace(&args, &environment));

    let choice = choose(&args, &environment)?;
    let in_cluster = matches!(choice, Choice::Cluster(ClusterSource::InCluster));
    let login = crate::login::config(&args, args.listen, in_cluster)?;
    tracing::info!(
        login = login.mode.name(),
        session_key = ?login.key.origin,
        "who may use the console"
    );
    if matches!(
        login.key.origin,
        wheelhouse_server::session::KeyOrigin::Random
    ) && !matches!(login.mode, wheelhouse_server::session::LoginMode::Local)
    {
        tracing::warn!(
            "no --session-key-file: sessions are sealed with a key made at start, so they end when \
             Wheelhouse restarts and replicas cannot share them"
        );
    }
    let mut login = login;
    // In local mode the command line proves itself with a token only this user can read.
    if matches!(login.mode, wheelhouse_server::session::LoginMode::Local) {
        login.command_line_token = Some(crate::console_token::generate());
    }
    let command_line_token = login.command_line_token.clone();
    let config = config.login(login);
    let mut demo_sim = None;
    let mut demo_alerter = None;
    let connection = match choice {
        Choice::Cluster(source) => wheelhouse_cluster::connect(source).await?,
        Choice::Demo(reason) => {
            let (sim, connection) = start_demo().await?;
            tracing::warn!(
                "DEMO MODE — Wheelhouse is running on its built-in demo cluster, a simulated API server at {} with \
                 made-up nodes and workloads; nothing you see is real ({reason}). Point it at a real cluster with \
                 --kubeconfig/--context or KUBECONFIG.",
                sim.url()
            );
            demo_sim = Some(sim);
            demo_alerter = Some(start_demo_alerter(connection.client.clone()));
            connection
        }
    };
    tracing::info!(
        cluster = %connection.info.name,
        server = %connection.info.server,
        user = %connection.info.user,
        demo = connection.info.demo,
        "using cluster"
    );
    let cluster = Arc::new(Cluster::start(connection, MonitorConfig::default()));

    let tls = match crate::tls::Source::of(&args) {
        Some(source) => Some(
            crate::tls::start(
                source,
                wheelhouse_cluster::calls::Calls::new(cluster.client().clone()),
                args.tls_check_interval,
            )
            .await?,
        ),
        None => None,
    };

    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let token_file = match &command_line_token {
        Some(token) => match crate::console_token::write(address.port(), token) {
            Ok(path) => {
                tracing::info!(path = %path.display(), "the token for `wheelhouse port-forward` is written");
                Some(path)
            }
            Err(error) => {
                tracing::warn!("{error:#}; `wheelhouse port-forward` cannot reach this console");
                None
            }
        },
        None => None,
    };
    // Listening before the line below is printed: whoever waits for it may signal at once.
    let stop_signal = shutdown::signal();
    // The e2e runner and the tests read this line; keep its shape.
    println!("Wheelhouse is listening on {scheme}://{address}{base_path}");
    tracing::info!(%address, base_path = %base_path, web = wheelhouse_server::web::WEB_DIST_SOURCE, "serving");

    // On a signal, requests in flight may finish; connections still open after the grace period
    // (a stuck client, later a long-lived stream) do not keep the process alive.
    let (signalled, on_signal) = tokio::sync::oneshot::channel::<()>();
    let stop = async move {
        stop_signal.await;
        let _ = signalled.send(());
    };
    let server = async {
        match tls {
            Some(tls) => {
                wheelhouse_server::serve_tls(listener, tls, cluster.clone(), config, stop).await
            }
            None => wheelhouse_server::serve(listener, cluster.clone(), config, stop).await,
        }
    };
    let grace_over = async move {
        if on_signal.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        served = server => served.context("the server failed")?,
        () = grace_over => tracing::warn!(
            "connections were still open {} seconds after the signal; stopping anyway",
            SHUTDOWN_GRACE.as_secs()
        ),
    }

    // A helm killed mid-operation leaves its release `pending-*`, and helm then refuses every
    // later change to it: let them finish (each stops at --helm-timeout anyway).
    let running = helm_runs.running();
    if running > 0 {
        let within = std::time::Duration::from_secs(args.helm_timeout) + HELM_GRACE_MARGIN;
        tracing::info!(
            running,
            "waiting for helm commands to finish before stopping, so that no release is left pending (at most {} s)",
            within.as_secs()
        );
        if helm_runs.finished(within).await {
            tracing::info!("the helm commands have finished");
        } else {
            tracing::warn!(
                running = helm_runs.running(),
                "helm commands were still running after --helm-timeout; stopping anyway (their releases may be left pending)"
            );
        }
    }

    // The token dies with the console; a later console on this port writes its own.
    if let Some(path) = token_file {
        let _ = std::fs::remove_file(path);
    }
    drop(cluster);
    if let Some((stop, alerter)) = demo_alerter {
        let _ = stop.send(());
        let _ = alerter.await;
    }
    if let Some(sim) = demo_sim {
        sim.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// How often the demo's in-process alerter evaluates the rules: often, so a first-time user sees
/// the sample rules fire within seconds.
const DEMO_ALERTER_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);
/// The namespace of cluster-wide rules when neither the flag nor a pod says: the demo cluster's
/// sample rules live there.
const DEFAULT_ALERTS_NAMESPACE: &str = "default";

/// `--alerts-namespace`, else the pod's own namespace, else `default`.
fn alerts_namespace(args: &ServeArgs, environment: &Environment) -> String {
    args.alerts_namespace
        .clone()
        .or_else(|| pod_namespace(environment))
        .unwrap_or_else(|| DEFAULT_ALERTS_NAMESPACE.to_string())
}

/// Runs the alerter in this process against the demo cluster (namespace `default`, where its
/// sample rules are), so alerting works on the demo as it would with `wheelhouse alerter`
/// deployed; stopped through the sender.
fn start_demo_alerter(
    client: kube::Client,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let config = wheelhouse_alerts::AlerterConfig {
        namespace: DEFAULT_ALERTS_NAMESPACE.into(),
        interval: DEMO_ALERTER_INTERVAL,
        identity: format!("demo-{}", std::process::id()),
        lease_name: "wheelhouse-alerter".into(),
        lease_duration: std::time::Duration::from_secs(15),
        prometheus_url: None,
        console_url: None,
        watch_tls_secrets: true,
    };
    tracing::info!(
        "the demo cluster's alerter runs in this process: it evaluates the AlertRules every {} s",
        DEMO_ALERTER_INTERVAL.as_secs()
    );
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = stopped.await;
        };
        if let Err(error) = wheelhouse_alerts::run(client, config, stop).await {
            tracing::error!("the demo cluster's alerter stopped: {error}");
        }
    });
    (stop, task)
}

/// The app store's flags; in a pod, repositories may not reach the pod's neighbours and
/// credentials come from the pod's own namespace unless the flags say otherwise.
fn apps_config(args: &ServeArgs, environment: &Environment) -> AppsConfig {
    let credentials_namespace = args
        .credentials_namespace
        .clone()
        .or_else(|| pod_namespace(environment))
        .unwrap_or_else(|| DEFAULT_CREDENTIALS_NAMESPACE.to_string());
    AppsConfig::default()
        .helm_path(args.helm_path.clone())
        .protected_releases(args.protected_releases.clone())
        .operation_timeout(std::time::Duration::from_secs(args.helm_timeout))
        .credentials_namespace(credentials_namespace)
        .repository_network(
            RepositoryNetwork::default()
                .in_cluster(environment.in_cluster)
                .allow(args.allow_repository_networks.clone()),
        )
}

/// `--demo`, else the kubeconfig, else the service account, else the demo (said loudly by the caller).
fn choose(args: &ServeArgs, environment: &Environment) -> anyhow::Result<Choice> {
    if args.demo {
        return Ok(Choice::Demo("--demo was given"));
    }
    Ok(
        match cluster_source(
            args.kubeconfig.as_deref(),
            args.context.as_ref(),
            environment,
        )? {
            Some(source) => Choice::Cluster(source),
            None => Choice::Demo(
                "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and no in-cluster service account were found",
            ),
        },
    )
}

/// The kubeconfig (`--kubeconfig`, else ~/.kube/config), else the pod's service account; `None`
/// when there is neither. A `--context` without a kubeconfig is an error.
pub(crate) fn cluster_source(
    kubeconfig: Option<&str>,
    context: Option<&String>,
    environment: &Environment,
) -> anyhow::Result<Option<ClusterSource>> {
    let explicit: Vec<PathBuf> = kubeconfig
        .map(|paths| std::env::split_paths(paths).collect())
        .unwrap_or_default();
    let paths = if explicit.iter().any(|p| !p.as_os_str().is_empty()) {
        explicit
    } else {
        environment
            .home_kubeconfig
            .iter()
            .filter(|p| p.is_file())
            .cloned()
            .collect()
    };
    if !paths.is_empty() {
        let kubeconfig = wheelhouse_cluster::read_kubeconfig(&paths)?;
        return Ok(Some(ClusterSource::Kubeconfig {
            kubeconfig: Box::new(kubeconfig),
            context: context.cloned(),
        }));
    }
    if let Some(context) = context {
        anyhow::bail!(
            "--context {context} was given but there is no kubeconfig: pass --kubeconfig or set KUBECONFIG"
        );
    }
    Ok(environment.in_cluster.then_some(ClusterSource::InCluster))
}

/// The namespace of the pod this runs in, when it runs in one.
pub(crate) fn pod_namespace(environment: &Environment) -> Option<String> {
    environment
        .in_cluster
        .then(|| std::fs::read_to_string(SERVICE_ACCOUNT_NAMESPACE).ok())
        .flatten()
        .map(|namespace| namespace.trim().to_string())
        .filter(|namespace| !namespace.is_empty())
}

/// Starts the simulated cluster in this process and connects to it over HTTP like any cluster.
///
/// Its tokens are new on every start: its API server listens on loopback, and a page that found
/// the port (by DNS rebinding, say) must not know a token that works there.
async fn start_demo() -> anyhow::Result<(Sim, Connection)> {
    let users = wheelhouse_sim::api::auth::default_users()
        .into_iter()
        .map(|user| wheelhouse_sim::api::auth::User {
            token: format!("{}-{}", user.name, uuid::Uuid::new_v4().simple()),
            ..user
        })
        .collect();
    let sim = Sim::start(SimConfig::default().scenario(Scenario::Demo).users(users))
        .await
        .context("cannot start the demo cluster")?;
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&sim.kubeconfig_yaml(DEMO_USER))
        .context("the demo cluster's kubeconfig cannot be read")?;
    let source = ClusterSource::Kubeconfig {
        kubeconfig: Box::new(kubeconfig),
        context: None,
    };
    let connection = wheelhouse_cluster::connect(source).await?.demo(true);
    Ok((sim, connection))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\ncurrent-context: dev\nclusters:\n- name: dev\n  cluster: {server: \"https://dev:6443\"}\ncontexts:\n- name: dev\n  context: {cluster: dev, user: alice}\nusers:\n- name: alice\n  user: {token: t}\n";

    fn args(flags: &[&str]) -> ServeArgs {
        let argv = std::iter::once("wheelhouse").chain(flags.iter().copied());
        Cli::try_parse_from(argv).expect("flags parse").serve
    }

    fn nothing() -> Environment {
        Environment {
            home_kubeconfig: None,
            in_cluster: false,
        }
    }

    fn kubeconfig_file() -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), KUBECONFIG).expect("write kubeconfig");
        file
    }

    #[test]
    fn demo_is_chosen_when_asked_even_with_a_kubeconfig() {
        let file = kubeconfig_file();
        let path = file.path().display().to_string();
        assert!(matches!(
            choose(&args(&["--demo", "--kubeconfig", &path]), &nothing()),
            Ok(Choice::Demo(_))
        ));
    }

    #[test]
    fn an_explicit_kubeconfig_is_used() {
        let file = kubeconfig_file();
        let path = file.path().display().to_string();
        let choice = choose(&args(&["--kubeconfig", &path]), &nothing()).expect("readable");
        assert!(matches!(
            choice,
            Choice::Cluster(ClusterSource::Kubeconfig { .. })
        ));
    }

    #[test]
    fn a_missing_explicit_kubeconfig_is_an_error_not_the_demo() {
        let error = choose(&args(&["--kubeconfig", "/nonexistent/config"]), &nothing())
            .expect_err("missing file");
        assert!(error.to_string().contains("/nonexistent/config"), "{error}");
    }

    #[test]
    fn the_home_kubeconfig_is_used_when_none_is_given() {
        let file = kubeconfig_file();
        let environment = Environment {
            home_kubeconfig: Some(file.path().to_path_buf()),
            in_cluster: true,
        };
        assert!(matches!(
            choose(&args(&[]), &environment),
            Ok(Choice::Cluster(ClusterSource::Kubeconfig { .. }))
        ));
    }

    #[test]
    fn the_service_account_is_used_in_a_pod_without_kubeconfig() {
        let environment = Environment {
            home_kubeconfig: Some("/nonexistent/.kube/config".into()),
            in_cluster: true,
        };
        assert!(matches!(
            choose(&args(&[]), &environment),
            Ok(Choice::Cluster(ClusterSource::InCluster))
        ));
    }

    #[test]
    fn with_nothing_configured_the_demo_starts() {
        assert!(matches!(
            choose(&args(&[]), &nothing()),
            Ok(Choice::Demo(_))
        ));
    }

    #[test]
    fn on_a_laptop_credentials_come_from_wheelhouse_and_loopback_repositories_work() {
        let config = apps_config(&args(&[]), &nothing());
        assert_eq!(config.credentials_namespace, "wheelhouse");
        assert!(!config.repository_network.in_cluster);
        let config = apps_config(
            &args(&[
                "--credentials-namespace",
                "charts",
                "--allow-repository-network",
                "10.0.0.0/8",
            ]),
            &nothing(),
        );
        assert_eq!(config.credentials_namespace, "charts");
        assert_eq!(config.repository_network.allowed.len(), 1);
    }

    #[test]
    fn a_context_without_any_kubeconfig_is_an_error() {
        assert!(choose(&args(&["--context", "prod"]), &nothing()).is_err());
    }
}
