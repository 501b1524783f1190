//! One connected cluster as the server sees it: what it is, whether it answers, and its caches.

use std::time::Duration;

use kube::Client;
use tokio::sync::watch;

use crate::{
    Caches, ClusterInfo, Connection, ConnectionMonitor, ConnectionProblem, ConnectionState, Error,
    MonitorConfig, ProblemReason, Result,
};

/// A cluster with its connection monitor and watch caches; stops both when dropped.
pub struct Cluster {
    info: ClusterInfo,
    client: Client,
    config: kube::Config,
    monitor: ConnectionMonitor,
    caches: Caches,
    first_check_timeout: Duration,
}

impl Cluster {
    /// Starts monitoring the connection; caches start when first read.
    pub fn start(connection: Connection, config: MonitorConfig) -> Self {
        let Connection {
            client,
            info,
            config: client_config,
        } = connection;
        let first_check_timeout = config.check_timeout + Duration::from_secs(1);
        let monitor = ConnectionMonitor::start(client.clone(), info.clone(), config);
        Self {
            caches: Caches::new(client.clone()),
            info,
            client,
            config: client_config,
            monitor,
            first_check_timeout,
        }
    }

    pub fn info(&self) -> &ClusterInfo {
        &self.info
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The address, CA and credentials the client uses (for helm's kubeconfig).
    pub fn config(&self) -> &kube::Config {
        &self.config
    }

    pub fn caches(&self) -> &Caches {
        &self.caches
    }

    /// The connection state after the monitor's last check.
    pub fn state(&self) -> ConnectionState {
        self.monitor.state()
    }

    pub fn subscribe(&self) -> watch::Receiver<ConnectionState> {
        self.monitor.subscribe()
    }

    /// The connection state, waiting (briefly) for the first check if it has not finished, so
    /// a request arriving right after start does not see a cluster that was never checked.
    pub async fn checked_state(&self) -> ConnectionState {
        let mut state = self.monitor.subscribe();
        let checked = tokio::time::timeout(
            self.first_check_timeout,
            state.wait_for(|s| s.last_check.is_some()),
        )
        .await;
        match checked {
            Ok(Ok(state)) => state.clone(),
            _ => self.monitor.state(),
        }
    }

    /// Fails with the monitor's reason unless the cluster answered its last check.
    pub async fn ensure_connected(&self) -> Result<()> {
        let state = self.checked_state().await;
        if state.connected {
            return Ok(());
        }
        Err(Error::Unavailable(state.problem.unwrap_or_else(|| {
            ConnectionProblem {
                reason: ProblemReason::ClusterUnreachable,
                message: format!(
                    "the Kubernetes API server at {} has not answered yet; Wheelhouse keeps trying",
                    self.info.server
                ),
            }
        })))
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("info", &self.info)
            .field("caches", &self.caches)
            .finish_non_exhaustive()
    }
}
