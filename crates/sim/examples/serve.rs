//! Serves the sim on its own for trying kubectl and helm by hand:
//! `cargo run -p wheelhouse-sim --example serve -- demo /tmp/sim.kubeconfig [user]`
//! (`SIM_CONTROLLERS=0` leaves the controllers off).

use wheelhouse_sim::{Scenario, Sim, SimConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let scenario: Scenario = args.next().unwrap_or_else(|| "demo".into()).parse()?;
    let path = args.next().unwrap_or_else(|| "sim.kubeconfig".into());
    let user = args.next().unwrap_or_else(|| "admin".into());
    let controllers = std::env::var("SIM_CONTROLLERS").map_or(true, |v| v != "0");
    let sim = Sim::start(
        SimConfig::default()
            .scenario(scenario)
            .controllers(controllers),
    )
    .await?;
    std::fs::write(&path, sim.kubeconfig_yaml(&user))?;
    println!("serving {} — kubeconfig for {user} in {path}", sim.url());
    tokio::signal::ctrl_c().await?;
    sim.shutdown().await;
    Ok(())
}
