//! Streams watch events as chunked JSON lines (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR), with
//! selectors, resume from a resourceVersion, bookmarks, sendInitialEvents and timeouts.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use wheelhouse_model::selector::Selector;

use crate::api::http::{Call, Representation};
use crate::api::selectors::{FieldSelector, matches, selectors};
use crate::error::{Error, Result};
use crate::storage::ResourceInfo;
use crate::storage::{EventType, StoredObject, WatchEvent, watch_line};

/// How often a bookmark is sent when the client allows them.
const BOOKMARK_EVERY: Duration = Duration::from_secs(10);
/// The longest a watch stays open without `timeoutSeconds` (kube picks 30–60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

struct Filter {
    info: Arc<ResourceInfo>,
    namespace: Option<String>,
    name: Option<String>,
    labels: Selector,
    fields: FieldSelector,
    table: bool,
    include_object: String,
}

impl Filter {
    fn accepts(&self, obj: &StoredObject) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| obj.namespace() == ns)
            && self.name.as_deref().is_none_or(|n| obj.name() == n)
            && matches(&self.info, &self.labels, &self.fields, obj)
    }

    /// The line to send for an event, or none when the watcher does not see it.
    fn line(&self, event: &WatchEvent) -> Option<Bytes> {
        let now = self.accepts(&event.object);
        let before = event.previous.as_ref().is_some_and(|p| self.accepts(p));
        let event_type = match (event.event_type, before, now) {
            (EventType::Added, _, true) => EventType::Added,
            (EventType::Modified, true, true) => EventType::Modified,
            (EventType::Modified, false, true) => EventType::Added,
            (EventType::Modified, true, false) => EventType::Deleted,
            (EventType::Deleted, true, _) | (EventType::Deleted, false, true) => EventType::Deleted,
            _ => return None,
        };
        if self.table {
            let table = crate::api::table::single(&self.info, &event.object, &self.include_object);
            let line = json!({"type": event_type.as_str(), "object": table});
            let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
            bytes.push(b'\n');
            return Some(Bytes::from(bytes));
        }
        let custom_version = self.info.custom
            && event
                .object
                .value()
                .get("apiVersion")
                .and_then(Value::as_str)
                != Some(self.info.api_version().as_str());
        if event_type == event.event_type && !custom_version {
            return Some(event.json_line().clone());
        }
        let object = if custom_version {
            Bytes::from(
                serde_json::to_vec(&crate::api::verbs::versioned(&self.info, &event.object))
                    .unwrap_or_default(),
            )
        } else {
            event.object.json_bytes().clone()
        };
        Some(watch_line(event_type.as_str(), &object))
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.info.kind, "apiVersion": self.info.api_version(), "metadata": metadata});
        watch_line("BOOKMARK", &serde_json::to_vec(&object).unwrap_or_default())
    }
}

/// A watch stream's ERROR event carrying a Status.
fn error_line(err: &Error) -> Bytes {
    watch_line(
        "ERROR",
        &serde_json::to_vec(&err.to_status()).unwrap_or_default(),
    )
}

/// Serves a watch request.
pub async fn serve(call: &Call<'_>) -> Result<Response> {
    let info = call.info.clone();
    let (labels, fields) = selectors(call)?;
    let filter = Filter {
        info: info.clone(),
        namespace: call.req.namespace.clone(),
        name: call.req.name.clone(),
        labels,
        fields,
        table: call.representation == Representation::Table,
        include_object: call
            .param("includeObject")
            .unwrap_or("Metadata")
            .to_string(),
    };
    let bookmarks = call.flag("allowWatchBookmarks");
    let send_initial = call.flag("sendInitialEvents");
    let timeout = call
        .param("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT);
    let rv_param = call.param("resourceVersion").unwrap_or("");
    let since: Option<u64> =
        if rv_param.is_empty() {
            None
        } else {
            Some(rv_param.parse().map_err(|_| {
                Error::bad_request(format!("invalid resource version: {rv_param:?}"))
            })?)
        };
    let store = &call.state.store;
    let gr = info.group_resource();
    let opened = match since {
        // No version, or "0", or sendInitialEvents: the current state first, as synthetic ADDED.
        None | Some(0) => Ok(store.watch_from_snapshot(&gr, call.req.namespace.as_deref())),
        Some(_) if send_initial => {
            Ok(store.watch_from_snapshot(&gr, call.req.namespace.as_deref()))
        }
        Some(rv) => store.watch(&gr, Some(rv)),
    };
    let mut shutdown = call.state.shutdown.clone();
    let mut dropped = call.state.faults.watches_dropped();
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(256);
    match opened {
        Err(err) => {
            // The watch cache answers a too-old version with an ERROR event in a 200 stream.
            let _ = tx.try_send(error_line(&err));
        }
        Ok(mut watch) => {
            let open = call.state.faults.watch_opened();
            tokio::spawn(async move {
                let _open = open;
                let mut last_rv = watch.resource_version;
                for event in &watch.backlog {
                    if let Some(line) = filter.line(event)
                        && tx.send(line).await.is_err()
                    {
                        return;
                    }
                }
                if send_initial
                    && bookmarks
                    && tx
                        .send(filter.bookmark(watch.resource_version, true))
                        .await
                        .is_err()
                {
                    return;
                }
                let deadline = tokio::time::sleep(timeout);
                tokio::pin!(deadline);
                let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
                ticker.tick().await;
                loop {
                    tokio::select! {
                        received = watch.live.recv() => match received {
                            Ok(event) => {
                                last_rv = last_rv.max(event.resource_version());
                                if let Some(line) = filter.line(&event)
                                    && tx.send(line).await.is_err()
                                {
                                    return;
                                }
                            }
                            // Fell behind the bounded channel: close, the client re-watches.
                            Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => return,
                        },
                        _ = ticker.tick(), if bookmarks => {
                            if tx.send(filter.bookmark(last_rv, false)).await.is_err() {
                                return;
                            }
                        }
                        _ = &mut deadline => {
                            if bookmarks {
                                let _ = tx.send(filter.bookmark(last_rv, false)).await;
                            }
                            return;
                        }
                        _ = shutdown.changed() => return,
                        // A fault: the connection ends as when the API server restarts.
                        _ = dropped.changed() => return,
                        // The client went away: the stream's task ends with it.
                        () = tx.closed() => return,
                    }
                }
            });
        }
    }
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(Ok::<Bytes, std::io::Error>);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-cache, private"),
    );
    Ok(response)
}
