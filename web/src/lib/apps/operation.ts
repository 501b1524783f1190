//! Follows a helm operation until it ends: its Server-Sent Events stream while it runs, and one
//! read of the operation when the stream breaks, then a poll, so a dropped stream is no lost result.

import { getJson } from '../api/client';
import { toApiError, type ApiError } from '../api/errors';
import { APPS_API, type AppOperation } from './types';

const POLL_MS = 1_000;

/** Calls `onUpdate` with each state until the operation finished; returns a function that stops. */
export function followOperation(id: string, onUpdate: (op: AppOperation) => void, onError: (error: ApiError) => void): () => void {
  const life = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let source: EventSource | undefined;

  const poll = async () => {
    try {
      const op = await getJson<AppOperation>(APPS_API.operation(id), life.signal);
      if (life.signal.aborted) return;
      onUpdate(op);
      if (op.state === 'running') timer = setTimeout(() => void poll(), POLL_MS);
    } catch (e) {
      if (!life.signal.aborted) onError(toApiError(e, `GET ${APPS_API.operation(id)}`));
    }
  };

  if (typeof EventSource === 'undefined') {
    void poll();
  } else {
    source = new EventSource(APPS_API.operationEvents(id));
    source.addEventListener('operation', (event) => {
      let op: AppOperation;
      try {
        op = JSON.parse((event as MessageEvent<string>).data) as AppOperation;
      } catch {
        return;
      }
      onUpdate(op);
      if (op.state !== 'running') {
        source?.close();
        source = undefined;
      }
    });
    source.onerror = () => {
      // The stream ended or broke: read the operation itself and poll while it runs.
      source?.close();
      source = undefined;
      void poll();
    };
  }

  return () => {
    life.abort();
    source?.close();
    clearTimeout(timer);
  };
}
