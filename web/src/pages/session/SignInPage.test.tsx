import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import { SessionGate } from '../../components/session/SessionGate';
import { person, refused, sessionAnswer } from '../../test/fixtures';
import { CurrentLocation, fakeApi, renderApp } from '../../test/render';

/** The sign-in page as the app shows it: behind the gate, with the router's location beside it. */
function signInAt(path: string, options: { locale?: 'en' | 'zh-CN' } = {}) {
  return renderApp(
    <>
      <SessionGate>
        <p>the console</p>
      </SessionGate>
      <CurrentLocation />
    </>,
    { path, ...options },
  );
}

function tokenField(): HTMLInputElement {
  return screen.getByLabelText('Bearer token');
}

describe('SignInPage', () => {
  test('signing in sends the token once and goes to the return path', async () => {
    const fetchMock = fakeApi({
      'api/v1/session': (init) => (init?.method === 'POST' ? { body: sessionAnswer({ person: person() }) } : { body: sessionAnswer() }),
    });
    await signInAt('/login?return=%2Fpods%3Fnamespace%3Dshop');
    const field = await screen.findByLabelText('Bearer token');
    expect(field).toHaveAttribute('type', 'password');
    fireEvent.change(field, { target: { value: 'eyJhbGciOi.secret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent('/pods?namespace=shop');
    });
    expect(screen.getByText('the console')).toBeInTheDocument();
    const posts = fetchMock.mock.calls.filter(([, init]) => init?.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.[1]?.body).toBe(JSON.stringify({ token: 'eyJhbGciOi.secret' }));
    // Never kept in the browser: not in storage, not in the URL.
    for (const storage of [window.localStorage, window.sessionStorage]) {
      const stored = Array.from({ length: storage.length }, (_, i) => storage.getItem(storage.key(i) ?? '') ?? '');
      expect(stored.join('\n')).not.toContain('secret');
    }
  });

  test('without a return path, signing in goes to the overview', async () => {
    fakeApi({
      'api/v1/session': (init) => (init?.method === 'POST' ? { body: sessionAnswer({ person: person() }) } : { body: sessionAnswer() }),
    });
    await signInAt('/login');
    fireEvent.change(await screen.findByLabelText('Bearer token'), { target: { value: 't' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/);
    });
  });

  test('a return path to another site is not followed', async () => {
    fakeApi({
      'api/v1/session': (init) => (init?.method === 'POST' ? { body: sessionAnswer({ person: person() }) } : { body: sessionAnswer() }),
    });
    await signInAt('/login?return=%2F%2Fevil.example%2Fpods');
    fireEvent.change(await screen.findByLabelText('Bearer token'), { target: { value: 't' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/);
    });
  });

  test('a rejected token shows the server’s message, clears the field and stays on the page', async () => {
    fakeApi({
      'api/v1/session': (init) =>
        init?.method === 'POST' ? refused('Unauthorized', 'the API server rejected the token: token has expired') : { body: sessionAnswer() },
    });
    await signInAt('/login?return=%2Fpods');
    fireEvent.change(await screen.findByLabelText('Bearer token'), { target: { value: 'old-token' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Signing in failed');
    expect(alert).toHaveTextContent('the API server rejected the token: token has expired');
    expect(alert).toHaveTextContent('Unauthorized');
    expect(tokenField()).toHaveValue('');
    expect(screen.getByTestId('location')).toHaveTextContent('/login?return=%2Fpods');
    // Its 401 is the answer to signing in, not a sign that a session ended.
    expect(screen.queryByText('Your session has ended')).toBeNull();
  });

  test('is busy while signing in: the button says so and nothing can be sent twice', async () => {
    let answer: (response: Response) => void = () => undefined;
    const posted = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    vi.stubGlobal(
      'fetch',
      vi.fn((input: string, init?: RequestInit) => {
        if (input === 'api/v1/session' && init?.method === 'POST') return posted;
        const body = input === 'api/v1/session' ? sessionAnswer() : { error: { code: 404, reason: 'NotFound', message: 'no', details: null } };
        return Promise.resolve(new Response(JSON.stringify(body), { status: input === 'api/v1/session' ? 200 : 404 }));
      }),
    );
    await signInAt('/login');
    fireEvent.change(await screen.findByLabelText('Bearer token'), { target: { value: 't' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    const busy = await screen.findByRole('button', { name: 'Signing in…' });
    expect(busy).toBeDisabled();
    expect(tokenField()).toBeDisabled();
    await act(async () => {
      answer(new Response(JSON.stringify(sessionAnswer({ person: person() })), { status: 200 }));
      await posted;
    });
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/);
    });
  });

  test('offers OIDC only when the server does, returning to where the person was', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ methods: ['token', 'oidc'] }) } });
    await signInAt('/login?return=%2Fpods%3Fnamespace%3Dshop');
    const oidc = await screen.findByRole('link', { name: 'Sign in with OIDC' });
    expect(oidc).toHaveAttribute('href', 'api/v1/session/oidc?return=%2Fpods%3Fnamespace%3Dshop');
  });

  test('has no OIDC button when the server offers only tokens', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ methods: ['token'] }) } });
    await signInAt('/login');
    expect(await screen.findByLabelText('Bearer token')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Sign in with OIDC' })).toBeNull();
  });

  test('offers only OIDC when tokens are not accepted', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ methods: ['oidc'] }) } });
    await signInAt('/login');
    expect(await screen.findByRole('link', { name: 'Sign in with OIDC' })).toHaveAttribute('href', 'api/v1/session/oidc?return=%2F');
    expect(screen.queryByLabelText('Bearer token')).toBeNull();
  });

  test('shows why an OIDC sign-in failed, from the error the server put in the URL', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ methods: ['token', 'oidc'] }) } });
    await signInAt('/login?error=the%20issuer%20refused%3A%20invalid_client');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Signing in with OIDC failed');
    expect(alert).toHaveTextContent('the issuer refused: invalid_client');
  });

  test('names the cluster the session answer names before signing in', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ cluster: 'prod-eu' }) } });
    await signInAt('/login');
    expect(await screen.findByRole('heading', { name: 'Sign in to prod-eu' })).toBeInTheDocument();
  });

  test('without the cluster’s name it signs in to Wheelhouse, and ends no session', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer() } });
    await signInAt('/login');
    expect(await screen.findByRole('heading', { name: 'Sign in to Wheelhouse' })).toBeInTheDocument();
    expect(await screen.findByLabelText('Bearer token')).toBeInTheDocument();
    expect(screen.queryByText('Your session has ended')).toBeNull();
  });

  test('says how to get a token, in Chinese too', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ methods: ['token', 'oidc'] }) } });
    await signInAt('/login', { locale: 'zh-CN' });
    expect(await screen.findByRole('heading', { name: '登录 Wheelhouse' })).toBeInTheDocument();
    expect(screen.getByText('kubectl create token <service-account>')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '登录' })).toBeDisabled();
    expect(screen.getByRole('link', { name: '使用 OIDC 登录' })).toBeInTheDocument();
  });

  test('in local mode nobody signs in: it goes on to the return path', async () => {
    fakeApi({ 'api/v1/session': { body: sessionAnswer({ mode: 'local', methods: [], person: person({ user: 'admin', method: 'local', expiresAt: null }) }) } });
    await signInAt('/login?return=%2Fnodes');
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent('/nodes');
    });
  });
});
