//! React access to the tab's live connection: its state, and a paused switch kept per tab.

import { useSyncExternalStore } from 'react';
import { live, type ConnectionState } from '../lib/api/live';

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(live.onState, live.state);
}

let paused = false;
const pausedListeners = new Set<() => void>();

/** Whether live updates are paused in this tab, and the switch. */
export const livePause = {
  get: (): boolean => paused,
  set: (value: boolean): void => {
    paused = value;
    for (const l of pausedListeners) l();
  },
  subscribe: (listener: () => void): (() => void) => {
    pausedListeners.add(listener);
    return () => {
      pausedListeners.delete(listener);
    };
  },
};

export function useLivePaused(): [boolean, (paused: boolean) => void] {
  return [useSyncExternalStore(livePause.subscribe, livePause.get), livePause.set];
}
