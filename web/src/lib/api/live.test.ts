import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeSocket } from '../../test/fakeSocket';
import { observeAnswers } from './client';
import { LiveConnection } from './live';

function connection() {
  return new LiveConnection({ url: () => 'ws://test/api/v1/live', createSocket: (url) => new FakeSocket(url), lingerMs: 1_000 });
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveConnection', () => {
  test('carries every subscription of the tab over one socket', () => {
    const live = connection();
    live.subscribe('api/v1/watch/core/v1/pods', () => undefined);
    FakeSocket.latest().open();
    live.subscribe('api/v1/watch/apps/v1/deployments', () => undefined);
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.latest().sent).toEqual([
      { op: 'subscribe', id: 's1', path: 'api/v1/watch/core/v1/pods' },
      { op: 'subscribe', id: 's2', path: 'api/v1/watch/apps/v1/deployments' },
    ]);
    expect(live.state()).toBe('open');
  });

  test('hands each event to the subscription its id names', () => {
    const live = connection();
    const pods = vi.fn();
    const deployments = vi.fn();
    live.subscribe('api/v1/watch/core/v1/pods', pods);
    live.subscribe('api/v1/watch/apps/v1/deployments', deployments);
    const socket = FakeSocket.latest();
    socket.open();
    socket.receive({ id: 's2', event: 'added', data: { row: { name: 'web' }, total: 1 } });
    socket.receive({ event: 'heartbeat', data: {} });
    expect(pods).not.toHaveBeenCalled();
    expect(deployments).toHaveBeenCalledWith(expect.objectContaining({ event: 'added' }));
  });

  test('after a network loss it reconnects with growing delays and subscribes again', () => {
    const live = connection();
    live.subscribe('api/v1/watch/core/v1/pods', () => undefined);
    FakeSocket.latest().open();
    FakeSocket.latest().drop();
    expect(live.state()).toBe('reconnecting');
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.latest().drop(); // still down
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.latest().open();
    expect(live.state()).toBe('open');
    expect(FakeSocket.latest().sent).toEqual([{ op: 'subscribe', id: 's1', path: 'api/v1/watch/core/v1/pods' }]);
  });

  test('a view that fell behind (resync) is subscribed again for a new snapshot', () => {
    const live = connection();
    const listener = vi.fn();
    live.subscribe('api/v1/watch/core/v1/pods', listener);
    const socket = FakeSocket.latest();
    socket.open();
    socket.receive({ id: 's1', event: 'resync', data: { reason: 'the view fell behind' } });
    expect(listener).toHaveBeenCalledWith(expect.objectContaining({ event: 'resync' }));
    expect(socket.sent).toHaveLength(2);
    expect(socket.sent[1]).toEqual({ op: 'subscribe', id: 's1', path: 'api/v1/watch/core/v1/pods' });
  });

  test('a refused view is not asked for again after a reconnect', () => {
    const live = connection();
    live.subscribe('api/v1/watch/core/v1/secrets', () => undefined);
    FakeSocket.latest().open();
    FakeSocket.latest().receive({ id: 's1', event: 'error', data: { error: { code: 403, reason: 'Forbidden', message: 'no' } } });
    FakeSocket.latest().drop();
    vi.advanceTimersByTime(500);
    FakeSocket.latest().open();
    expect(FakeSocket.latest().sent).toEqual([]);
  });

  test('a connection ended by the session is reported where every refusal is', () => {
    const seen: { status: number; reason: string | undefined }[] = [];
    const stop = observeAnswers((answer) => seen.push({ status: answer.status, reason: answer.reason }));
    try {
      const live = connection();
      live.subscribe('api/v1/watch/core/v1/pods', () => undefined);
      FakeSocket.latest().open();
      FakeSocket.latest().receive({ event: 'heartbeat', data: {} });
      expect(seen).toEqual([]);
      FakeSocket.latest().receive({ event: 'error', data: { error: { code: 401, reason: 'SessionExpired', message: 'your session ended; sign in again' } } });
      expect(seen).toEqual([{ status: 401, reason: 'SessionExpired' }]);
    } finally {
      stop();
    }
  });

  test('a followed log shares the socket, says reopened after a reconnect, and is not asked for again once ended', () => {
    const live = connection();
    const events: unknown[] = [];
    live.subscribe('api/v1/watch/core/v1/pods', () => undefined);
    FakeSocket.latest().open();
    live.subscribeLog('api/v1/logs/shop/web-1?container=api', (event) => events.push(event));
    FakeSocket.latest().receive({ id: 's2', event: 'line', data: { line: 'GET /' } });
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.latest().sent.at(-1)).toEqual({ op: 'subscribe', id: 's2', path: 'api/v1/logs/shop/web-1?container=api' });

    FakeSocket.latest().drop();
    vi.advanceTimersByTime(500);
    FakeSocket.latest().open();
    expect(events).toEqual([
      { id: 's2', event: 'line', data: { line: 'GET /' } },
      { event: 'reopened', data: {} },
    ]);
    expect(FakeSocket.latest().sent).toHaveLength(2);

    FakeSocket.latest().receive({ id: 's2', event: 'end', data: { reason: 'the pod stopped' } });
    FakeSocket.latest().drop();
    vi.advanceTimersByTime(500);
    FakeSocket.latest().open();
    expect(FakeSocket.latest().sent).toEqual([{ op: 'subscribe', id: 's1', path: 'api/v1/watch/core/v1/pods' }]);
  });

  test('a silent connection is treated as lost', () => {
    const live = new LiveConnection({ url: () => 'ws://x', createSocket: (url) => new FakeSocket(url), silenceMs: 40_000 });
    live.subscribe('api/v1/watch/core/v1/pods', () => undefined);
    FakeSocket.latest().open();
    vi.advanceTimersByTime(40_000);
    expect(FakeSocket.all[0]?.closed).toBe(true);
    expect(live.state()).toBe('reconnecting');
  });

  test('unsubscribing tells the server, and the socket closes a little after the last view leaves', () => {
    const live = connection();
    const off = live.subscribe('api/v1/watch/core/v1/pods', () => undefined);
    const socket = FakeSocket.latest();
    socket.open();
    off();
    expect(socket.sent.at(-1)).toEqual({ op: 'unsubscribe', id: 's1' });
    expect(socket.closed).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(socket.closed).toBe(true);
    expect(live.state()).toBe('idle');
  });
});
