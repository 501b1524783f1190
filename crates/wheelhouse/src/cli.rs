//! The command line: `wheelhouse [serve] [flags]` and `wheelhouse sim [flags]`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use wheelhouse_server::apps::{IpNet, parse_network};
use wheelhouse_sim::Scenario;

#[derive(Debug, Parser)]
#[command(
    name = "wheelhouse",
    version,
    long_version = wheelhouse_server::version::LONG_VERSION,
    about = "Wheelhouse: a fast, honest Kubernetes web console",
    long_about = "Wheelhouse: a fast, honest Kubernetes web console.\n\n\
        Without a subcommand it runs `serve`. The cluster comes from --demo, else from the kubeconfig \
        (--kubeconfig, KUBECONFIG or ~/.kube/config, with --context), else from the in-cluster \
        service account; with none of them it starts the built-in demo cluster and says so. On the \
        demo cluster an alerter runs in the same process (namespace default, every 10 s), so the \
        sample alert rules fire for its crash-looping pod.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,

    /// Log format on stderr (the level is set with RUST_LOG, e.g. RUST_LOG=debug)
    #[arg(long, env = "WHEELHOUSE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the console (the default)
    Serve(Box<ServeArgs>),
    /// Run the simulated Kubernetes API server alone, for kubectl, helm or a second Wheelhouse
    Sim(Box<SimArgs>),
    /// Evaluate the cluster's AlertRules and send their notifications (a process of its own,
    /// apart from the console; replicas elect a leader with a Lease)
    Alerter(Box<AlerterArgs>),
    /// Forward local TCP ports to a pod or a Service through a running console, as you (one
    /// WebSocket to the console per connection; a replaced pod is followed)
    PortForward(Box<PortForwardArgs>),
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
    wheelhouse port-forward shop/svc/web 8080:80\n  \
    wheelhouse port-forward --console https://console.example.com --token-file token shop/pod/db-0 5432\n\n\
    Each connection to a local port is one WebSocket to the console, which opens the API server's \
    pods/portforward as you. A Service's port is resolved to a ready pod behind it on every new \
    connection, so when the pod is replaced the next connection reaches its successor; a \
    connection that cannot be opened is retried with backoff for 30 s, saying so on stderr.\n\n\
    Credentials: a console on your machine (no --login) writes a token to \
    ~/.cache/wheelhouse/consoles/PORT.token when it starts, used when neither --token nor \
    --token-file is given. With --login token, give your own Kubernetes token. Behind an \
    authenticating proxy, the proxy decides; a console with --login oidc alone takes no tokens.")]
pub struct PortForwardArgs {
    /// The console's URL, with its base path
    #[arg(
        long,
        env = "WHEELHOUSE_CONSOLE",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub console: String,

    /// A bearer token for the console [default: --token-file, else the local console's token]
    #[arg(
        long,
        env = "WHEELHOUSE_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        conflicts_with = "token_file"
    )]
    pub token: Option<String>,

    /// A file holding the bearer token
    #[arg(long, env = "WHEELHOUSE_TOKEN_FILE", value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// PEM certificates to trust for an https console (e.g. the CA of a console with
    /// --tls-self-signed) [default: the system's roots]
    #[arg(long, env = "WHEELHOUSE_CA_FILE", value_name = "PATH")]
    pub ca_file: Option<PathBuf>,

    /// The local address to listen on
    #[arg(
        long,
        env = "WHEELHOUSE_PORT_FORWARD_ADDRESS",
        value_name = "IP",
        default_value = "127.0.0.1"
    )]
    pub address: std::net::IpAddr,

    /// What to forward to: NAMESPACE/pod/NAME, NAMESPACE/svc/NAME or NAMESPACE/service/NAME
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// [LOCAL:]REMOTE, one or more: REMOTE is the pod's container port, or the Service's port
    /// (a number or a port's name); LOCAL is the local port [default: REMOTE's number; 0 picks
    /// one]
    #[arg(value_name = "PORTS", required = true)]
    pub ports: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct AlerterArgs {
    /// Kubeconfig file(s) to read, separated by ':' like KUBECONFIG [default: ~/.kube/config,
    /// else the in-cluster service account]
    #[arg(long, env = "KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<String>,

    /// Kubeconfig context to use [default: its current-context]
    #[arg(long, env = "WHEELHOUSE_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,

    /// The alerter's namespace: AlertRules here are cluster-wide, and its Lease lives here
    /// [default: the service account's namespace in a pod, else wheelhouse]
    #[arg(long, env = "WHEELHOUSE_ALERTER_NAMESPACE", value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// How often every rule is evaluated
    #[arg(long, env = "WHEELHOUSE_ALERTER_INTERVAL", value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,

    /// The Lease replicas elect a leader with
    #[arg(
        long,
        env = "WHEELHOUSE_ALERTER_LEASE",
        value_name = "NAME",
        default_value = "wheelhouse-alerter"
    )]
    pub lease_name: String,

    /// How long the Lease holds without renewal before another replica takes it
    #[arg(long, env = "WHEELHOUSE_ALERTER_LEASE_DURATION", value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub lease_duration: Duration,

    /// This replica's name in the Lease [default: $POD_NAME, else the host name and process id]
    #[arg(long, env = "POD_NAME", value_name = "NAME")]
    pub identity: Option<String>,

    /// Prometheus's URL, for promql and pvcUsage conditions
    #[arg(long, env = "WHEELHOUSE_PROMETHEUS_URL", value_name = "URL")]
    pub prometheus_url: Option<String>,

    /// The console's URL, linked from notifications
    #[arg(long, env = "WHEELHOUSE_CONSOLE_URL", value_name = "URL")]
    pub console_url: Option<String>,

    /// Do not watch TLS Secrets (certificateExpiring rules then say they cannot be evaluated);
    /// for an alerter not granted list/watch on Secrets
    #[arg(long, env = "WHEELHOUSE_ALERTER_WITHOUT_TLS_SECRETS")]
    pub without_tls_secrets: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Kubeconfig file(s) to read, separated by ':' like KUBECONFIG [default: ~/.kube/config]
    #[arg(long, env = "KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<String>,

    /// Kubeconfig context to use [default: its current-context]
    #[arg(long, env = "WHEELHOUSE_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,

    /// Run on the built-in demo cluster (an in-process simulated API server, with an alerter
    /// evaluating its alert rules every 10 s) whatever else is configured
    #[arg(long, env = "WHEELHOUSE_DEMO")]
    pub demo: bool,

    /// Address to listen on; port 0 picks a free port (the URL is printed on stdout)
    #[arg(
        long,
        env = "WHEELHOUSE_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: SocketAddr,

    /// A host name Wheelhouse is reached by besides loopback names and the listen address, e.g.
    /// behind a reverse proxy: console.example.com, or *.example.com for every name under it.
    /// Requests naming any other Host are refused (DNS rebinding); repeat for several (the env
    /// var takes a comma-separated list)
    #[arg(
        long = "allowed-host",
        env = "WHEELHOUSE_ALLOWED_HOSTS",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,

    /// How people sign in: `local` (Wheelhouse acts with the kubeconfig's identity for whoever
    /// connects; only on a loopback address, and the default there), `token` and/or `oidc`
    /// (comma-separated: people sign in and every call carries their credentials), or `proxy` (an
    /// authenticating proxy in front names the person, Wheelhouse impersonates them). Required
    /// when listening on any other address or running in a cluster
    #[arg(
        long,
        env = "WHEELHOUSE_LOGIN",
        value_name = "MODE",
        value_delimiter = ',',
        value_enum
    )]
    pub login: Vec<LoginKind>,

    /// A file holding at least 32 random bytes that session cookies are sealed with; replicas
    /// given the same file share sessions. Without it a key is made at start and sessions end
    /// when Wheelhouse restarts
    #[arg(long, env = "WHEELHOUSE_SESSION_KEY_FILE", value_name = "PATH")]
    pub session_key_file: Option<PathBuf>,

    /// How long a sign-in lasts (OIDC refreshes included)
    #[arg(long, env = "WHEELHOUSE_SESSION_DURATION", value_name = "DURATION", default_value = "8h", value_parser = parse_duration)]
    pub session_duration: Duration,

    /// OIDC: the issuer, exactly as the API server's --oidc-issuer-url
    #[arg(long, env = "WHEELHOUSE_OIDC_ISSUER_URL", value_name = "URL")]
    pub oidc_issuer_url: Option<String>,

    /// OIDC: the client id, one the API server's --oidc-client-id accepts
    #[arg(long, env = "WHEELHOUSE_OIDC_CLIENT_ID", value_name = "ID")]
    pub oidc_client_id: Option<String>,

    /// OIDC: a file holding the client secret (a confidential client; without it PKCE alone)
    #[arg(long, env = "WHEELHOUSE_OIDC_CLIENT_SECRET_FILE", value_name = "PATH")]
    pub oidc_client_secret_file: Option<PathBuf>,

    /// OIDC: the scopes asked for (`offline_access` brings the refresh token that keeps a
    /// session alive past the ID token's lifetime)
    #[arg(
        long,
        env = "WHEELHOUSE_OIDC_SCOPES",
        value_name = "SCOPE",
        value_delimiter = ',',
        default_value = "openid,email,profile,offline_access"
    )]
    pub oidc_scopes: Vec<String>,

    /// OIDC: the redirect URL registered with the issuer [default: this console's
    /// /api/v1/session/oidc/callback at the address the browser used]
    #[arg(long, env = "WHEELHOUSE_OIDC_REDIRECT_URL", value_name = "URL")]
    pub oidc_redirect_url: Option<String>,

    /// Proxy: a file holding the secret the authenticating proxy sends in
    /// --proxy-secret-header; requests without it are refused
    #[arg(long, env = "WHEELHOUSE_PROXY_SECRET_FILE", value_name = "PATH")]
    pub proxy_secret_file: Option<PathBuf>,

    /// Proxy: the header carrying the shared secret
    #[arg(
        long,
        env = "WHEELHOUSE_PROXY_SECRET_HEADER",
        value_name = "NAME",
        default_value = "X-Wheelhouse-Proxy-Secret"
    )]
    pub proxy_secret_header: String,

    /// Proxy: the header naming the user
    #[arg(
        long,
        env = "WHEELHOUSE_PROXY_USER_HEADER",
        value_name = "NAME",
        default_value = "X-Remote-User"
    )]
    pub proxy_user_header: String,

    /// Proxy: the header naming the user's groups (repeated or comma-separated)
    #[arg(
        long,
        env = "WHEELHOUSE_PROXY_GROUP_HEADER",
        value_name = "NAME",
        default_value = "X-Remote-Group"
    )]
    pub proxy_group_header: String,

    /// Path prefix to serve under behind a reverse proxy, e.g. /wheelhouse/
    #[arg(
        long,
        env = "WHEELHOUSE_BASE_PATH",
        value_name = "PATH",
        default_value = "/"
    )]
    pub base_path: String,

    /// Language when the browser's Accept-Language names none Wheelhouse has
    #[arg(long, env = "WHEELHOUSE_DEFAULT_LOCALE", value_enum, default_value_t = DefaultLocale::En)]
    pub default_locale: DefaultLocale,

    /// How often metrics.k8s.io (metrics-server) is scraped, e.g. 30s, 1m
    #[arg(long, env = "WHEELHOUSE_METRICS_INTERVAL", value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub metrics_interval: Duration,

    /// How much metrics history is kept in memory, e.g. 1h, 30m (at most 20,000 scrapes)
    #[arg(long, env = "WHEELHOUSE_METRICS_RETENTION", value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub metrics_retention: Duration,

    /// Prometheus base URL (http) for metrics ranges longer than the retention, e.g. http://prometheus.monitoring:9090
    #[arg(long, env = "WHEELHOUSE_PROMETHEUS_URL", value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// The helm binary the app store runs for installs, upgrades, rollbacks and uninstalls
    /// [default: helm on PATH, else ~/.cache/wheelhouse/tools/bin/helm, where `cargo xtask run`
    /// installs one; without one, those actions are disabled and browsing still works]
    #[arg(long, env = "WHEELHOUSE_HELM_PATH", value_name = "PATH")]
    pub helm_path: Option<PathBuf>,

    /// How long one helm command of the app store may run before it is stopped, in seconds
    #[arg(long, env = "WHEELHOUSE_HELM_TIMEOUT", value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub helm_timeout: u64,

    /// A Helm release the app store may not upgrade, roll back or uninstall, as NAMESPACE/NAME;
    /// repeat for several (the env var takes a comma-separated list)
    #[arg(long = "protected-release", env = "WHEELHOUSE_PROTECTED_RELEASES", value_name = "NAMESPACE/NAME", value_delimiter = ',', value_parser = parse_release)]
    pub protected_releases: Vec<String>,

    /// A namespace the namespace picker offers when the cluster refuses to list namespaces (a
    /// person who may use a few namespaces only); repeat for several (the env var takes a
    /// comma-separated list). The kubeconfig context's namespace is offered too
    #[arg(
        long = "allowed-namespace",
        env = "WHEELHOUSE_ALLOWED_NAMESPACES",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub allowed_namespaces: Vec<String>,

    /// The namespace whose AlertRules are cluster-wide (the alerter's --namespace): the rule
    /// editor's preview lets a rule there watch any namespace and nodes [default: the pod's own
    /// namespace in a cluster, else default]
    #[arg(long, env = "WHEELHOUSE_ALERTS_NAMESPACE", value_name = "NAME", value_parser = parse_namespace)]
    pub alerts_namespace: Option<String>,

    /// The one namespace whose Secrets chart repositories may name as credentials; a Secret
    /// elsewhere is refused and never read [default: the pod's own namespace in a cluster, else wheelhouse]
    #[arg(long, env = "WHEELHOUSE_CREDENTIALS_NAMESPACE", value_name = "NAME", value_parser = parse_namespace)]
    pub credentials_namespace: Option<String>,

    /// A network chart repositories may be fetched from although refused by default (link-local
    /// such as 169.254.169.254; in a cluster also loopback, private and 100.64.0.0/10), e.g.
    /// 10.96.0.0/12 for an in-cluster ChartMuseum; repeat for several (the env var takes a comma-separated list)
    #[arg(long = "allow-repository-network", env = "WHEELHOUSE_ALLOW_REPOSITORY_NETWORKS", value_name = "CIDR", value_delimiter = ',', value_parser = parse_network)]
    pub allow_repository_networks: Vec<IpNet>,

    /// Connections served at once; at the cap the one idle the longest is closed for a new one
    /// (lowered when the process may open fewer files, see `ulimit -n`)
    #[arg(long, env = "WHEELHOUSE_MAX_CONNECTIONS", value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// How long a client may take to send a request's headers (or keep a connection idle), and
    /// may leave what Wheelhouse writes unread before its connection is closed, e.g. 30s
    #[arg(long, env = "WHEELHOUSE_CLIENT_TIMEOUT", value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub client_timeout: Duration,

    /// A command to try after `bash` and `sh` when a terminal opens, for images whose shell is
    /// elsewhere, e.g. "/busybox/sh" (words separated by spaces)
    #[arg(long, env = "WHEELHOUSE_TERMINAL_SHELL", value_name = "COMMAND")]
    pub terminal_shell: Option<String>,

    /// A terminal in a container with no keystroke for this long is closed, e.g. 30m, 2h
    #[arg(long, env = "WHEELHOUSE_TERMINAL_IDLE_TIMEOUT", value_name = "DURATION", default_value = "30m", value_parser = parse_duration)]
    pub terminal_idle_timeout: Duration,

    /// The namespace node shells run in: short-lived privileged pods, so its Pod Security level
    /// must allow privileged pods. Wheelhouse deletes the ones left behind there
    #[arg(long, env = "WHEELHOUSE_NODE_SHELL_NAMESPACE", value_name = "NAME", default_value = "kube-system", value_parser = parse_namespace)]
    pub node_shell_namespace: String,

    /// The image of node shells: one with `nsenter` and a shell
    #[arg(
        long,
        env = "WHEELHOUSE_NODE_SHELL_IMAGE",
        value_name = "IMAGE",
        default_value = "busybox:1.37"
    )]
    pub node_shell_image: String,

    /// Serve HTTPS (HTTP/2 and HTTP/1.1) with this PEM certificate chain, leaf first; with
    /// --tls-key. Both files are read again when they change, without a restart
    #[arg(
        long,
        env = "WHEELHOUSE_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert
    #[arg(
        long,
        env = "WHEELHOUSE_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Serve HTTPS with a certificate Wheelhouse makes: a CA (397 days) and a serving
    /// certificate (90 days) for the --tls-name names, the --allowed-host names and loopback,
    /// renewed when a third of their life is left
    #[arg(long, env = "WHEELHOUSE_TLS_SELF_SIGNED")]
    pub tls_self_signed: bool,

    /// Keep the self-made CA and certificate in this Secret (NAMESPACE/NAME, which must exist),
    /// so every replica serves the same one and a restart keeps it [default: in memory]
    #[arg(long, env = "WHEELHOUSE_TLS_SECRET", value_name = "NAMESPACE/NAME", value_parser = parse_release, requires = "tls_self_signed")]
    pub tls_secret: Option<String>,

    /// A DNS name or IP address the self-made certificate is for (besides the --allowed-host
    /// names and loopback); repeat for several (the env var takes a comma-separated list)
    #[arg(
        long = "tls-name",
        env = "WHEELHOUSE_TLS_NAMES",
        value_name = "NAME",
        value_delimiter = ',',
        requires = "tls_self_signed"
    )]
    pub tls_names: Vec<String>,

    /// How often the certificate files are checked for changes, and the self-made certificate
    /// (and its Secret) for renewal
    #[arg(long, env = "WHEELHOUSE_TLS_CHECK_INTERVAL", value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub tls_check_interval: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// What the simulated cluster contains: `demo` (a small lively cluster with some failures),
    /// `empty` (a fresh cluster) or `scale:PODS[,nodes=N,namespaces=N]` (for benchmarks)
    #[arg(long, env = "WHEELHOUSE_SIM_SCENARIO", value_name = "SCENARIO", default_value = "demo", value_parser = parse_scenario)]
    pub scenario: Scenario,

    /// Address for the simulated API server; port 0 picks a free port
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:0"
    )]
    pub listen: SocketAddr,

    /// Where to write the kubeconfig for it [default: wheelhouse-sim.kubeconfig in the temp dir]
    #[arg(long, env = "WHEELHOUSE_SIM_KUBECONFIG_OUT", value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,

    /// Serve no metrics.k8s.io, like a cluster without metrics-server
    #[arg(long, env = "WHEELHOUSE_SIM_WITHOUT_METRICS_SERVER")]
    pub without_metrics_server: bool,

    /// Accept OIDC ID tokens from this issuer, as kube-apiserver's flag of the same name (the
    /// sim also takes an http:// issuer, which a real API server refuses)
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_OIDC_ISSUER_URL",
        value_name = "URL",
        requires = "oidc_client_id"
    )]
    pub oidc_issuer_url: Option<String>,

    /// The client id ID tokens must be issued for (their `aud`)
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_OIDC_CLIENT_ID",
        value_name = "ID",
        requires = "oidc_issuer_url"
    )]
    pub oidc_client_id: Option<String>,

    /// The claim holding the username
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_OIDC_USERNAME_CLAIM",
        value_name = "CLAIM",
        default_value = "sub",
        requires = "oidc_issuer_url"
    )]
    pub oidc_username_claim: String,

    /// Put before every username; `-` for nothing [default: `<issuer>#`, nothing for `email`]
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_OIDC_USERNAME_PREFIX",
        value_name = "PREFIX",
        requires = "oidc_issuer_url"
    )]
    pub oidc_username_prefix: Option<String>,

    /// The claim holding the groups (a string or a list), e.g. `groups`
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_OIDC_GROUPS_CLAIM",
        value_name = "CLAIM",
        requires = "oidc_issuer_url"
    )]
    pub oidc_groups_claim: Option<String>,

    /// Put before every group
    #[arg(
        long,
        env = "WHEELHOUSE_SIM_OIDC_GROUPS_PREFIX",
        value_name = "PREFIX",
        requires = "oidc_groups_claim"
    )]
    pub oidc_groups_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    Text,
    /// One JSON object per line
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LoginKind {
    /// The kubeconfig's identity (loopback only)
    Local,
    /// A bearer token, checked by the API server
    Token,
    /// OpenID Connect against the issuer the API server trusts
    Oidc,
    /// An authenticating proxy names the person
    Proxy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DefaultLocale {
    /// English
    En,
    /// Simplified Chinese
    #[value(name = "zh-CN")]
    ZhCn,
}

/// `500ms`, `30s`, `5m`, `1h`, `1d`: a whole number and a unit.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: ms, s, m, h or d (e.g. 30s)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30s, 5m or 1h"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.saturating_mul(60)),
        "h" => Duration::from_secs(number.saturating_mul(3_600)),
        "d" => Duration::from_secs(number.saturating_mul(86_400)),
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}: use ms, s, m, h or d"
            ));
        }
    };
    if duration.is_zero() {
        return Err(format!("{text:?} must be longer than zero"));
    }
    Ok(duration)
}

fn parse_release(text: &str) -> Result<String, String> {
    match text.split_once('/') {
        Some((namespace, name))
            if !namespace.is_empty() && !name.is_empty() && !name.contains('/') =>
        {
            Ok(text.to_string())
        }
        _ => Err(format!("{text:?} is not NAMESPACE/NAME")),
    }
}

fn parse_namespace(text: &str) -> Result<String, String> {
    let label = text.len() <= 63
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    label.then(|| text.to_string()).ok_or_else(|| {
        format!("{text:?} is not a namespace name (lowercase letters, digits and '-')")
    })
}

fn parse_scenario(text: &str) -> Result<Scenario, String> {
    text.parse::<Scenario>().map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn serve_is_the_default_and_its_flags_work_without_the_subcommand() {
        let cli = Cli::try_parse_from([
            "wheelhouse",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--base-path",
            "/sub",
        ])
        .expect("parses");
        assert!(cli.command.is_none());
        assert!(cli.serve.demo);
        assert_eq!(cli.serve.listen.port(), 0);
        assert_eq!(cli.serve.base_path, "/sub");
    }

    #[test]
    fn protected_releases_repeat_and_must_name_namespace_and_release() {
        let cli = Cli::try_parse_from([
            "wheelhouse",
            "--helm-path",
            "/opt/helm",
            "--protected-release",
            "kube-system/cilium",
            "--protected-release",
            "monitoring/prometheus",
        ])
        .expect("parses");
        assert_eq!(
            cli.serve.protected_releases,
            vec!["kube-system/cilium", "monitoring/prometheus"]
        );
        assert_eq!(cli.serve.helm_path, Some(PathBuf::from("/opt/helm")));
        assert_eq!(cli.serve.helm_timeout, 300);
        assert!(Cli::try_parse_from(["wheelhouse", "--helm-timeout", "0"]).is_err());
        for bad in ["cilium", "/cilium", "kube-system/", "a/b/c"] {
            let error = Cli::try_parse_from(["wheelhouse", "--protected-release", bad])
                .expect_err("refused");
            assert!(error.to_string().contains("NAMESPACE/NAME"), "{error}");
        }
    }

    #[test]
    fn repository_networks_repeat_and_the_credentials_namespace_is_a_name() {
        let cli = Cli::try_parse_from([
            "wheelhouse",
            "--credentials-namespace",
            "charts",
            "--allow-repository-network",
            "10.96.0.0/12",
            "--allow-repository-network",
            "169.254.169.254",
        ])
        .expect("parses");
        assert_eq!(cli.serve.credentials_namespace.as_deref(), Some("charts"));
        let networks: Vec<String> = cli
            .serve
            .allow_repository_networks
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(networks, vec!["10.96.0.0/12", "169.254.169.254/32"]);
        assert!(
            Cli::try_parse_from(["wheelhouse", "--allow-repository-network", "intranet"]).is_err()
        );
        assert!(
            Cli::try_parse_from(["wheelhouse", "--credentials-namespace", "Kube_System"]).is_err()
        );
    }

    #[test]
    fn the_sim_subcommand_takes_its_own_flags() {
        let cli = Cli::try_parse_from([
            "wheelhouse",
            "sim",
            "--scenario",
            "demo",
            "--kubeconfig-out",
            "/tmp/k",
        ])
        .expect("parses");
        let Some(Command::Sim(args)) = cli.command else {
            panic!("sim subcommand expected")
        };
        assert_eq!(args.kubeconfig_out, Some(PathBuf::from("/tmp/k")));
        assert_eq!(args.scenario, Scenario::Demo);
        assert!(
            Cli::try_parse_from(["wheelhouse", "sim", "--scenario", "chaos"]).is_err(),
            "unknown scenarios are refused"
        );
    }

    #[test]
    fn the_sim_takes_the_apiservers_oidc_flags_and_needs_issuer_and_client_together() {
        let cli = Cli::try_parse_from([
            "wheelhouse",
            "sim",
            "--oidc-issuer-url",
            "https://login.example.com",
            "--oidc-client-id",
            "wheelhouse",
            "--oidc-groups-claim",
            "groups",
            "--oidc-username-prefix",
            "-",
        ])
        .expect("parses");
        let Some(Command::Sim(args)) = cli.command else {
            panic!("sim subcommand expected")
        };
        assert_eq!(
            (
                args.oidc_issuer_url.as_deref(),
                args.oidc_client_id.as_deref(),
                args.oidc_username_claim.as_str(),
                args.oidc_username_prefix.as_deref(),
                args.oidc_groups_claim.as_deref(),
            ),
            (
                Some("https://login.example.com"),
                Some("wheelhouse"),
                "sub",
                Some("-"),
                Some("groups")
            )
        );
        let alone = [
            "wheelhouse",
            "sim",
            "--oidc-issuer-url",
            "https://login.example.com",
        ];
        assert!(Cli::try_parse_from(alone).is_err(), "no client id");
        let alone = ["wheelhouse", "sim", "--oidc-client-id", "wheelhouse"];
        assert!(Cli::try_parse_from(alone).is_err(), "no issuer");
    }

    #[test]
    fn metrics_flags_take_durations_with_units() {
        let cli = Cli::try_parse_from([
            "wheelhouse",
            "--metrics-interval",
            "15s",
            "--metrics-retention",
            "6h",
        ])
        .expect("parses");
        assert_eq!(cli.serve.metrics_interval, Duration::from_secs(15));
        assert_eq!(cli.serve.metrics_retention, Duration::from_secs(6 * 3600));
        let defaults = Cli::try_parse_from(["wheelhouse"]).expect("parses");
        assert_eq!(defaults.serve.metrics_interval, Duration::from_secs(30));
        assert_eq!(defaults.serve.metrics_retention, Duration::from_secs(3600));
        for bad in ["30", "0s", "1w", "fast"] {
            assert!(
                Cli::try_parse_from(["wheelhouse", "--metrics-interval", bad]).is_err(),
                "{bad} is refused"
            );
        }
    }

    #[test]
    fn the_default_locale_accepts_zh_cn() {
        let cli = Cli::try_parse_from(["wheelhouse", "serve", "--default-locale", "zh-CN"])
            .expect("parses");
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve subcommand expected")
        };
        assert_eq!(args.default_locale, DefaultLocale::ZhCn);
    }
}
