//! One page of a kind's rows, fetched and then kept current by the tab's live connection.

import { useCallback, useEffect, useRef, useState } from 'react';
import { getJson } from '../lib/api/client';
import { API } from '../lib/api/endpoints';
import { ApiError, toApiError } from '../lib/api/errors';
import { live, type LiveConnection } from '../lib/api/live';
import { applyDelta, type ListAnswer } from '../lib/k8s/rows';

/** How soon the page is fetched again after rows were added or removed (changes come in bursts). */
const REFETCH_DEBOUNCE_MS = 300;
/** How often a `loading` cache is asked again, in case the live view is paused or unavailable. */
const LOADING_RETRY_MS = 2_000;

export interface ResourceListState {
  data: ListAnswer | undefined;
  error: ApiError | undefined;
  /** The live view could not start (e.g. refused); the rows still show, without updates. */
  liveError: ApiError | undefined;
  loading: boolean;
  retry: () => void;
}

/**
 * `path` is the kind's (`core/v1/pods`), `query` the list's query string (with `sort`); while
 * `paused` the rows stay as they are.
 */
export function useResourceList(path: string, query: string, sort: string, paused: boolean, connection: LiveConnection = live): ResourceListState {
  const [data, setData] = useState<ListAnswer | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  // Kept with the view it belongs to, so a new query starts without the last one's error.
  const [liveError, setLiveError] = useState<{ watch: string; error: ApiError } | undefined>(undefined);
  /** The request whose answer (or failure) is shown; loading while it is not the current one. */
  const [settled, setSettled] = useState<string | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  // The rows as last set, so a burst of deltas each applies to the previous one's result.
  const dataRef = useRef<ListAnswer | undefined>(undefined);
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const url = API.resources(path, query);
  const watch = API.watch(path, query);

  const retry = useCallback(() => {
    setGeneration((g) => g + 1);
  }, []);

  // Fetch the page whenever the query changes (and on retry).
  useEffect(() => {
    const controller = new AbortController();
    const request = `${url}#${generation}`;
    getJson<ListAnswer>(url, controller.signal).then(
      (answer) => {
        if (controller.signal.aborted) return;
        dataRef.current = answer;
        setData(answer);
        setError(undefined);
        setSettled(request);
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setError(toApiError(e, `GET ${url}`));
        setSettled(request);
      },
    );
    return () => {
      controller.abort();
    };
  }, [url, generation]);

  // A cache still loading its first list: ask again until it is ready.
  useEffect(() => {
    if (data?.state !== 'loading') return;
    const timer = setTimeout(retry, LOADING_RETRY_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [data, retry]);

  // Follow the same query live, applying row deltas to the page in place.
  useEffect(() => {
    if (paused) return;
    const unsubscribe = connection.subscribe(watch, (event) => {
      switch (event.event) {
        case 'snapshot':
          dataRef.current = event.data;
          setData(event.data);
          setError(undefined);
          return;
        case 'added':
        case 'modified':
        case 'removed': {
          const current = dataRef.current;
          if (!current) return;
          const next = applyDelta(current, event, sort);
          dataRef.current = next.list;
          setData(next.list);
          if (next.refetch) {
            clearTimeout(refetchTimer.current);
            refetchTimer.current = setTimeout(retry, REFETCH_DEBOUNCE_MS);
          }
          return;
        }
        case 'error':
          setLiveError({
            watch,
            error: new ApiError({
              status: event.data.error.code,
              reason: event.data.error.reason,
              message: event.data.error.message,
              details: event.data.error.details,
              request: `WebSocket ${watch}`,
            }),
          });
          return;
        default:
          return;
      }
    });
    return () => {
      unsubscribe();
      clearTimeout(refetchTimer.current);
    };
  }, [watch, sort, paused, connection, retry]);

  const loading = settled !== `${url}#${generation}`;
  return { data, error, liveError: liveError?.watch === watch ? liveError.error : undefined, loading, retry };
}
