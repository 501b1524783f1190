//! React access to one API answer through the app's query cache (`lib/api/query.ts`).

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { ApiError } from '../lib/api/errors';
import { apiQuery } from '../lib/api/query';

/** How often pages refresh what they show. */
export const REFRESH_MS = 10_000;

export interface ApiAnswer<T> {
  /** The last answer; kept when a refresh fails. */
  data: T | undefined;
  /** The last fetch's failure; cleared by the next success. */
  error: ApiError | undefined;
  /** A fetch is running (the first one or a refresh). */
  fetching: boolean;
  /** Fetch again now (a Retry button, after a change). */
  retry: () => void;
}

export interface ApiQueryOptions {
  /** Nothing is asked while false. */
  enabled?: boolean;
  /** When `path` changes, the last path's answer stays shown until the new one arrives. */
  keepPrevious?: boolean;
}

/**
 * The JSON answer of `path`, shared with every other view of it and polled every `refreshMs`
 * (0: fetched when first shown, not polled).
 */
export function useApiQuery<T>(path: string, refreshMs: number = REFRESH_MS, options: ApiQueryOptions = {}): ApiAnswer<T> {
  const { data, error, isFetching, refetch } = useQuery({
    ...apiQuery<T>(path, refreshMs),
    enabled: options.enabled ?? true,
    placeholderData: options.keepPrevious ? keepPreviousData : undefined,
  });
  const retry = useCallback(() => {
    void refetch();
  }, [refetch]);
  return { data, error: error ?? undefined, fetching: isFetching, retry };
}
