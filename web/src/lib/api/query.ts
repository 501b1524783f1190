//! The app's one data layer: TanStack Query's cache holds every answer the app shows, fetched
//! through `client.ts`, polled where a page polls, and written by the live connection.
//!
//! ```ts
//! useQuery(apiQuery<Overview>(API.overview, 10_000));      // fetched, shared, polled every 10 s
//! queryClient.setQueryData(apiKey(url), snapshot);          // a live view's rows land in the same place
//! useMutation({ mutationFn: (body) => requestJson('POST', path, { body }) });  // busy and error from TanStack
//! ```
//!
//! Every query and mutation fails with an `ApiError` (the server's reason and message, or what the
//! browser saw), so error panels read the same shape wherever the failure came from.

import { notifyManager, QueryClient, queryOptions, type Query } from '@tanstack/react-query';
import { getJson, getText } from './client';
import type { ApiError } from './errors';

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: ApiError;
  }
}

/** The cache key of the JSON answer of `path` (`api/v1/overview`, `api/v1/resources/core/v1/pods?…`). */
export function apiKey(path: string): readonly ['api', string] {
  return ['api', path];
}

/** The cache key of a text answer (YAML). */
export function textKey(path: string): readonly ['text', string] {
  return ['text', path];
}

/** The cache key of a log, read once or followed live (the path says which). */
export function logKey(path: string): readonly ['log', string] {
  return ['log', path];
}

/**
 * Fetched again when the first view showing it appears, as when nothing kept it current; a second
 * view of the same answer shares what the first one keeps polled.
 */
function firstView(query: Query): boolean {
  return query.getObserversCount() <= 1;
}

/**
 * A JSON answer shared by every view that shows `path`, polled every `refreshMs` (0: not polled)
 * while any of them is shown and the tab is visible. A hidden tab does not poll; when it is shown
 * again an answer older than its interval is fetched at once. A failed refresh keeps the last
 * answer next to the error, so a page never goes blank.
 */
export function apiQuery<T>(path: string, refreshMs = 0) {
  return queryOptions({
    queryKey: apiKey(path),
    queryFn: ({ signal }) => getJson<T>(path, signal),
    refetchInterval: refreshMs > 0 ? refreshMs : false,
    refetchOnWindowFocus: refreshMs > 0 ? (query) => Date.now() - query.state.dataUpdatedAt >= refreshMs : false,
  });
}

/** A text answer (an object's YAML). */
export function textQuery(path: string) {
  return queryOptions({
    queryKey: textKey(path),
    queryFn: ({ signal }) => getText(path, signal),
  });
}

// An answer reaches the views showing it as it arrives, in the same task (React batches the
// renders), as a live delta did when views kept their own state; TanStack's default waits a timer.
notifyManager.setScheduler((callback) => {
  callback();
});

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A failure is shown at once with its reason and a Retry button; nothing retries behind the person's back.
      retry: false,
      // The browser's idea of being offline is not the server's: ask, and show what the answer was.
      networkMode: 'always',
      refetchOnMount: firstView,
      refetchOnWindowFocus: false,
    },
    mutations: { retry: false, networkMode: 'always' },
  },
});

// Logs can hold 10,000 lines: no deep comparison of each update, and nothing kept once unseen.
queryClient.setQueryDefaults(['log'], { structuralSharing: false, gcTime: 0 });

/**
 * Forgets every answer: what one person's pages fetched is not the next person's to see, even
 * briefly (signing in). Tests start from nothing the same way.
 */
export function forgetAnswers(): void {
  queryClient.cancelQueries().catch(() => undefined);
  queryClient.clear();
}
