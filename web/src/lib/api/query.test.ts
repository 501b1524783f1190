import { QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { apiQuery, queryClient } from './query';

function answers(...bodies: [number, unknown][]) {
  const queue = [...bodies];
  const fetchMock = vi.fn(() => {
    const [status, body] = queue.length > 1 ? (queue.shift() ?? [500, null]) : (queue[0] ?? [500, null]);
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

/** A view of `path`, as a component showing it would be. */
function view<T>(path: string, refreshMs: number) {
  return new QueryObserver(queryClient, apiQuery<T>(path, refreshMs));
}

const serverError = { error: { code: 503, reason: 'ClusterUnreachable', message: 'The cluster does not answer.', details: null } };

afterEach(() => {
  vi.useRealTimers();
});

describe('apiQuery', () => {
  test('a failed refresh keeps the last data next to the error, so the page does not go blank', async () => {
    answers([200, { n: 1 }], [503, serverError]);
    const resource = view<{ n: number }>('api/v1/test', 0);
    const unsubscribe = resource.subscribe(() => undefined);
    await vi.waitFor(() => {
      expect(resource.getCurrentResult().data).toEqual({ n: 1 });
    });
    await resource.refetch();
    expect(resource.getCurrentResult().data).toEqual({ n: 1 });
    expect(resource.getCurrentResult().error?.reason).toBe('ClusterUnreachable');
    unsubscribe();
  });

  test('components showing the same path share one fetch', async () => {
    const fetchMock = answers([200, { n: 1 }]);
    const a = view('api/v1/shared', 0);
    const b = view('api/v1/shared', 0);
    expect(a.getCurrentQuery()).toBe(b.getCurrentQuery());
    const off = [a.subscribe(() => undefined), b.subscribe(() => undefined)];
    await vi.waitFor(() => {
      expect(a.getCurrentResult().data).toBeDefined();
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    off.forEach((f) => {
      f();
    });
  });

  test('polls while subscribed and stops when the last subscriber leaves', async () => {
    vi.useFakeTimers();
    const fetchMock = answers([200, { n: 1 }]);
    const resource = view('api/v1/polled', 10_000);
    const unsubscribe = resource.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    unsubscribe();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});
