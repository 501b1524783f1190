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
use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::watch;
use ts_rs::TS;

use super::actions::DrainProgress;
use crate::apps::HelmProgress;
use crate::error::{AppError, Result};

/// How long a finished operation stays readable.
const KEEP: Duration = Duration::from_secs(600);
/// Operations kept at most.
const CAPACITY: usize = 100;

/// A long action as `GET /api/v1/operations/{id}` and its events show it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub id: String,
    /// `drain`, `install`, `upgrade`, `rollback` or `uninstall`.
    pub action: &'static str,
    pub target: OperationTarget,
    pub state: OperationState,
    /// What it is doing, or how it ended.
    pub message: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// What the kind of operation reports as it goes.
    #[serde(flatten)]
    pub progress: Progress,
}

/// What an operation acts on: a release (`namespace`, `name`) or a node (`resource`, `name`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct OperationTarget {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub resource: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum OperationState {
    Running,
    Succeeded,
    Failed,
}

/// An operation's own progress: helm's output and outcome, or a drain's pods.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(untagged)]
pub enum Progress {
    Helm(HelmProgress),
    Drain(DrainProgress),
}

impl Operation {
    /// A running operation's first state, started now.
    pub fn start(
        id: String,
        action: &'static str,
        target: OperationTarget,
        message: String,
        progress: Progress,
    ) -> Self {
        Self {
            id,
            action,
            target,
            state: OperationState::Running,
            message,
            started_at: Timestamp::now(),
            finished_at: None,
            progress,
        }
    }

    /// Ends it in `state`, saying how.
    pub fn finish(&mut self, state: OperationState, message: String) {
        self.state = state;
        self.message = message;
        self.finished_at = Some(Timestamp::now());
    }

    fn finished(&self) -> bool {
        self.state != OperationState::Running
    }
}

struct Entry {
    state: watch::Receiver<Operation>,
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

impl Operations {
    /// Registers an operation with its first state; the sender publishes its progress.
    pub(crate) fn start(&self, first: Operation) -> watch::Sender<Operation> {
        let id = first.id.clone();
        let (sender, state) = watch::channel(first);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, e| !(e.state.borrow().finished() && e.created.elapsed() > KEEP));
        if entries.len() >= CAPACITY
            && let Some(oldest) = entries
                .iter()
                .filter(|(_, e)| e.state.borrow().finished())
                .min_by_key(|(_, e)| e.created)
                .map(|(id, _)| id.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            id,
            Entry {
                state,
                created: Instant::now(),
            },
        );
        sender
    }

    fn state(&self, id: &str) -> Option<watch::Receiver<Operation>> {
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
            let operation = state.borrow_and_update().clone();
            let done = operation.finished();
            let data = serde_json::to_string(&operation).unwrap_or_else(|_| "{}".into());
            let event = Event::default().event("operation").data(data);
            Some((Ok::<_, Infallible>(event), (state, true, done)))
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
