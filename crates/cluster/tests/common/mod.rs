//! What the cluster crate's tests share: a sim holding only what a test puts in it, and a client
//! acting as its admin.

#![allow(dead_code)] // each test file uses a different part

use kube::config::Kubeconfig;
use wheelhouse_cluster::ClusterSource;
use wheelhouse_sim::{Scenario, Sim, SimConfig};

/// A sim with no objects and no controllers: nothing changes unless the test changes it.
pub async fn quiet_sim() -> Sim {
    Sim::start(
        SimConfig::default()
            .scenario(Scenario::Empty)
            .controllers(false),
    )
    .await
    .expect("the sim starts")
}

/// A client on `sim` acting as its admin, built as Wheelhouse builds its own.
pub async fn client(sim: &Sim) -> kube::Client {
    client_as(sim, "admin").await
}

/// A client on `sim` acting as `user` of its token table.
pub async fn client_as(sim: &Sim, user: &str) -> kube::Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig_yaml(user)).expect("kubeconfig parses");
    let source = ClusterSource::Kubeconfig {
        kubeconfig: Box::new(kubeconfig),
        context: None,
    };
    wheelhouse_cluster::connect(source)
        .await
        .expect("client builds")
        .client
}
