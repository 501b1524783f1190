import { afterEach, describe, expect, test, vi } from 'vitest';
import { type AnswerSeen, getJson, getText, observeAnswers, requestJson } from './client';
import { ApiError } from './errors';
import { inFlight } from './inflight';

function answer(status: number, body: string, contentType = 'application/json') {
  vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(body, { status, headers: { 'Content-Type': contentType } }))));
}

afterEach(() => {
  expect(inFlight.current()).toBe(0);
});

describe('getJson', () => {
  test('returns the JSON body of a success', async () => {
    answer(200, '{"name":"demo"}');
    await expect(getJson('api/v1/cluster')).resolves.toEqual({ name: 'demo' });
  });

  test('turns the server error body into an ApiError with its reason and message', async () => {
    answer(503, '{"error":{"code":503,"reason":"ClusterUnreachable","message":"The cluster does not answer.","details":null}}');
    const error = await getJson('api/v1/overview').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 503,
      reason: 'ClusterUnreachable',
      message: 'The cluster does not answer.',
      request: 'GET api/v1/overview',
    });
  });

  test('explains an error page that is not the contract shape, such as a proxy 502', async () => {
    answer(502, '<html>Bad Gateway</html>', 'text/html');
    await expect(getJson('api/v1/overview')).rejects.toMatchObject({ status: 502, reason: 'BadResponse' });
  });

  test('reports a server that cannot be reached as a network error', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(getJson('api/v1/overview')).rejects.toMatchObject({ status: 0, reason: 'NetworkError' });
  });

  test('counts the request as in flight until it settles', async () => {
    let release: (r: Response) => void = () => undefined;
    vi.stubGlobal('fetch', vi.fn(() => new Promise<Response>((resolve) => (release = resolve))));
    const pending = getJson('api/v1/cluster');
    expect(inFlight.current()).toBe(1);
    release(new Response('{}', { status: 200 }));
    await pending;
    expect(inFlight.current()).toBe(0);
  });
});

describe('observeAnswers', () => {
  test('hears every answer with its status and reason, and whether the request expected a 401', async () => {
    const seen: AnswerSeen[] = [];
    const stop = observeAnswers((answer) => seen.push(answer));
    answer(401, '{"error":{"code":401,"reason":"SessionExpired","message":"your session ended","details":null}}');
    await getJson('api/v1/overview').catch(() => undefined);
    await requestJson('POST', 'api/v1/session', { body: { json: { token: 'x' } }, expect401: true }).catch(() => undefined);
    await getText('api/v1/logs/shop/web-1').catch(() => undefined);
    answer(200, '{}');
    await getJson('api/v1/cluster');
    stop();
    await getJson('api/v1/cluster');
    expect(seen).toEqual([
      { status: 401, reason: 'SessionExpired', message: 'your session ended', request: 'GET api/v1/overview', expected401: false },
      { status: 401, reason: 'SessionExpired', message: 'your session ended', request: 'POST api/v1/session', expected401: true },
      { status: 401, reason: 'SessionExpired', message: 'your session ended', request: 'GET api/v1/logs/shop/web-1', expected401: false },
      { status: 200, reason: undefined, message: '', request: 'GET api/v1/cluster', expected401: false },
    ]);
  });

  test('hears nothing when no answer came', async () => {
    const seen: AnswerSeen[] = [];
    const stop = observeAnswers((answer) => seen.push(answer));
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    await getJson('api/v1/overview').catch(() => undefined);
    stop();
    expect(seen).toEqual([]);
  });
});
