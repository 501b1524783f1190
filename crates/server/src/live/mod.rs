//! Live views: the rows of a list (or one object) as a snapshot followed by deltas, over
//! Server-Sent Events per view (`sse`) or one multiplexed WebSocket per browser tab (`ws`).
//!
//! A view follows its cache's change feed and keeps what matches its filters: an object that
//! starts to match is `added`, one that stops matching is `removed`, with the view's new `total`.
//! Sorting and paging are left to the client, which re-requests its page when a delta touches it.
//! Every buffer is bounded: a view that falls more than the feed's capacity behind gets a
//! `resync` event and is closed.

mod sse;
mod ws;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};
use ts_rs::TS;
use wheelhouse_cluster::resources::{Change, ResourceCache};
use wheelhouse_model::query::{ListParams, ListQuery};
use wheelhouse_model::rows::{Row, RowJson};
use wheelhouse_model::warning::Warning;

use crate::AppState;
use crate::error::{AppError, Body};
use crate::logs::LogEvent;
use crate::resources::{ListAnswer, page_json, run_query};

pub(crate) use ws::LiveRequest;

/// Events a view may fall behind within its own queue, before the cache's feed capacity.
const VIEW_QUEUE: usize = 16;
/// How often an idle connection says it is alive.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(15);

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v1/watch/{group}/{version}/{resource}",
            axum::routing::get(sse::watch),
        )
        .route("/api/v1/live", axum::routing::get(ws::live))
}

/// The list's query plus `name`, to follow one object.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct WatchParams {
    #[serde(flatten)]
    pub list: ListParams,
    pub name: Option<String>,
}

/// One event of a view; `data` is JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveEvent {
    /// `snapshot`, `added`, `modified`, `removed`, `resync`, `error`.
    pub event: &'static str,
    pub data: String,
}

/// The events of a live view as the web app reads them: `event` names one, `data` carries it.
/// Over Server-Sent Events `event` is the event's name; on the live WebSocket both are fields of
/// one message ([`LiveMessageShape`]). [`View`] writes the events as text (a snapshot is the
/// list's answer as [`page_json`] wrote it), so this enum only declares them.
#[derive(TS)]
#[ts(
    tag = "event",
    content = "data",
    rename_all = "camelCase",
    rename = "LiveEvent"
)]
#[allow(
    dead_code,
    reason = "declares JSON that is written as text; never built"
)]
pub(crate) enum LiveEventShape {
    /// The view's page now: the first event, and again after the cache listed anew.
    Snapshot(ListAnswer<'static>),
    /// An object started to match the view.
    Added(RowChange<'static>),
    /// An object that matches the view changed.
    Modified(RowChange<'static>),
    /// An object stopped matching the view (deleted, or changed so that it no longer matches).
    Removed(RowChange<'static>),
    /// The view fell behind or its cache restarted: it ended; ask for the list again.
    Resync(Resync),
    /// The view was refused or failed, in the shape of every failed request; it ended.
    Error(Body<'static>),
    /// Sent every 15 seconds on an idle connection.
    Heartbeat(#[ts(type = "Record<string, never>")] ()),
}

/// One message of the live WebSocket: a view's or a followed log's event with its subscription's
/// `id`; without an `id`, the connection's own heartbeat or error. Written by `ws::message`.
#[derive(TS)]
#[ts(rename = "LiveMessage")]
#[allow(
    dead_code,
    reason = "declares JSON that is written as text; never built"
)]
pub(crate) struct LiveMessageShape {
    #[ts(optional)]
    pub id: Option<String>,
    #[ts(flatten)]
    pub event: AnyEvent,
}

/// A view's event or a log's.
#[derive(TS)]
#[ts(untagged)]
#[allow(
    dead_code,
    reason = "declares JSON that is written as text; never built"
)]
pub(crate) enum AnyEvent {
    View(LiveEventShape),
    Log(LogEvent),
}

/// `added`, `modified` and `removed`'s data: the row, and how many rows the view has now.
#[derive(Serialize, TS)]
pub(crate) struct RowChange<'a> {
    pub row: RowJson<'a>,
    pub total: usize,
}

/// `resync`'s data: why the view ended.
#[derive(Serialize, TS)]
pub(crate) struct Resync {
    pub reason: String,
}

impl LiveEvent {
    fn new(event: &'static str, data: String) -> Self {
        Self { event, data }
    }

    fn resync(reason: String) -> Self {
        let data = serde_json::to_string(&Resync { reason }).unwrap_or_else(|_| "{}".into());
        Self::new("resync", data)
    }

    pub fn error(error: &AppError) -> Self {
        let data = serde_json::to_string(&error.body()).unwrap_or_else(|_| "{}".into());
        Self::new("error", data)
    }

    /// The last event of a view.
    fn ends_view(&self) -> bool {
        matches!(self.event, "resync" | "error")
    }
}

/// What one live view shows.
pub(crate) struct View {
    pub cache: Arc<ResourceCache>,
    pub query: ListQuery,
    /// Only the object of this name (and the query's namespaces).
    pub name: Option<String>,
    /// Said with every snapshot: the namespaces the person's view was narrowed to.
    pub notes: Vec<Warning>,
}

impl View {
    fn matches(&self, row: &Row) -> bool {
        self.name.as_deref().is_none_or(|name| row.name == name) && self.query.matches(row)
    }

    fn delta(&self, event: &'static str, row: &Row, total: usize) -> LiveEvent {
        // Written directly (not through a `Value`, which would sort the row's fields): the row's
        // fields keep the order of the list's items.
        let data = self
            .cache
            .with_usage(|usage| {
                serde_json::to_string(&RowChange {
                    row: self.cache.schema().json_with_usage(row, usage),
                    total,
                })
            })
            .unwrap_or_else(|error| {
                tracing::error!(%error, name = %row.name, "a row could not be serialised");
                format!(r#"{{"row":null,"total":{total}}}"#)
            });
        LiveEvent::new(event, data)
    }

    /// The view's page now, and the number of rows that match it.
    fn snapshot(&self, objects: &wheelhouse_cluster::resources::Objects) -> (LiveEvent, usize) {
        let sync = self.cache.state();
        match page_json(
            &self.cache,
            objects,
            &self.query,
            &sync,
            self.name.as_deref(),
            &self.notes,
        ) {
            Ok((json, total)) => (
                LiveEvent::new("snapshot", String::from_utf8_lossy(&json).into_owned()),
                total,
            ),
            Err(error) => (LiveEvent::error(&error), 0),
        }
    }

    /// Sends the view's events to `out` until the receiver goes away or the view ends.
    pub async fn run(self, out: mpsc::Sender<LiveEvent>) {
        let view = Arc::new(self);
        let first = {
            let view = view.clone();
            run_query(move || {
                let (objects, changes) = view.cache.read_and_subscribe();
                let (snapshot, total) = view.snapshot(&objects);
                (snapshot, total, changes)
            })
            .await
        };
        let Ok((snapshot, mut total, mut changes)) = first else {
            return;
        };
        if out.send(snapshot).await.is_err() {
            return;
        }
        loop {
            let change = tokio::select! {
                () = out.closed() => return,
                change = changes.recv() => change,
            };
            let event = match change {
                Ok(change) => match view.follow(&change, &mut total).await {
                    Some(event) => event,
                    None => continue,
                },
                Err(broadcast::error::RecvError::Lagged(missed)) => LiveEvent::resync(format!(
                    "this view fell {missed} changes behind; request the list again and subscribe anew"
                )),
                Err(broadcast::error::RecvError::Closed) => LiveEvent::resync(
                    "the cache of this kind was restarted (its columns changed, or it was stopped); request the list again and subscribe anew".into(),
                ),
            };
            let last = event.ends_view();
            if out.send(event).await.is_err() || last {
                return;
            }
        }
    }

    /// The event a change means for this view, if any; keeps `total` current.
    async fn follow(self: &Arc<Self>, change: &Change, total: &mut usize) -> Option<LiveEvent> {
        match change {
            Change::Added(row) => self.matches(row).then(|| {
                *total += 1;
                self.delta("added", row, *total)
            }),
            Change::Modified { row, previous } => {
                match (self.matches(previous), self.matches(row)) {
                    (false, false) => None,
                    (true, true) => Some(self.delta("modified", row, *total)),
                    (false, true) => {
                        *total += 1;
                        Some(self.delta("added", row, *total))
                    }
                    (true, false) => {
                        *total = total.saturating_sub(1);
                        Some(self.delta("removed", row, *total))
                    }
                }
            }
            Change::Removed(row) => self.matches(row).then(|| {
                *total = total.saturating_sub(1);
                self.delta("removed", row, *total)
            }),
            Change::Retired => Some(LiveEvent::resync(
                "the columns of this kind changed (its CRD was updated); request the list again and subscribe anew".into(),
            )),
            Change::KindRemoved => Some(LiveEvent::error(&AppError::from(
                wheelhouse_cluster::Error::ResourceRemoved {
                    resource: self.cache.kind().qualified_resource(),
                },
            ))),
            Change::Relisted => {
                let view = self.clone();
                let (snapshot, fresh_total) = run_query(move || {
                    let objects = view.cache.read();
                    view.snapshot(&objects)
                })
                .await
                .ok()?;
                *total = fresh_total;
                Some(snapshot)
            }
        }
    }
}

/// Starts a view on its own task; its events arrive on the returned receiver, which ends after
/// a `resync` or `error` event.
pub(crate) fn spawn_view(view: View) -> mpsc::Receiver<LiveEvent> {
    let (out, events) = mpsc::channel(VIEW_QUEUE);
    tokio::spawn(view.run(out));
    events
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use kube::config::Kubeconfig;
    use serde_json::json;
    use wheelhouse_cluster::ClusterSource;
    use wheelhouse_cluster::resources::{Resources, ResourcesConfig};
    use wheelhouse_sim::{GroupResource, Scenario, Sim, SimConfig};

    use super::*;

    const WITHIN: Duration = Duration::from_secs(10);

    /// The web app reads a view's events as `LiveEventShape` declares them, by name.
    #[test]
    fn every_event_a_view_sends_is_declared_for_the_web_app() {
        let declared = LiveEventShape::decl(&crate::typescript::config());
        let error = LiveEvent::error(&AppError::bad_request("no"));
        let resync = LiveEvent::resync("behind".into());
        for name in [
            "snapshot",
            "added",
            "modified",
            "removed",
            error.event,
            resync.event,
            "heartbeat",
        ] {
            assert!(
                declared.contains(&format!(r#""event": "{name}""#)),
                "{name} in {declared}"
            );
        }
        let error: serde_json::Value = serde_json::from_str(&error.data).expect("json");
        assert_eq!(error["error"]["reason"], "BadRequest");
        let resync: serde_json::Value = serde_json::from_str(&resync.data).expect("json");
        assert_eq!(resync["reason"], "behind");
    }

    #[tokio::test]
    async fn a_view_that_falls_behind_gets_resync_and_ends() {
        let sim = Sim::start(
            SimConfig::default()
                .scenario(Scenario::Empty)
                .controllers(false),
        )
        .await
        .expect("the sim starts");
        let kubeconfig =
            Kubeconfig::from_yaml(&sim.kubeconfig_yaml("admin")).expect("kubeconfig parses");
        let client = wheelhouse_cluster::connect(ClusterSource::Kubeconfig {
            kubeconfig: Box::new(kubeconfig),
            context: None,
        })
        .await
        .expect("client builds")
        .client;
        let resources =
            Resources::new(client, "admin", ResourcesConfig::default().feed_capacity(4));
        let (cache, _) = resources
            .settled_cache("", "v1", "configmaps", &[])
            .await
            .expect("cached");
        let before = cache.read().len();
        let mut events = spawn_view(View {
            cache: cache.clone(),
            query: ListQuery::default(),
            name: None,
            notes: vec![],
        });
        let first = tokio::time::timeout(WITHIN, events.recv())
            .await
            .expect("a first event")
            .expect("the view is open");
        assert_eq!(first.event, "snapshot");

        // The client reads nothing while 60 objects change: the view's queue (16) fills and
        // the feed (4) overflows.
        let changes = 60;
        for i in 0..changes {
            let map = json!({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": format!("m{i}"), "namespace": "default"}});
            sim.store()
                .create(&GroupResource::core("configmaps"), true, map)
                .expect("created");
        }
        let deadline = tokio::time::Instant::now() + WITHIN;
        while cache.read().len() < before + changes {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the cache did not follow"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        let mut received = Vec::new();
        while let Some(event) = tokio::time::timeout(WITHIN, events.recv())
            .await
            .expect("the view ends within the time limit")
        {
            received.push(event);
        }
        let last = received.last().expect("events");
        assert_eq!(last.event, "resync", "{received:?}");
        assert!(last.data.contains("behind"), "{}", last.data);
        assert!(
            received.len() <= VIEW_QUEUE + 2,
            "at most the queue, the event in hand and the resync: {}",
            received.len()
        );
    }
}
