//! A log in the query cache: read once (`api/v1/logs/…`), or followed over the tab's live
//! connection, whose lines are appended to the same cache entry as they arrive.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { getJson, getText } from '../lib/api/client';
import { ApiError } from '../lib/api/errors';
import { live } from '../lib/api/live';
import { logKey } from '../lib/api/query';
import type { LogLine } from '../lib/api/generated';
import type { Warning } from '../lib/api/warning';

/** At most this many lines are kept in the page while following. */
const MAX_LINES = 10_000;

export type { LogLine } from '../lib/api/generated';

export interface LogView {
  lines: LogLine[];
  warnings: Warning[];
  /** Why a followed stream ended; null while it runs (and for a log read once). */
  ended: string | null;
}

/** Splits a pod's log into lines (the last newline ends a line, it does not start one). */
function linesOf(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((l, i, all) => l !== '' || i < all.length - 1)
    .map((line) => ({ line }));
}

/**
 * The log at `path` (`api/v1/logs/shop/web-1?container=api`, `…&follow=true`): a pod's as text,
 * a workload's as JSON lines with warnings; followed live when `follow`. `undefined` until read.
 */
export function useLog(path: string, mode: 'pod' | 'workload', follow: boolean): { log: LogView | undefined; error: ApiError | undefined } {
  const client = useQueryClient();
  const key = logKey(path);
  const read = useQuery({
    queryKey: key,
    queryFn: async ({ signal }): Promise<LogView> => {
      if (mode === 'pod') return { lines: linesOf(await getText(path, signal)), warnings: [], ended: null };
      const answer = await getJson<{ lines: LogLine[]; warnings: Warning[] | null }>(path, signal);
      return { lines: answer.lines, warnings: answer.warnings ?? [], ended: null };
    },
    // A followed log is written by the live connection, never fetched.
    enabled: !follow,
  });
  // Kept with the log it belongs to, so another log starts without it.
  const [refused, setRefused] = useState<{ path: string; error: ApiError } | undefined>(undefined);

  useEffect(() => {
    if (!follow) return;
    const key = logKey(path);
    const buffer: LogLine[] = [];
    let frame: number | undefined;
    const update = (change: (view: LogView) => LogView) => {
      client.setQueryData<LogView>(key, (view) => change(view ?? { lines: [], warnings: [], ended: null }));
    };
    const flush = () => {
      frame = undefined;
      const chunk = buffer.splice(0);
      update((view) => {
        const lines = view.lines.concat(chunk);
        return { ...view, lines: lines.length > MAX_LINES ? lines.slice(lines.length - MAX_LINES) : lines };
      });
    };
    const start = () => {
      buffer.length = 0;
      setRefused(undefined);
      client.setQueryData<LogView>(key, { lines: [], warnings: [], ended: null });
    };
    start();
    const unsubscribe = live.subscribeLog(path, (event) => {
      switch (event.event) {
        case 'line':
          buffer.push(event.data);
          frame ??= requestAnimationFrame(flush);
          break;
        case 'warning':
          update((view) => ({ ...view, warnings: [...view.warnings, event.data] }));
          break;
        case 'end':
          // As before over SSE: the first stream to end ends the view (a workload's others too).
          update((view) => ({ ...view, ended: event.data.reason }));
          unsubscribe();
          break;
        case 'error': {
          const { code, reason, message, details } = event.data.error;
          setRefused({ path, error: new ApiError({ status: code, reason, message, details, request: `GET ${path}` }) });
          break;
        }
        case 'reopened':
          // The connection was lost: the log's tail arrives again.
          start();
          break;
      }
    });
    return () => {
      unsubscribe();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [client, path, follow]);

  const error = follow ? (refused?.path === path ? refused.error : undefined) : (read.error ?? undefined);
  return { log: read.data, error };
}
