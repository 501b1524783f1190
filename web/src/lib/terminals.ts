//! The terminals open in this tab: a small store outside React, so they stay open (and their
//! connections with them) while the person moves between pages.

import { useSyncExternalStore } from 'react';

/** A shell in a pod's container, or on a node (through a short-lived privileged pod). */
export type TerminalTarget =
  | { kind: 'container'; namespace: string; pod: string; container: string; /** In a new debug container next to it. */ debug?: boolean }
  | { kind: 'node'; node: string };

export type OpenTerminal = TerminalTarget & {
  /** Unique in this tab; a reconnect gives a new one so the view starts afresh. */
  id: string;
};

/** How a terminal is named in its tab and status line. */
export function terminalTitle(target: TerminalTarget): string {
  if (target.kind === 'node') return target.node;
  return `${target.namespace}/${target.pod} · ${target.container}${target.debug ? ' · debug' : ''}`;
}

interface State {
  terminals: readonly OpenTerminal[];
  active: string | null;
}

let state: State = { terminals: [], active: null };
let counter = 0;
const listeners = new Set<() => void>();

function set(next: State): void {
  state = next;
  for (const listener of listeners) listener();
}

/** Opens a terminal on `target` and shows it. */
export function openTerminal(target: TerminalTarget): void {
  counter += 1;
  const terminal: OpenTerminal = { ...target, id: `t${String(counter)}` };
  set({ terminals: [...state.terminals, terminal], active: terminal.id });
}

/** Closes a terminal (its connection ends with its view). */
export function closeTerminal(id: string): void {
  const terminals = state.terminals.filter((t) => t.id !== id);
  const active = state.active === id ? (terminals.at(-1)?.id ?? null) : state.active;
  set({ terminals, active });
}

/** Shows a terminal; `null` folds the panel away and keeps every terminal running. */
export function showTerminal(id: string | null): void {
  set({ ...state, active: id });
}

/** Starts a terminal again on the same target, in place of the one that ended. */
export function reconnectTerminal(id: string): void {
  counter += 1;
  const next = `t${String(counter)}`;
  set({
    terminals: state.terminals.map((t) => (t.id === id ? { ...t, id: next } : t)),
    active: state.active === id ? next : state.active,
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTerminals(): State {
  return useSyncExternalStore(subscribe, () => state);
}

/**
 * `ws(s)://host/base/api/v1/terminal/{ns}/{pod}?container=…` (or `…/api/v1/node-shell/{node}`)
 * from the page's `<base href>`.
 */
export function terminalUrl(target: TerminalTarget, size: { cols: number; rows: number }, baseURI: string = document.baseURI): string {
  const path =
    target.kind === 'node'
      ? `api/v1/node-shell/${encodeURIComponent(target.node)}`
      : `api/v1/terminal/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.pod)}`;
  const url = new URL(path, baseURI);
  if (target.kind === 'container') {
    url.searchParams.set('container', target.container);
    if (target.debug) url.searchParams.set('debug', '');
  }
  url.searchParams.set('cols', String(size.cols));
  url.searchParams.set('rows', String(size.rows));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * Whether a key press in a terminal copies its selection, as terminals on Linux and Windows do:
 * Ctrl+Shift+C, or Ctrl+C while text is selected (without a selection it stays the shell's
 * interrupt). Pasting needs nothing: the browser's own paste (Ctrl+V, Ctrl+Shift+V, ⌘V, the
 * context menu) reaches the terminal as a paste event.
 */
export function copiesSelection(
  key: Pick<KeyboardEvent, 'type' | 'code' | 'ctrlKey' | 'altKey' | 'metaKey'>,
  hasSelection: boolean,
): boolean {
  return key.type === 'keydown' && key.code === 'KeyC' && key.ctrlKey && !key.altKey && !key.metaKey && hasSelection;
}
