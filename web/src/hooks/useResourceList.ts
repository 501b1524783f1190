//! One page of a kind's rows: fetched into the query cache, then kept current there by the tab's
//! live connection — its snapshot replaces the page, its row deltas are applied in place.

import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { API } from '../lib/api/endpoints';
import { ApiError } from '../lib/api/errors';
import { live, type LiveConnection } from '../lib/api/live';
import { apiKey, apiQuery } from '../lib/api/query';
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
  retry: () => void;
}

/** The rows of another query (the one before a filter changed) never stand under this one's error. */
function ownData(data: ListAnswer | undefined, placeholder: boolean, error: ApiError | null): ListAnswer | undefined {
  return placeholder && error ? undefined : data;
}

export interface ResourceListOptions {
  /** While paused the rows stay as they are. */
  paused: boolean;
  /** Fetch the page again this often (usage columns change at every scrape without any object changing). */
  pollMs?: number;
  connection?: LiveConnection;
}

/** `path` is the kind's (`core/v1/pods`), `query` the list's query string (with `sort`). */
export function useResourceList(path: string, query: string, sort: string, options: ResourceListOptions): ResourceListState {
  const { paused, pollMs, connection = live } = options;
  const client = useQueryClient();
  const url = API.resources(path, query);
  const watch = API.watch(path, query);
  // Kept with the view it belongs to, so a new query starts without the last one's error.
  const [liveError, setLiveError] = useState<{ watch: string; error: ApiError } | undefined>(undefined);
  const list = useQuery({
    ...apiQuery<ListAnswer>(url),
    // Another page or filter: the rows shown stay until its own arrive.
    placeholderData: keepPreviousData,
    // A cache still loading its first list is asked again until it is ready.
    refetchInterval: (q) => (q.state.data?.state === 'loading' ? LOADING_RETRY_MS : (pollMs ?? false)),
  });
  const { refetch } = list;
  const retry = useCallback(() => {
    void refetch();
  }, [refetch]);

  // Follow the same query live: what it sends lands in the cache where the page's answer is.
  useEffect(() => {
    if (paused) return;
    const key = apiKey(url);
    let refetchTimer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = connection.subscribe(watch, (event) => {
      switch (event.event) {
        case 'snapshot':
          client.setQueryData<ListAnswer>(key, event.data);
          return;
        case 'added':
        case 'modified':
        case 'removed': {
          // The rows as the last delta left them, so a burst applies in order.
          const current = client.getQueryData<ListAnswer>(key);
          if (!current) return;
          const next = applyDelta(current, event, sort);
          client.setQueryData<ListAnswer>(key, next.list);
          if (next.refetch) {
            clearTimeout(refetchTimer);
            refetchTimer = setTimeout(() => {
              void client.refetchQueries({ queryKey: key, exact: true });
            }, REFETCH_DEBOUNCE_MS);
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
      clearTimeout(refetchTimer);
    };
  }, [client, url, watch, sort, paused, connection]);

  return { data: ownData(list.data, list.isPlaceholderData, list.error), error: list.error ?? undefined, liveError: liveError?.watch === watch ? liveError.error : undefined, retry };
}
