//! `GET /api/v1/watch/{group}/{version}/{resource}`: one live view as Server-Sent Events, for
//! scripts (the web app multiplexes its views over [`super::ws`]).

use std::convert::Infallible;
use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::Stream;
use wheelhouse_cluster::resources::Resources;

use wheelhouse_cluster::Person;

use super::{HEARTBEAT, LiveEvent, View, WatchParams, spawn_view};
use crate::AppState;
use crate::access::Access;
use crate::error::Result;
use crate::quota::{Held, Taken};
use crate::resources::{query_error, resolve};
use crate::session::{SessionEnds, session_ended};

pub(super) async fn watch(
    State(state): State<AppState>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    ends: Option<Extension<SessionEnds>>,
    Path((group, version, resource)): Path<(String, String, String)>,
    params: std::result::Result<Query<WatchParams>, QueryRejection>,
) -> Result<Response> {
    let Query(params) = params.map_err(query_error)?;
    let taken = state.quotas.take(&person, Held::LiveConnection)?;
    // Failures before the stream starts (unknown kind, bad query, 403) are ordinary HTTP errors.
    let resolved = resolve(
        &state,
        &resources,
        &access,
        &person,
        (&group, &version, &resource),
        &params.list,
    )
    .await?;
    let events = spawn_view(View {
        cache: resolved.cache,
        query: resolved.query,
        name: params.name.filter(|n| !n.is_empty()),
        notes: resolved.notes,
    });
    let heartbeat = Event::default().event("heartbeat").data("{}");
    let ends = ends.map(|Extension(ends)| ends);
    Ok(Sse::new(sse_events(events, ends, taken))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).event(heartbeat))
        .into_response())
}

/// The view's events, until the view ends or the session does (then one `error` event saying so).
fn sse_events(
    events: tokio::sync::mpsc::Receiver<LiveEvent>,
    ends: Option<SessionEnds>,
    taken: Taken,
) -> impl Stream<Item = std::result::Result<Event, Infallible>> + Send + 'static {
    let deadline = ends.map(|ends| tokio::time::Instant::now() + ends.remaining());
    // The person's live connection is held as long as the stream is.
    let taken = Arc::new(taken);
    futures::stream::unfold(Some(events), move |events| {
        let _held = taken.clone();
        async move {
            let mut events = events?;
            let next = match deadline {
                Some(at) => tokio::select! {
                    event = events.recv() => Some(event?),
                    () = tokio::time::sleep_until(at) => None,
                },
                None => Some(events.recv().await?),
            };
            let (event, more) = match next {
                Some(event) => (event, Some(events)),
                None => (LiveEvent::error(&session_ended()), None),
            };
            Some((
                Ok(Event::default().event(event.event).data(event.data)),
                more,
            ))
        }
    })
}
