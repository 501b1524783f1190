//! The number of API requests in flight, for the global progress bar.

import { useSyncExternalStore } from 'react';
import { inFlight } from '../lib/api/inflight';

export function useInFlight(): number {
  return useSyncExternalStore(inFlight.subscribe, inFlight.current);
}
