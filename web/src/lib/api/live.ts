//! One WebSocket per tab (`api/v1/live`) carrying every live view the tab shows.
//!
//! Views subscribe with a watch path and get its events; a log viewer follows a log path
//! (`api/v1/logs/shop/web-1?container=api`) and gets its `line`, `warning` and `end` events. The socket opens with the first view and
//! closes a little after the last one leaves; when it drops it reconnects with backoff (0.5 s,
//! doubling to 30 s) and subscribes every view again, whose fresh snapshot replaces what it shows.

import { reportRefusal } from './client';
import type { LiveEvent, LiveMessage, LiveRequest, LogEvent as ServerLogEvent } from './generated';

/** The part of a WebSocket this uses, so tests can hand in a fake one. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

/**
 * `idle`: no views; `connecting`: the first connection is opening; `open`: views are live;
 * `reconnecting`: the connection was lost and is being re-established.
 */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting';

export type LiveListener = (event: LiveEvent) => void;

/**
 * The events of a followed log: the server's (its lines, tagged with `pod` and `container` for a
 * workload; a workload stream that could not be opened; the end of a stream), a refusal
 * (`error`), and `reopened`, said by this connection when it was lost and the log is asked for
 * again (its tail follows anew).
 */
export type LogEvent = ServerLogEvent | Extract<LiveEvent, { event: 'error' }> | { event: 'reopened'; data: Record<string, never> };

export type LogListener = (event: LogEvent) => void;

export interface LiveOptions {
  url: () => string;
  createSocket?: (url: string) => SocketLike;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** No message (the server sends a heartbeat every 15 s) for this long means the link is dead. */
  silenceMs?: number;
  /** How long the socket stays open after the last view leaves (a page change re-subscribes). */
  lingerMs?: number;
}

interface Subscription {
  path: string;
  listener: (event: LiveEvent | LogEvent) => void;
  /** A log rather than a view: an `end` also ends it, and a reconnect first says `reopened`. */
  log: boolean;
  /** An `error` (or a log's `end`) event ended it; it is not sent again on reconnect. */
  ended: boolean;
  /** It was sent on an open socket (so a later subscribe is a reopening). */
  opened: boolean;
}

const OPEN = 1;

export class LiveConnection {
  private socket: SocketLike | undefined;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly stateListeners = new Set<() => void>();
  private current: ConnectionState = 'idle';
  private nextId = 1;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly options: Required<LiveOptions>;

  constructor(options: LiveOptions) {
    this.options = {
      createSocket: (url) => new WebSocket(url),
      minDelayMs: 500,
      maxDelayMs: 30_000,
      silenceMs: 40_000,
      lingerMs: 10_000,
      ...options,
    };
  }

  state = (): ConnectionState => this.current;

  onState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  };

  /** Follows the watch path (`api/v1/watch/core/v1/pods?namespace=shop`); returns the unsubscribe. */
  subscribe(path: string, listener: LiveListener): () => void {
    return this.add(path, listener as (event: LiveEvent | LogEvent) => void, false);
  }

  /** Follows a log path (`api/v1/logs/shop/web-1?container=api`); returns the unsubscribe. */
  subscribeLog(path: string, listener: LogListener): () => void {
    return this.add(path, listener as (event: LiveEvent | LogEvent) => void, true);
  }

  private add(path: string, listener: (event: LiveEvent | LogEvent) => void, log: boolean): () => void {
    const id = `s${this.nextId++}`;
    const sub: Subscription = { path, listener, log, ended: false, opened: false };
    this.subscriptions.set(id, sub);
    clearTimeout(this.lingerTimer);
    if (!this.socket) this.connect();
    else if (this.socket.readyState === OPEN) {
      sub.opened = true;
      this.send({ op: 'subscribe', id, path });
    }
    return () => {
      if (!this.subscriptions.delete(id)) return;
      this.send({ op: 'unsubscribe', id });
      if (this.subscriptions.size === 0) {
        this.lingerTimer = setTimeout(() => {
          if (this.subscriptions.size === 0) this.shutdown();
        }, this.options.lingerMs);
      }
    };
  }

  /** Closes the socket and forgets every view (tests; a page being unloaded). */
  shutdown(): void {
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.silenceTimer);
    clearTimeout(this.lingerTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onopen = null;
      socket.close();
    }
    this.attempt = 0;
    this.setState('idle');
  }

  /** Reconnects now instead of waiting out the backoff (the browser says it is online again). */
  retryNow(): void {
    if (this.current !== 'reconnecting' || this.socket) return;
    clearTimeout(this.reconnectTimer);
    this.connect();
  }

  private connect(): void {
    this.setState(this.attempt === 0 && this.current !== 'reconnecting' ? 'connecting' : 'reconnecting');
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      this.armSilence();
      for (const [id, sub] of this.subscriptions) {
        if (sub.ended) continue;
        if (sub.log && sub.opened) sub.listener({ event: 'reopened', data: {} });
        sub.opened = true;
        this.send({ op: 'subscribe', id, path: sub.path });
      }
    };
    socket.onmessage = (message) => {
      this.armSilence();
      this.receive(message.data);
    };
    socket.onerror = () => {
      // A close follows every error; reconnecting is handled there.
    };
    socket.onclose = () => {
      this.lost();
    };
  }

  private lost(): void {
    this.socket = undefined;
    clearTimeout(this.silenceTimer);
    if (this.subscriptions.size === 0) {
      this.setState('idle');
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.socket = undefined;
    this.setState('reconnecting');
    const delay = Math.min(this.options.maxDelayMs, this.options.minDelayMs * 2 ** this.attempt);
    this.attempt += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect();
    }, delay);
  }

  private armSilence(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      // Treat a silent link as lost: close it (its onclose reconnects).
      const socket = this.socket;
      if (!socket) return;
      socket.onclose = null;
      socket.close();
      this.lost();
    }, this.options.silenceMs);
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'string') return;
    let message: LiveMessage;
    try {
      message = JSON.parse(raw) as LiveMessage;
    } catch {
      return;
    }
    if (!message.id) {
      // Heartbeats, and errors of the connection itself: a session that ended is said where every
      // other refusal is, so the sign-in page shows without waiting for a fetch to fail.
      if (message.event === 'error') {
        const { code, reason, message: text } = message.data.error;
        reportRefusal(code, reason, text, 'WS api/v1/live');
      }
      return;
    }
    const sub = this.subscriptions.get(message.id);
    if (!sub) return;
    const event = message as LiveEvent | LogEvent;
    if (event.event === 'error' || (sub.log && event.event === 'end')) sub.ended = true;
    sub.listener(event);
    // The server ended the view because it fell behind: its id is free, ask again for a new snapshot.
    if (message.event === 'resync' && this.subscriptions.get(message.id) === sub) {
      this.send({ op: 'subscribe', id: message.id, path: sub.path });
    }
  }

  private send(message: LiveRequest): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.stateListeners) listener();
  }
}

/** `ws(s)://host/base/api/v1/live` from the page's `<base href>`. */
export function liveUrl(baseURI: string = document.baseURI): string {
  const url = new URL('api/v1/live', baseURI);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** The tab's one connection. */
export const live = new LiveConnection({ url: () => liveUrl() });

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    live.retryNow();
  });
}
