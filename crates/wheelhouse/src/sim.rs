//! `wheelhouse sim`: the simulated API server alone, with a kubeconfig for kubectl and helm.

use std::path::Path;

use anyhow::Context as _;
use wheelhouse_sim::{OidcConfig, Sim, SimConfig};

use crate::cli::SimArgs;
use crate::shutdown;

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let scenario = args.scenario.to_string();
    let mut config = SimConfig::default()
        .scenario(args.scenario.clone())
        .listen(args.listen)
        .metrics_server(!args.without_metrics_server);
    if let Some(oidc) = oidc(&args) {
        println!(
            "Accepting ID tokens of {} for the client {}",
            oidc.issuer_url, oidc.client_id
        );
        config = config.oidc(oidc);
    }
    // Listening before the lines below are printed: whoever waits for them may signal at once.
    let stop = shutdown::signal();
    let sim = Sim::start(config)
        .await
        .context("cannot start the simulated API server")?;
    let path = args
        .kubeconfig_out
        .unwrap_or_else(|| std::env::temp_dir().join("wheelhouse-sim.kubeconfig"));
    write_private(&path, &sim.kubeconfig_yaml("admin"))
        .with_context(|| format!("cannot write the kubeconfig to {}", path.display()))?;
    println!(
        "Simulated Kubernetes API server ({scenario} scenario) is listening on {}",
        sim.url()
    );
    println!("Kubeconfig written to {}", path.display());
    println!(
        "Use it:  export KUBECONFIG={}; kubectl get pods -A",
        path.display()
    );
    println!("Stop it with Ctrl-C.");
    tracing::info!(url = %sim.url(), kubeconfig = %path.display(), "simulated API server running");
    stop.await;
    sim.shutdown().await;
    tracing::info!("simulated API server stopped");
    Ok(())
}

/// The OIDC settings of the `--oidc-*` flags, when an issuer is given (clap makes sure the
/// client id is too).
fn oidc(args: &SimArgs) -> Option<OidcConfig> {
    let issuer = args.oidc_issuer_url.as_deref()?;
    let client_id = args.oidc_client_id.as_deref()?;
    let mut oidc = OidcConfig::new(issuer, client_id).username_claim(&args.oidc_username_claim);
    if let Some(prefix) = &args.oidc_username_prefix {
        oidc = oidc.username_prefix(prefix);
    }
    if let Some(claim) = &args.oidc_groups_claim {
        oidc = oidc.groups_claim(claim);
    }
    if let Some(prefix) = &args.oidc_groups_prefix {
        oidc = oidc.groups_prefix(prefix);
    }
    Some(oidc)
}

/// Writes the file readable by its owner only: it holds a token.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    std::fs::write(path, contents)
}
