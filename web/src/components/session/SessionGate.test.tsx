import { screen, waitFor } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { ROUTES } from '../../routes';
import { Shell } from '../../Shell';
import { clusterInfo, overview, person, refused, sessionAnswer } from '../../test/fixtures';
import { CurrentLocation, fakeApi, renderApp } from '../../test/render';
import { SessionGate } from './SessionGate';

function appAt(path: string) {
  return renderApp(
    <>
      <SessionGate>
        <Shell routes={ROUTES} version="0.1.0" />
      </SessionGate>
      <CurrentLocation />
    </>,
    { path },
  );
}

const signedIn = { body: sessionAnswer({ person: person() }) };

describe('SessionGate', () => {
  test('a call refused with SessionExpired shows the sign-in page, remembering the page and saying why', async () => {
    fakeApi({
      'api/v1/session': signedIn,
      'api/v1/cluster': { body: clusterInfo() },
      'api/v1/overview': refused('SessionExpired', 'your session ended at 2026-12-06T20:00:00Z; sign in again'),
    });
    await appAt('/?namespace=shop');
    expect(await screen.findByRole('heading', { name: /^Sign in to / })).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/login?return=%2F%3Fnamespace%3Dshop');
    const ended = screen.getByRole('status');
    expect(ended).toHaveTextContent('Your session has ended');
    expect(ended).toHaveTextContent('your session ended at 2026-12-06T20:00:00Z; sign in again');
  });

  test('a call refused as Unauthorized shows the sign-in page without saying a session ended', async () => {
    fakeApi({
      'api/v1/session': signedIn,
      'api/v1/cluster': refused('Unauthorized', 'no session'),
      'api/v1/overview': { body: overview() },
    });
    await appAt('/pods?namespace=shop');
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent('/login?return=%2Fpods%3Fnamespace%3Dshop');
    });
    expect(await screen.findByLabelText('Bearer token')).toBeInTheDocument();
    expect(screen.queryByText('Your session has ended')).toBeNull();
  });

  test('in login mode with nobody signed in, no page is shown and the sign-in page remembers where the person was', async () => {
    const fetchMock = fakeApi({ 'api/v1/session': { body: sessionAnswer() } });
    await appAt('/nodes/worker-1');
    await waitFor(() => {
      expect(screen.getByTestId('location')).toHaveTextContent('/login?return=%2Fnodes%2Fworker-1');
    });
    expect(await screen.findByLabelText('Bearer token')).toBeInTheDocument();
    const asked = fetchMock.mock.calls.map(([path]) => path);
    expect(asked).not.toContain('api/v1/overview');
    expect(asked).not.toContain('api/v1/kinds');
  });

  test('other failures are the page’s to show, not a reason to sign in', async () => {
    fakeApi({
      'api/v1/session': signedIn,
      'api/v1/cluster': { body: clusterInfo() },
      'api/v1/overview': { status: 403, body: { error: { code: 403, reason: 'Forbidden', message: 'pods is forbidden', details: null } } },
    });
    await appAt('/');
    expect(await screen.findByText(/pods is forbidden/)).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent(/^\/$/);
  });

  test('in local mode the console is shown as it is', async () => {
    fakeApi({
      'api/v1/session': { body: sessionAnswer({ mode: 'local', methods: [], person: person({ user: 'admin', method: 'local', expiresAt: null }) }) },
      'api/v1/cluster': { body: clusterInfo() },
      'api/v1/overview': { body: overview() },
    });
    await appAt('/');
    expect(await screen.findByTestId('overview')).toBeInTheDocument();
  });

  test('a server without the session endpoint still shows the console', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/overview': { body: overview() } });
    await appAt('/');
    expect(await screen.findByTestId('overview')).toBeInTheDocument();
  });
});
