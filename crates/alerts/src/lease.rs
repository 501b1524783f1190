//! Leader election with a coordination.k8s.io Lease, as client-go's leaderelection does: the
//! holder renews it every third of its duration; another replica takes it only once a renewal is
//! a full duration late. The holder counts its lease from before each renewal was sent, and stops
//! acting a fifth of the duration before that runs out, so two replicas never both act.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::coordination::v1::{Lease as LeaseObject, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use tokio::task::JoinHandle;

/// A Lease this process tries to hold; stops trying when dropped.
pub struct Lease {
    valid_until: Arc<Mutex<Option<Instant>>>,
    duration: Duration,
    api: Api<LeaseObject>,
    name: String,
    identity: String,
    task: JoinHandle<()>,
}

impl Lease {
    pub fn start(
        client: Client,
        namespace: &str,
        name: &str,
        identity: &str,
        duration: Duration,
    ) -> Self {
        let api = Api::<LeaseObject>::namespaced(client, namespace);
        let valid_until = Arc::new(Mutex::new(None));
        let task = {
            let api = api.clone();
            let valid_until = valid_until.clone();
            let name = name.to_string();
            let identity = identity.to_string();
            tokio::spawn(async move {
                loop {
                    let asked = Instant::now();
                    let held = match try_hold(&api, &name, &identity, duration).await {
                        Ok(held) => held,
                        Err(error) => {
                            tracing::warn!(%error, lease = %name, "could not renew the alerter's Lease");
                            false
                        }
                    };
                    {
                        let mut until = valid_until.lock().unwrap_or_else(|p| p.into_inner());
                        let was = until.is_some_and(|u: Instant| u > Instant::now());
                        if held {
                            *until = Some(asked + duration);
                            if !was {
                                tracing::info!(lease = %name, %identity, "leading: this alerter evaluates and notifies");
                            }
                        } else if was {
                            // Keep acting only until the lease we had runs out; then stop.
                            tracing::info!(lease = %name, "the Lease is another's; this alerter stands by");
                            if !matches!(*until, Some(u) if u > Instant::now()) {
                                *until = None;
                            }
                        }
                    }
                    tokio::time::sleep(duration / 3).await;
                }
            })
        };
        Self {
            valid_until,
            duration,
            api,
            name: name.to_string(),
            identity: identity.to_string(),
            task,
        }
    }

    /// Whether this process holds the Lease with time to spare.
    pub fn held(&self) -> bool {
        let until = *self.valid_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|u| Instant::now() + self.duration / 5 < u)
    }

    /// Gives the Lease up (when held), so a standby replica takes over at once.
    pub async fn release(self) {
        self.task.abort();
        if !self.held() {
            return;
        }
        let patch = serde_json::json!({"spec": {"holderIdentity": null}});
        let released = self
            .api
            .patch(&self.name, &PatchParams::default(), &Patch::Merge(patch))
            .await;
        match released {
            Ok(_) => {
                tracing::info!(lease = %self.name, identity = %self.identity, "gave the Lease up")
            }
            Err(error) => {
                tracing::warn!(%error, "could not give the Lease up; it expires on its own")
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs().max(1)).unwrap_or(i32::MAX)
}

/// Takes or renews the Lease; false when another holds it. A conflict (another replica wrote it
/// first) is not holding it.
async fn try_hold(
    api: &Api<LeaseObject>,
    name: &str,
    identity: &str,
    duration: Duration,
) -> Result<bool, kube::Error> {
    let now = Timestamp::now();
    let current = api.get_opt(name).await?;
    let Some(mut lease) = current else {
        let lease = LeaseObject {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                labels: Some(
                    [(
                        "app.kubernetes.io/part-of".to_string(),
                        "wheelhouse".to_string(),
                    )]
                    .into(),
                ),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(identity.to_string()),
                lease_duration_seconds: Some(seconds(duration)),
                acquire_time: Some(MicroTime(now)),
                renew_time: Some(MicroTime(now)),
                lease_transitions: Some(0),
                ..LeaseSpec::default()
            }),
        };
        return match api.create(&PostParams::default(), &lease).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(error) => Err(error),
        };
    };
    let spec = lease.spec.clone().unwrap_or_default();
    let holder = spec.holder_identity.clone().unwrap_or_default();
    let expired = match (spec.renew_time, spec.lease_duration_seconds) {
        (Some(renewed), Some(seconds)) => {
            renewed.0.as_second() + i64::from(seconds) < now.as_second()
        }
        _ => true,
    };
    let mine = holder == identity;
    if !(mine || holder.is_empty() || expired) {
        return Ok(false);
    }
    let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!mine);
    lease.spec = Some(LeaseSpec {
        holder_identity: Some(identity.to_string()),
        lease_duration_seconds: Some(seconds(duration)),
        acquire_time: if mine {
            spec.acquire_time
        } else {
            Some(MicroTime(now))
        },
        renew_time: Some(MicroTime(now)),
        lease_transitions: Some(transitions),
        ..spec
    });
    // The resourceVersion read above makes this fail if another replica wrote in between.
    match api.replace(name, &PostParams::default(), &lease).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
        Err(error) => Err(error),
    }
}
