//! `wheelhouse alerter`: connects with its own identity (a kubeconfig, else the pod's service
//! account) and runs the alerter until SIGTERM or SIGINT.

use anyhow::Context;
use wheelhouse_alerts::AlerterConfig;
use wheelhouse_cluster::ClusterSource;

use crate::cli::AlerterArgs;
use crate::serve::Environment;

/// The namespace when neither the flag nor a service account says.
const DEFAULT_NAMESPACE: &str = "wheelhouse";

pub async fn run(args: AlerterArgs) -> anyhow::Result<()> {
    let environment = Environment::of_this_machine();
    let source = source(&args, &environment)?;
    let connection = wheelhouse_cluster::connect(source)
        .await
        .context("cannot connect to the cluster")?;
    let namespace = args
        .namespace
        .clone()
        .or_else(|| crate::serve::pod_namespace(&environment))
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let identity = args.identity.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "alerter".into());
        format!("{host}-{}", std::process::id())
    });
    if args.interval.is_zero() || args.lease_duration < std::time::Duration::from_secs(3) {
        anyhow::bail!("--interval must be positive and --lease-duration at least 3s");
    }
    let config = AlerterConfig {
        namespace,
        interval: args.interval,
        identity,
        lease_name: args.lease_name.clone(),
        lease_duration: args.lease_duration,
        prometheus_url: args.prometheus_url.clone(),
        console_url: args.console_url.clone(),
        watch_tls_secrets: !args.without_tls_secrets,
    };
    tracing::info!(
        cluster = %connection.info.server,
        namespace = %config.namespace,
        identity = %config.identity,
        interval_s = config.interval.as_secs_f64(),
        "alerter starting; it evaluates and notifies while it holds the Lease {}",
        config.lease_name
    );
    eprintln!(
        "Wheelhouse alerter for {} (namespace {}, as {})",
        connection.info.server, config.namespace, config.identity
    );
    wheelhouse_alerts::run(connection.client, config, crate::shutdown::signal())
        .await
        .map_err(anyhow::Error::from)
}

/// The kubeconfig when there is one, else the pod's service account; never the demo cluster.
fn source(args: &AlerterArgs, environment: &Environment) -> anyhow::Result<ClusterSource> {
    crate::serve::cluster_source(args.kubeconfig.as_deref(), args.context.as_ref(), environment)?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no kubeconfig (--kubeconfig, KUBECONFIG, ~/.kube/config) and no in-cluster service account: the alerter needs a cluster"
            )
        })
}
