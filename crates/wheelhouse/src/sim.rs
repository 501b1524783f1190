//! `wheelhouse sim`: the simulated API server alone, with a kubeconfig for kubectl and helm.

use std::path::Path;

use anyhow::Context as _;
use wheelhouse_sim::{Sim, SimConfig};

use crate::cli::SimArgs;
use crate::shutdown;

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let scenario = args.scenario.to_string();
    let sim = Sim::start(
        SimConfig::default()
            .scenario(args.scenario)
            .listen(args.listen)
            .metrics_server(!args.without_metrics_server),
    )
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
    shutdown::signal().await;
    sim.shutdown().await;
    tracing::info!("simulated API server stopped");
    Ok(())
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
