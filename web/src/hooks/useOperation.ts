//! Follows a long operation (`api/v1/operations/{id}`: a drain, a helm install…) from the state its
//! request answered with until it ends. Each state lands in the query cache: from the operation's
//! Server-Sent Events while they flow, else — and once the stream breaks, so a dropped stream is
//! no lost result — from a poll every second.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { API } from '../lib/api/endpoints';
import type { ApiError } from '../lib/api/errors';
import { apiKey, apiQuery } from '../lib/api/query';

const POLL_MS = 1_000;

/** What every operation has: its id, and `running` until it ended. */
export interface OperationLike {
  id: string;
  state: string;
}

/**
 * The latest state of the operation `started` (the answer of the request that started it; null
 * for none), and a failure to read it. With `stream`, its events are followed where the browser
 * has EventSource; otherwise it is polled.
 */
export function useOperation<T extends OperationLike>(started: T | null, stream: boolean): { operation: T | null; error: ApiError | undefined } {
  const client = useQueryClient();
  const id = started?.id ?? '';
  const running = started?.state === 'running';
  const streams = stream && typeof EventSource !== 'undefined';
  /** The operation whose stream broke: it is polled from then on. */
  const [broken, setBroken] = useState<string | undefined>(undefined);
  const query = useQuery({
    ...apiQuery<T>(API.operation(id)),
    enabled: running && (!streams || broken === id),
    initialData: started ?? undefined,
    refetchInterval: (q) => (q.state.status !== 'error' && q.state.data?.state === 'running' ? POLL_MS : false),
  });

  useEffect(() => {
    if (!running || !streams) return;
    const key = apiKey(API.operation(id));
    let source: EventSource | undefined = new EventSource(API.operationEvents(id));
    source.addEventListener('operation', (event) => {
      let op: T;
      try {
        op = JSON.parse((event as MessageEvent<string>).data) as T;
      } catch {
        return;
      }
      client.setQueryData<T>(key, op);
      if (op.state !== 'running') {
        source?.close();
        source = undefined;
      }
    });
    source.onerror = () => {
      // The stream ended or broke: read the operation itself and poll while it runs.
      source?.close();
      source = undefined;
      setBroken(id);
    };
    return () => {
      source?.close();
    };
  }, [client, id, running, streams]);

  return { operation: started ? (query.data ?? started) : null, error: query.error ?? undefined };
}
