//! Shares one polled copy of each API resource among every component that shows it.
//!
//! The first subscriber fetches and starts polling; the last one to leave stops it. A failed
//! refresh keeps the last good data next to the error, so a page never flickers to blank.

import { getJson } from './client';
import { type ApiError, toApiError } from './errors';

export interface ResourceState<T> {
  data: T | undefined;
  /** The last fetch's failure; cleared by the next success. */
  error: ApiError | undefined;
  /** True while a fetch is running (the first one or a refresh). */
  loading: boolean;
  /** When data last arrived (ms since the epoch). */
  updatedAt: number | undefined;
}

type Listener = () => void;

export class Resource<T> {
  private state: ResourceState<T> = { data: undefined, error: undefined, loading: false, updatedAt: undefined };
  private readonly listeners = new Set<Listener>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | undefined;

  constructor(
    readonly path: string,
    private readonly refreshMs: number,
  ) {}

  snapshot = (): ResourceState<T> => this.state;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) void this.refresh();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  };

  /** Fetches now (a retry button calls this), then schedules the next poll. */
  refresh = async (): Promise<void> => {
    this.controller?.abort();
    clearTimeout(this.timer);
    const controller = new AbortController();
    this.controller = controller;
    this.set({ ...this.state, loading: true });
    try {
      const data = await getJson<T>(this.path, controller.signal);
      if (controller.signal.aborted) return;
      this.set({ data, error: undefined, loading: false, updatedAt: Date.now() });
    } catch (error) {
      if (controller.signal.aborted) return;
      this.set({ ...this.state, error: toApiError(error, `GET ${this.path}`), loading: false });
    }
    if (this.listeners.size > 0 && this.refreshMs > 0) {
      this.timer = setTimeout(this.poll, this.refreshMs);
    }
  };

  /** A periodic refresh; a hidden tab waits until it is shown again instead of polling. */
  private poll = (): void => {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      const onVisible = () => {
        if (document.visibilityState === 'hidden') return;
        document.removeEventListener('visibilitychange', onVisible);
        if (this.listeners.size > 0) void this.refresh();
      };
      document.addEventListener('visibilitychange', onVisible);
      return;
    }
    void this.refresh();
  };

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    this.controller = undefined;
    if (this.state.loading) this.set({ ...this.state, loading: false });
  }

  private set(state: ResourceState<T>): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

const resources = new Map<string, Resource<unknown>>();

/** The shared resource for `path`, polled every `refreshMs` while anything shows it. */
export function resourceFor<T>(path: string, refreshMs: number): Resource<T> {
  let found = resources.get(path);
  if (!found) {
    found = new Resource<unknown>(path, refreshMs);
    resources.set(path, found);
  }
  return found as Resource<T>;
}

/** Forgets every resource; for tests, which each start from nothing. */
export function resetResources(): void {
  resources.clear();
}
