import { describe, expect, test, vi } from 'vitest';
import { person, refused, sessionAnswer } from '../../test/fixtures';
import { fakeApi } from '../../test/render';
import { getJson, requestJson } from './client';
import { mustSignIn, safeReturnPath, session, signInPath } from './session';

describe('safeReturnPath', () => {
  test.each([
    ['a page with its query', '/pods?namespace=shop', '/pods?namespace=shop'],
    ['the overview', '/', '/'],
    ['nothing', null, '/'],
    ['a path without its leading slash', 'pods', '/'],
    ['another origin', 'https://evil.example/pods', '/'],
    ['a protocol-relative URL', '//evil.example/pods', '/'],
    ['a backslash the browser reads as a slash', '/\\evil.example/pods', '/'],
    ['a tab hidden in a protocol-relative URL', '/\t/evil.example', '/'],
    ['the sign-in page itself', '/login?return=%2Fpods', '/'],
  ])('%s', (_name, raw, expected) => {
    expect(safeReturnPath(raw)).toBe(expected);
  });
});

describe('signInPath', () => {
  test('remembers the page to go back to, but not the overview', () => {
    expect(signInPath('/pods?namespace=shop')).toBe('/login?return=%2Fpods%3Fnamespace%3Dshop');
    expect(signInPath('/')).toBe('/login');
  });
});

describe('mustSignIn', () => {
  test.each([
    ['login mode, nobody signed in', { session: sessionAnswer(), error: undefined, ended: undefined }, true],
    ['login mode, signed in', { session: sessionAnswer({ person: person() }), error: undefined, ended: undefined }, false],
    ['a call was refused', { session: sessionAnswer({ person: person() }), error: undefined, ended: { reason: 'SessionExpired' as const, message: '' } }, true],
    ['proxy mode with a person', { session: sessionAnswer({ mode: 'proxy', person: person() }), error: undefined, ended: undefined }, false],
    ['the session is not known yet', { session: undefined, error: undefined, ended: undefined }, false],
  ])('%s: %s', (_name, state, expected) => {
    expect(mustSignIn(state)).toBe(expected);
  });
});

describe('session', () => {
  test('a 401 the request expects (a rejected token) does not end the session', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ person: person() }) }, 'api/v1/cluster': refused('Unauthorized', 'sign in first') });
    await session.load();
    await requestJson('GET', 'api/v1/cluster', { expect401: true }).catch(() => undefined);
    expect(session.snapshot().ended).toBeUndefined();
    await getJson('api/v1/cluster').catch(() => undefined);
    expect(session.snapshot().ended).toEqual({ reason: 'Unauthorized', message: 'sign in first' });
    expect(session.snapshot().session?.person).toBeNull();
  });

  test('a person who is no longer signed in when the session is read again had their session end', async () => {
    let signedIn = true;
    fakeApi({ 'api/v1/session': () => ({ body: sessionAnswer({ person: signedIn ? person() : null }) }) });
    await session.load();
    expect(session.snapshot().ended).toBeUndefined();
    signedIn = false;
    await session.load();
    expect(session.snapshot().ended?.reason).toBe('SessionExpired');
  });

  test('a read that started before signing in cannot undo it', async () => {
    let answerRead: (response: Response) => void = () => undefined;
    vi.stubGlobal(
      'fetch',
      vi.fn((_path: string, init?: RequestInit) => {
        if (init?.method === 'POST') return Promise.resolve(new Response(JSON.stringify(sessionAnswer({ person: person() }))));
        return new Promise<Response>((resolve) => (answerRead = resolve));
      }),
    );
    const read = session.load();
    await session.signIn('t');
    answerRead(new Response(JSON.stringify(sessionAnswer())));
    await read;
    expect(session.snapshot().session?.person?.user).toBe('alice');
    expect(session.snapshot().ended).toBeUndefined();
  });

  test('near the end, a successful call reads the session again (the server refreshes OIDC sessions)', async () => {
    const soon = new Date(Date.now() + 2 * 60_000).toISOString();
    const later = new Date(Date.now() + 60 * 60_000).toISOString();
    let reads = 0;
    fakeApi({
      'api/v1/session': () => {
        reads += 1;
        return { body: sessionAnswer({ person: person({ method: 'oidc', expiresAt: reads === 1 ? soon : later }) }) };
      },
      'api/v1/overview': { body: {} },
    });
    await session.load();
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse(soon) - 60_000);
    await getJson('api/v1/overview');
    await vi.waitFor(() => {
      expect(session.snapshot().session?.person?.expiresAt).toBe(later);
    });
    expect(reads).toBe(2);
  });

  test('far from the end, calls do not read the session again', async () => {
    let reads = 0;
    fakeApi({
      'api/v1/session': () => {
        reads += 1;
        return { body: sessionAnswer({ person: person() }) };
      },
      'api/v1/overview': { body: {} },
    });
    await session.load();
    await getJson('api/v1/overview');
    await getJson('api/v1/overview');
    expect(reads).toBe(1);
  });
});
