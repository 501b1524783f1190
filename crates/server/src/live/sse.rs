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

use super::{HEARTBEAT, LiveEvent, View, WatchParams, spawn_view};
use crate::AppState;
use wheelhouse_cluster::Person;

use crate::access::Access;
use crate::error::Result;
use crate::resources::{query_error, resolve};

pub(super) async fn watch(
    State(state): State<AppState>,
    Extension(resources): Extension<Arc<Resources>>,
    Extension(access): Extension<Arc<Access>>,
    Extension(person): Extension<Person>,
    Path((group, version, resource)): Path<(String, String, String)>,
    params: std::result::Result<Query<WatchParams>, QueryRejection>,
) -> Result<Response> {
    let Query(params) = params.map_err(query_error)?;
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
    Ok(Sse::new(sse_events(events))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).event(heartbeat))
        .into_response())
}

fn sse_events(
    events: tokio::sync::mpsc::Receiver<LiveEvent>,
) -> impl Stream<Item = std::result::Result<Event, Infallible>> + Send + 'static {
    futures::stream::unfold(events, |mut events| async move {
        let event = events.recv().await?;
        Some((
            Ok(Event::default().event(event.event).data(event.data)),
            events,
        ))
    })
}
