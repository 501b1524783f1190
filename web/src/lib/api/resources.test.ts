import { afterEach, describe, expect, test, vi } from 'vitest';
import { resourceFor } from './resources';

function answers(...bodies: [number, unknown][]) {
  const queue = [...bodies];
  const fetchMock = vi.fn(() => {
    const [status, body] = queue.length > 1 ? (queue.shift() ?? [500, null]) : (queue[0] ?? [500, null]);
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

const serverError = { error: { code: 503, reason: 'ClusterUnreachable', message: 'The cluster does not answer.', details: null } };

afterEach(() => {
  vi.useRealTimers();
});

describe('Resource', () => {
  test('a failed refresh keeps the last data next to the error, so the page does not go blank', async () => {
    answers([200, { n: 1 }], [503, serverError]);
    const resource = resourceFor<{ n: number }>('api/v1/test', 0);
    const unsubscribe = resource.subscribe(() => undefined);
    await vi.waitFor(() => {
      expect(resource.snapshot().data).toEqual({ n: 1 });
    });
    await resource.refresh();
    expect(resource.snapshot().data).toEqual({ n: 1 });
    expect(resource.snapshot().error?.reason).toBe('ClusterUnreachable');
    unsubscribe();
  });

  test('components showing the same path share one fetch', async () => {
    const fetchMock = answers([200, { n: 1 }]);
    const a = resourceFor('api/v1/shared', 0);
    const b = resourceFor('api/v1/shared', 0);
    expect(a).toBe(b);
    const off = [a.subscribe(() => undefined), b.subscribe(() => undefined)];
    await vi.waitFor(() => {
      expect(a.snapshot().data).toBeDefined();
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    off.forEach((f) => {
      f();
    });
  });

  test('polls while subscribed and stops when the last subscriber leaves', async () => {
    vi.useFakeTimers();
    const fetchMock = answers([200, { n: 1 }]);
    const resource = resourceFor('api/v1/polled', 10_000);
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
