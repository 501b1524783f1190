//! List pages' data (`GET /api/v1/resources/…`): columns, typed cells, and how a live delta
//! changes the page a person is looking at. Pure: no fetching, no React.

import type { LiveEvent, ListAnswer, Row, StatusCell, RestartsCell, DurationCell } from '../api/generated';

export type {
  CellValue,
  Column,
  ColumnType,
  ColumnValue,
  DurationCell,
  ListAnswer,
  ListState,
  LiveEvent,
  RestartsCell,
  Row,
  RowChange,
  Severity,
  StatusCell,
} from '../api/generated';

/** A change of one row of a live view (see docs/api.md, "Live views"). */
export type RowDelta = Extract<LiveEvent, { event: 'added' | 'modified' | 'removed' }>;

/** A row's identity: its uid, else (an object without one) namespace and name. */
export function rowKey(row: Row): string {
  return row.uid !== '' ? row.uid : `${row.namespace ?? ''}/${row.name}`;
}

/** The column the sort parameter names (`-creationTimestamp` → `creationTimestamp`). */
export function sortColumn(sort: string): string {
  return sort.startsWith('-') ? sort.slice(1) : sort;
}

/**
 * Applies a delta to the page shown. Rows on the page are updated or removed in place; the page
 * must be fetched again (`refetch`) when its membership or order may have changed — a row added,
 * removed, or modified in its sort column — since deltas come for every matching object, not
 * only those on this page.
 */
export function applyDelta(list: ListAnswer, delta: RowDelta, sort: string): { list: ListAnswer; refetch: boolean } {
  const key = rowKey(delta.data.row);
  const index = list.items.findIndex((r) => rowKey(r) === key);
  const total = delta.data.total;
  switch (delta.event) {
    case 'modified': {
      if (index < 0) return { list: total === list.total ? list : { ...list, total }, refetch: false };
      const before = list.items[index];
      const items = list.items.slice();
      items[index] = delta.data.row;
      const column = sortColumn(sort || 'name');
      const moved = before !== undefined && JSON.stringify(before[column]) !== JSON.stringify(delta.data.row[column]);
      return { list: { ...list, items, total }, refetch: moved };
    }
    case 'removed': {
      const items = index < 0 ? list.items : list.items.filter((_, i) => i !== index);
      return { list: { ...list, items, total }, refetch: true };
    }
    case 'added': {
      // Where it belongs depends on the server's sort; show the new total now and ask for the page.
      if (index >= 0) {
        const items = list.items.slice();
        items[index] = delta.data.row;
        return { list: { ...list, items, total }, refetch: false };
      }
      return { list: { ...list, total }, refetch: true };
    }
  }
}

/** `1/2` → [1, 2]; null when the text is not a ratio. */
export function parseRatio(text: unknown): [number, number] | null {
  if (typeof text !== 'string') return null;
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) return null;
  return [Number(match[1]), Number(match[2])];
}

export function isStatusCell(value: unknown): value is StatusCell {
  return typeof value === 'object' && value !== null && typeof (value as StatusCell).text === 'string' && 'severity' in value;
}

export function isRestartsCell(value: unknown): value is RestartsCell {
  return typeof value === 'object' && value !== null && typeof (value as RestartsCell).count === 'number';
}

export function isDurationCell(value: unknown): value is DurationCell {
  return typeof value === 'object' && value !== null && typeof (value as DurationCell).start === 'string';
}

/** A duration as kubectl prints it: `45s`, `5m30s`, `3h10m`, `2d4h`, `400d`. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return `${d}d`;
}

/** The list query a page's URL carries. */
export interface ListQuery {
  namespace: string;
  q: string;
  labelSelector: string;
  sort: string;
  page: number;
  pageSize: number;
}

export const PAGE_SIZES = [50, 100, 200, 500] as const;
export const DEFAULT_PAGE_SIZE = 50;

export function queryFromParams(params: URLSearchParams): ListQuery {
  const page = Number.parseInt(params.get('page') ?? '', 10);
  const pageSize = Number.parseInt(params.get('pageSize') ?? '', 10);
  return {
    namespace: params.get('namespace') ?? '',
    q: params.get('q') ?? '',
    labelSelector: params.get('labelSelector') ?? '',
    sort: params.get('sort') ?? 'name',
    page: Number.isFinite(page) && page > 0 ? page : 1,
    pageSize: Number.isFinite(pageSize) && pageSize > 0 && pageSize <= 500 ? pageSize : DEFAULT_PAGE_SIZE,
  };
}

/** The API's query string for a list (defaults left out). */
export function apiQuery(query: ListQuery, namespaced: boolean): string {
  const params = new URLSearchParams();
  if (namespaced && query.namespace) params.set('namespace', query.namespace);
  if (query.q) params.set('q', query.q);
  if (query.labelSelector) params.set('labelSelector', query.labelSelector);
  params.set('sort', query.sort || 'name');
  params.set('page', String(query.page));
  params.set('pageSize', String(query.pageSize));
  return params.toString();
}
