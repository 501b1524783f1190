//! React access to one API answer through the app's query cache (`lib/api/query.ts`).

import { useQuery } from '@tanstack/react-query';
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
  /** Fetch again now (a Retry button). */
  retry: () => void;
}

/**
 * The JSON answer of `path`, shared with every other view of it and polled every `refreshMs`
 * (0: fetched when first shown, not polled). With `enabled` false nothing is asked.
 */
export function useApiQuery<T>(path: string, refreshMs: number = REFRESH_MS, enabled = true): ApiAnswer<T> {
  const { data, error, refetch } = useQuery({ ...apiQuery<T>(path, refreshMs), enabled });
  const retry = useCallback(() => {
    void refetch();
  }, [refetch]);
  return { data, error: error ?? undefined, retry };
}
