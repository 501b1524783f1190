//! The current time, shared by everything that shows an age and advanced every few seconds,
//! so "5s ago" keeps moving without each row running its own timer.

import { useSyncExternalStore } from 'react';

const TICK_MS = 5_000;

let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!timer) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function snapshot(): number {
  return now;
}

/** Milliseconds since the epoch, updated every few seconds while mounted. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot);
}
