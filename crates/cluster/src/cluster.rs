//! One connected cluster as the server sees it: what it is, whether it answers, and its caches.

use std::time::Duration;

use kube::Client;
use tokio::sync::watch;

use crate::access::{Decision, Question, Reviews};
use crate::calls::Calls;
use crate::person::{Clients, Credential, Identity, who_am_i};
use crate::{
    Caches, ClusterInfo, Connection, ConnectionMonitor, ConnectionProblem, ConnectionState, Error,
    MonitorConfig, Person, ProblemReason, Result,
};

/// A cluster with its connection monitor and watch caches; stops both when dropped.
pub struct Cluster {
    info: ClusterInfo,
    client: Client,
    config: kube::Config,
    monitor: ConnectionMonitor,
    caches: Caches,
    first_check_timeout: Duration,
    clients: Clients,
    reviews: Reviews,
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
            clients: Clients::default(),
            reviews: Reviews::default(),
        }
    }

    pub fn info(&self) -> &ClusterInfo {
        &self.info
    }

    /// Wheelhouse's own client: for the watch caches, the connection monitor and the metrics
    /// scraper, whose answers are released to a person only after an access review. Calls a
    /// person causes use [`Cluster::client_for`].
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The person at the keyboard of a console on loopback: the kubeconfig's identity.
    pub fn local_person(&self) -> Person {
        Person::Local {
            name: self.info.user.clone(),
        }
    }

    /// A client that acts as `person`: their token, or Wheelhouse's credentials impersonating
    /// them; the console's own for [`Person::Local`].
    pub fn client_for(&self, person: &Person) -> Result<Client> {
        match person {
            Person::Local { .. } => Ok(self.client.clone()),
            Person::Signed(_) => self.clients.get(&self.config, person),
        }
    }

    /// The calls a request makes for `person`, with [`Cluster::client_for`]'s client.
    pub fn calls_for(&self, person: &Person) -> Result<Calls> {
        self.client_for(person).map(Calls::new)
    }

    /// The address, CA and credentials that act as `person` (for helm's kubeconfig).
    pub fn config_for(&self, person: &Person) -> kube::Config {
        crate::person::config_for(&self.config, person)
    }

    /// Signs a person in with a bearer token: the API server says whose it is (a
    /// SelfSubjectReview made with the token), or refuses it.
    pub async fn identify(&self, token: String) -> Result<Identity> {
        let unchecked = Person::Signed(Identity {
            user: String::new(),
            uid: None,
            groups: vec![],
            credential: Credential::Token(token.clone()),
        });
        let (user, uid, groups) = who_am_i(self.client_for(&unchecked)?).await?;
        Ok(Identity {
            user,
            uid,
            groups,
            credential: Credential::Token(token),
        })
    }

    /// Whether `person` may do what `question` asks (their own SelfSubjectAccessReview, cached
    /// briefly).
    pub async fn may(&self, person: &Person, question: &Question) -> Decision {
        match self.client_for(person) {
            Ok(client) => self.reviews.decide(client, person, question).await,
            Err(error) => Decision {
                allowed: false,
                reason: Some(format!("the access review failed: {error}")),
            },
        }
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
