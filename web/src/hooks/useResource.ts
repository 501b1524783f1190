//! React access to a shared, polled API resource.

import { useSyncExternalStore } from 'react';
import { resourceFor, type ResourceState } from '../lib/api/resources';

/** How often pages refresh what they show. */
export const REFRESH_MS = 10_000;

export interface UseResource<T> extends ResourceState<T> {
  /** Fetch again now (for a retry button). */
  retry: () => void;
}

export function useResource<T>(path: string, refreshMs: number = REFRESH_MS): UseResource<T> {
  const resource = resourceFor<T>(path, refreshMs);
  const state = useSyncExternalStore(resource.subscribe, resource.snapshot);
  return { ...state, retry: () => void resource.refresh() };
}
