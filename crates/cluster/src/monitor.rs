//! Keeps checking that the cluster answers (`GET /version`) and shares the result.
//!
//! The state changes only when the outcome does, and each change is logged once, so an
//! unreachable cluster gives one clear line in the log rather than one per attempt. Failed checks
//! are retried with exponential backoff; the process never exits because of them.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::apimachinery::pkg::version::Info;
use kube::api::PostParams;
use kube::{Api, Client};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ts_rs::TS;

use crate::ClusterInfo;
use crate::backoff::Backoff;

/// How often and how patiently the cluster is checked.
#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// Between two checks while the cluster answers.
    pub interval: Duration,
    /// How long one check may take before the cluster counts as unreachable.
    pub check_timeout: Duration,
    /// The first wait after a failed check; it doubles with each further failure…
    pub initial_backoff: Duration,
    /// …up to this.
    pub max_backoff: Duration,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        Self {
            // A failing or hung API server is said within about 10 s (interval + timeout), and
            // one that answers again within 10 s; two small requests every 5 s cost it nothing.
            interval: Duration::from_secs(5),
            check_timeout: Duration::from_secs(5),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl MonitorConfig {
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    #[must_use]
    pub fn check_timeout(mut self, timeout: Duration) -> Self {
        self.check_timeout = timeout;
        self
    }

    #[must_use]
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// The waits between checks: the interval while the cluster answers, else the backoff.
    fn waits(&self) -> Backoff {
        Backoff::new(self.initial_backoff, self.max_backoff)
    }
}

/// Why the cluster cannot be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum ProblemReason {
    /// No answer: the server is down, the address is wrong, a network or TLS problem, or a timeout.
    ClusterUnreachable,
    /// The cluster answered 401: the kubeconfig's token or certificate is invalid or expired.
    Unauthorized,
    /// The cluster answered 403: the identity may not even read the server version.
    Forbidden,
}

/// The last check's failure, with a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ConnectionProblem {
    pub reason: ProblemReason,
    pub message: String,
}

impl std::fmt::Display for ConnectionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What the monitor knows after its last check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionState {
    /// The last check succeeded.
    pub connected: bool,
    /// The version the cluster reported at its last successful check.
    pub server_version: Option<Info>,
    /// Who the cluster says Wheelhouse is (from a SelfSubjectReview); `None` on clusters older
    /// than 1.28, which cannot say.
    pub user: Option<String>,
    /// Why the last check failed; `None` while connected or before the first check.
    pub problem: Option<ConnectionProblem>,
    /// When the last check finished; `None` until the first one has.
    pub last_check: Option<Timestamp>,
}

impl ConnectionState {
    /// Whether the outcome differs from `other` in a way worth logging.
    fn differs_from(&self, other: &Self) -> bool {
        self.connected != other.connected
            || self.problem != other.problem
            || self.server_version.as_ref().map(|v| &v.git_version)
                != other.server_version.as_ref().map(|v| &v.git_version)
    }
}

/// A background task checking the cluster; stops when dropped.
#[derive(Debug)]
pub struct ConnectionMonitor {
    state: watch::Receiver<ConnectionState>,
    task: JoinHandle<()>,
}

impl ConnectionMonitor {
    /// Starts checking at once, then on `config`'s schedule.
    pub fn start(client: Client, info: ClusterInfo, config: MonitorConfig) -> Self {
        let (sender, state) = watch::channel(ConnectionState::default());
        let task = tokio::spawn(run(client, info, config, sender));
        Self { state, task }
    }

    /// The state after the last check.
    pub fn state(&self) -> ConnectionState {
        self.state.borrow().clone()
    }

    /// A receiver that sees every change of state.
    pub fn subscribe(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }
}

impl Drop for ConnectionMonitor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    client: Client,
    info: ClusterInfo,
    config: MonitorConfig,
    sender: watch::Sender<ConnectionState>,
) {
    let mut backoff = config.waits();
    loop {
        let outcome = tokio::time::timeout(config.check_timeout, check(&client)).await;
        let previous = sender.borrow().clone();
        let next = match outcome {
            Ok(Ok((version, user))) => ConnectionState {
                connected: true,
                server_version: Some(version),
                user,
                problem: None,
                last_check: Some(Timestamp::now()),
            },
            Ok(Err(error)) => failed(&previous, describe(&error, &info)),
            Err(_elapsed) => failed(
                &previous,
                ConnectionProblem {
                    reason: ProblemReason::ClusterUnreachable,
                    message: format!(
                        "the Kubernetes API server at {} did not answer within {} seconds; Wheelhouse keeps retrying",
                        info.server,
                        config.check_timeout.as_secs()
                    ),
                },
            ),
        };
        if worth_logging(&previous, &next) {
            log_change(&info, &next);
        }
        let wait = backoff.wait_after(next.connected, config.interval);
        sender.send_replace(next);
        tokio::time::sleep(wait).await;
    }
}

/// Asks for the version (is the server there?) and who we are (are the credentials accepted?):
/// many clusters answer `/version` to anyone, so it alone cannot tell a rejected token.
async fn check(client: &Client) -> Result<(Info, Option<String>), kube::Error> {
    let version = client.apiserver_version().await?;
    let reviews: Api<SelfSubjectReview> = Api::all(client.clone());
    let user = match reviews
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await
    {
        Ok(review) => review
            .status
            .and_then(|s| s.user_info)
            .and_then(|u| u.username),
        // Clusters before 1.28 have no SelfSubjectReview; /version has to do there.
        Err(kube::Error::Api(status)) if status.code == 404 => None,
        Err(error) => return Err(error),
    };
    Ok((version, user))
}

/// A failed state that keeps the last known server version for `/api/v1/version`.
fn failed(previous: &ConnectionState, problem: ConnectionProblem) -> ConnectionState {
    ConnectionState {
        connected: false,
        server_version: previous.server_version.clone(),
        user: None,
        problem: Some(problem),
        last_check: Some(Timestamp::now()),
    }
}

/// One log line per change of outcome (and one for the first check), not one per attempt.
fn worth_logging(previous: &ConnectionState, next: &ConnectionState) -> bool {
    previous.last_check.is_none() || next.differs_from(previous)
}

fn log_change(info: &ClusterInfo, state: &ConnectionState) {
    match (&state.problem, &state.server_version) {
        (None, version) => tracing::info!(
            cluster = %info.name,
            server = %info.server,
            version = version.as_ref().map_or("", |v| v.git_version.as_str()),
            user = state.user.as_deref().unwrap_or("(the cluster cannot say)"),
            "connected to the cluster"
        ),
        (Some(problem), _) => tracing::error!(
            cluster = %info.name,
            server = %info.server,
            reason = ?problem.reason,
            "{}",
            problem.message
        ),
    }
}

/// Turns a failed check into a reason and a message saying what to do.
fn describe(error: &kube::Error, info: &ClusterInfo) -> ConnectionProblem {
    match error {
        kube::Error::Api(status) if status.code == 401 => ConnectionProblem {
            reason: ProblemReason::Unauthorized,
            message: format!(
                "the Kubernetes API server at {} rejected the credentials of {} (401 Unauthorized): renew the token or certificate in the kubeconfig; Wheelhouse keeps retrying",
                info.server, info.user
            ),
        },
        kube::Error::Api(status) if status.code == 403 => ConnectionProblem {
            reason: ProblemReason::Forbidden,
            message: format!(
                "the Kubernetes API server at {} does not let {} in (403 Forbidden): the kubeconfig may lack credentials, or the identity needs access; Wheelhouse keeps retrying",
                info.server, info.user
            ),
        },
        other => ConnectionProblem {
            reason: ProblemReason::ClusterUnreachable,
            message: format!(
                "cannot reach the Kubernetes API server at {}: {}. Check that the cluster runs and this machine can reach it; Wheelhouse keeps retrying",
                info.server,
                error_chain(other)
            ),
        },
    }
}

/// The error and its causes on one line, skipping causes already contained in the text.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ClusterInfo {
        ClusterInfo {
            name: "dev".into(),
            server: "https://dev:6443".into(),
            user: "alice".into(),
            demo: false,
        }
    }

    fn api_error(code: u16) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            ..kube::core::Status::default()
        }))
    }

    #[test]
    fn backoff_doubles_after_each_failure_up_to_the_maximum() {
        let config = MonitorConfig::default()
            .interval(Duration::from_secs(10))
            .backoff(Duration::from_secs(1), Duration::from_secs(8));
        let mut backoff = config.waits();
        let delays: Vec<u64> = [true, false, false, false, false, false, true, false]
            .map(|connected| backoff.wait_after(connected, config.interval).as_secs())
            .into();
        assert_eq!(delays, [10, 1, 2, 4, 8, 8, 10, 1]);
        for _ in 0..100_000 {
            backoff.wait_after(false, config.interval);
        }
        assert_eq!(
            backoff.wait_after(false, config.interval),
            Duration::from_secs(8),
            "no overflow after many failures"
        );
    }

    #[test]
    fn only_changes_of_outcome_are_logged() {
        let unreachable = |message: &str| ConnectionState {
            problem: Some(ConnectionProblem {
                reason: ProblemReason::ClusterUnreachable,
                message: message.into(),
            }),
            last_check: Some(Timestamp::UNIX_EPOCH),
            ..ConnectionState::default()
        };
        let connected = ConnectionState {
            connected: true,
            last_check: Some(Timestamp::UNIX_EPOCH),
            ..ConnectionState::default()
        };
        let never_checked = ConnectionState::default();
        let cases = [
            (
                "the first check is logged even when it fails",
                &never_checked,
                &unreachable("refused"),
                true,
            ),
            (
                "the first check is logged when it succeeds",
                &never_checked,
                &connected,
                true,
            ),
            (
                "the same failure again is not logged",
                &unreachable("refused"),
                &unreachable("refused"),
                false,
            ),
            (
                "a different failure is logged",
                &unreachable("refused"),
                &unreachable("timed out"),
                true,
            ),
            (
                "losing the cluster is logged",
                &connected,
                &unreachable("refused"),
                true,
            ),
            (
                "getting it back is logged",
                &unreachable("refused"),
                &connected,
                true,
            ),
            (
                "staying connected is not logged",
                &connected,
                &connected,
                false,
            ),
        ];
        for (name, previous, next, expected) in cases {
            assert_eq!(worth_logging(previous, next), expected, "{name}");
        }
    }

    #[test]
    fn a_401_means_the_credentials_were_rejected() {
        let problem = describe(&api_error(401), &info());
        assert_eq!(problem.reason, ProblemReason::Unauthorized);
        assert!(
            problem.message.contains("alice") && problem.message.contains("https://dev:6443"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn a_403_means_the_identity_is_not_allowed() {
        assert_eq!(
            describe(&api_error(403), &info()).reason,
            ProblemReason::Forbidden
        );
    }

    #[test]
    fn other_failures_mean_the_cluster_is_unreachable() {
        let problem = describe(&api_error(500), &info());
        assert_eq!(problem.reason, ProblemReason::ClusterUnreachable);
        assert!(
            problem.message.contains("keeps retrying"),
            "{}",
            problem.message
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_reported_unreachable_after_the_first_check() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            listener.local_addr().expect("addr").port()
        };
        let config = kube::Config::new(format!("http://127.0.0.1:{port}").parse().expect("uri"));
        let client = Client::try_from(config).expect("client");
        let info = ClusterInfo {
            server: format!("http://127.0.0.1:{port}"),
            ..info()
        };
        let monitor = ConnectionMonitor::start(client, info, MonitorConfig::default());
        let mut state = monitor.subscribe();
        let state = tokio::time::timeout(
            Duration::from_secs(10),
            state.wait_for(|s| s.last_check.is_some()),
        )
        .await
        .expect("first check within 10s")
        .expect("monitor alive")
        .clone();
        assert!(!state.connected);
        let problem = state.problem.expect("a problem is reported");
        assert_eq!(problem.reason, ProblemReason::ClusterUnreachable);
        assert!(
            problem.message.contains(&format!("127.0.0.1:{port}")),
            "{}",
            problem.message
        );
    }
}
