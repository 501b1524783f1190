//! Long actions (a node's drain) as operations: started in the background, polled with
//! `GET /api/v1/operations/{id}` or followed as Server-Sent Events. Kept in memory for ten
//! minutes after they finish, at most a hundred.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::Json;
use axum::extract::Path;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::watch;

use crate::error::{AppError, Result};

/// How long a finished operation stays readable.
const KEEP: Duration = Duration::from_secs(600);
/// Operations kept at most.
const CAPACITY: usize = 100;

struct Entry {
    state: watch::Receiver<Value>,
    created: Instant,
}

/// The operations of this server.
#[derive(Default)]
pub struct Operations {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for Operations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operations").finish_non_exhaustive()
    }
}

fn finished(state: &Value) -> bool {
    matches!(
        state.get("state").and_then(Value::as_str),
        Some("succeeded" | "failed")
    )
}

impl Operations {
    /// Registers an operation with its first state; the sender publishes its progress.
    pub(crate) fn start(&self, id: &str, first: Value) -> watch::Sender<Value> {
        let (sender, state) = watch::channel(first);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, e| !(finished(&e.state.borrow()) && e.created.elapsed() > KEEP));
        if entries.len() >= CAPACITY
            && let Some(oldest) = entries
                .iter()
                .filter(|(_, e)| finished(&e.state.borrow()))
                .min_by_key(|(_, e)| e.created)
                .map(|(id, _)| id.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            id.to_string(),
            Entry {
                state,
                created: Instant::now(),
            },
        );
        sender
    }

    fn state(&self, id: &str) -> Option<watch::Receiver<Value>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(id).map(|e| e.state.clone())
    }
}

fn unknown(id: &str) -> AppError {
    AppError::not_found(format!(
        "no operation {id}: it never existed, or finished more than ten minutes ago"
    ))
}

pub(super) async fn get(
    Extension(operations): Extension<Arc<Operations>>,
    Path(id): Path<String>,
) -> Result<Response> {
    let state = operations.state(&id).ok_or_else(|| unknown(&id))?;
    let value = state.borrow().clone();
    Ok(Json(value).into_response())
}

pub(super) async fn events(
    Extension(operations): Extension<Arc<Operations>>,
    Path(id): Path<String>,
) -> Result<Response> {
    let state = operations.state(&id).ok_or_else(|| unknown(&id))?;
    let stream = futures::stream::unfold(
        (state, false, false),
        |(mut state, sent_first, done)| async move {
            if done {
                return None;
            }
            if sent_first && state.changed().await.is_err() {
                // The operation's task ended; its last state was already sent.
                return None;
            }
            let value = state.borrow_and_update().clone();
            let done = finished(&value);
            let event = Event::default().event("operation").data(value.to_string());
            Some((Ok::<_, Infallible>(event), (state, true, done)))
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
