import { describe, expect, test } from 'vitest';
import { applyDelta, apiQuery, humanDuration, queryFromParams, type ListAnswer, type Row } from './rows';

const row = (name: string, extra: Partial<Row> = {}): Row => ({ name, namespace: 'shop', uid: `uid-${name}`, creationTimestamp: null, labels: {}, ...extra });

function page(...rows: Row[]): ListAnswer {
  return { items: rows, total: rows.length, page: 1, pageSize: 50, columns: [], state: 'ready', warnings: [] };
}

describe('applyDelta', () => {
  test('a modified row on the page is replaced in place without asking for the page again', () => {
    const list = page(row('a', { status: 'Pending' }), row('b'));
    const next = applyDelta(list, { event: 'modified', data: { row: row('a', { status: 'Running' }), total: 2 } }, 'name');
    expect(next.list.items[0]?.status).toBe('Running');
    expect(next.refetch).toBe(false);
  });

  test('a modified row whose sort column changed asks for the page again', () => {
    const list = page(row('a', { restarts: 1 }));
    const next = applyDelta(list, { event: 'modified', data: { row: row('a', { restarts: 2 }), total: 1 } }, '-restarts');
    expect(next.refetch).toBe(true);
  });

  test('a modified row on another page changes nothing', () => {
    const list = page(row('a'));
    const next = applyDelta(list, { event: 'modified', data: { row: row('z'), total: 1 } }, 'name');
    expect(next.list).toBe(list);
    expect(next.refetch).toBe(false);
  });

  test('a removed row leaves the page at once and the total drops', () => {
    const next = applyDelta(page(row('a'), row('b')), { event: 'removed', data: { row: row('a'), total: 1 } }, 'name');
    expect(next.list.items.map((r) => r.name)).toEqual(['b']);
    expect(next.list.total).toBe(1);
    expect(next.refetch).toBe(true);
  });

  test('an added row updates the total and asks for the page, where the server places it', () => {
    const next = applyDelta(page(row('a')), { event: 'added', data: { row: row('b'), total: 2 } }, 'name');
    expect(next.list.total).toBe(2);
    expect(next.list.items).toHaveLength(1);
    expect(next.refetch).toBe(true);
  });
});

describe('list query', () => {
  test('reads the URL with defaults and writes the API query', () => {
    const query = queryFromParams(new URLSearchParams('namespace=shop&q=web&sort=-creationTimestamp&page=2&pageSize=9999'));
    expect(query).toEqual({ namespace: 'shop', q: 'web', labelSelector: '', sort: '-creationTimestamp', page: 2, pageSize: 50 });
    expect(apiQuery(query, true)).toBe('namespace=shop&q=web&sort=-creationTimestamp&page=2&pageSize=50');
  });

  test('a cluster-scoped kind ignores the namespace', () => {
    expect(apiQuery(queryFromParams(new URLSearchParams('namespace=shop')), false)).toBe('sort=name&page=1&pageSize=50');
  });
});

describe('humanDuration', () => {
  test.each([
    [45_000, '45s'],
    [330_000, '5m30s'],
    [3 * 3600_000 + 600_000, '3h10m'],
    [52 * 3600_000, '2d4h'],
  ])('%d ms is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });
});
