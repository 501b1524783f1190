import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { clusterInfo, overview, person, sessionAnswer } from '../../test/fixtures';
import { CurrentLocation, fakeApi, renderApp } from '../../test/render';
import { TopBar } from '../TopBar';
import { SessionGate } from './SessionGate';
import { sessionEndLabel } from './sessionEnd';

function headerAt(path: string, locale: 'en' | 'zh-CN' = 'en') {
  return renderApp(
    <>
      <SessionGate>
        <TopBar />
      </SessionGate>
      <CurrentLocation />
    </>,
    { path, locale },
  );
}

const common = { 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/overview': { body: overview() } };

describe('SignedInAs', () => {
  test('names the person, with their groups in the tooltip and when the session ends', async () => {
    const expiresAt = new Date(Date.now() + 2 * 60 * 60_000).toISOString();
    fakeApi({ ...common, 'api/v1/session': { body: sessionAnswer({ person: person({ expiresAt }) }) } });
    await headerAt('/');
    const who = await screen.findByTestId('session-person');
    const name = within(who).getByText('alice');
    expect(name).toHaveAttribute('title', 'Groups: team-a, system:authenticated');
    const until = sessionEndLabel(expiresAt, Date.now(), 'en');
    expect(until?.kind).toBe('until');
    expect(within(who).getByTestId('session-end')).toHaveTextContent(`until ${until?.kind === 'until' ? until.time : ''}`);
    expect(within(who).getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
  });

  test('signing out ends the session on the server, then shows the sign-in page', async () => {
    let signedIn = true;
    const fetchMock = fakeApi({
      ...common,
      'api/v1/session': (init) => {
        if (init?.method === 'DELETE') signedIn = false;
        return { body: sessionAnswer({ person: signedIn ? person() : null }) };
      },
    });
    await headerAt('/pods');
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByLabelText('Bearer token')).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/login?return=%2Fpods');
    expect(fetchMock.mock.calls.filter(([, init]) => init?.method === 'DELETE')).toHaveLength(1);
    // Signing out is not a session that ran out.
    expect(screen.queryByText('Your session has ended')).toBeNull();
  });

  test('warns a few minutes before the session ends', async () => {
    const expiresAt = new Date(Date.now() + 3 * 60_000 - 1_000).toISOString();
    fakeApi({ ...common, 'api/v1/session': { body: sessionAnswer({ person: person({ expiresAt }) }) } });
    await headerAt('/');
    const warning = await screen.findByTestId('session-end');
    expect(warning).toHaveTextContent('ends in 3 min');
    expect(warning).toHaveAttribute('role', 'status');
  });

  test('in local mode shows the kubeconfig identity quietly, with no sign-out', async () => {
    fakeApi({
      ...common,
      'api/v1/session': { body: sessionAnswer({ mode: 'local', methods: [], person: person({ user: 'admin', groups: ['system:masters'], method: 'local', expiresAt: null }) }) },
    });
    await headerAt('/');
    const who = await screen.findByTestId('session-person');
    expect(who).toHaveTextContent('local: admin');
    expect(who).toHaveAttribute('title', 'Groups: system:masters');
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
  });

  test('behind a sign-in proxy shows the name and no sign-out', async () => {
    fakeApi({
      ...common,
      'api/v1/session': { body: sessionAnswer({ mode: 'proxy', methods: [], person: person({ user: 'bob@example.com', method: 'proxy', expiresAt: null }) }) },
    });
    await headerAt('/');
    const who = await screen.findByTestId('session-person');
    expect(within(who).getByText('bob@example.com')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(screen.queryByTestId('session-end')).toBeNull();
  });

  test('speaks Chinese', async () => {
    fakeApi({ ...common, 'api/v1/session': { body: sessionAnswer({ person: person() }) } });
    await headerAt('/', 'zh-CN');
    expect(await screen.findByRole('button', { name: '退出登录' })).toBeInTheDocument();
    expect(screen.getByTestId('session-end')).toHaveTextContent(/^有效至 /);
  });
});

describe('sessionEndLabel', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  test.each([
    ['well ahead: the time it ends', '2026-12-06T13:00:00Z', 'until'],
    ['within five minutes: a warning', '2026-12-06T12:04:59Z', 'soon'],
    ['already past: still a warning, until the session is read again', '2026-12-06T11:59:00Z', 'soon'],
  ])('%s', (_name, expiresAt, kind) => {
    expect(sessionEndLabel(expiresAt, now, 'en')?.kind).toBe(kind);
  });

  test('counts whole minutes up, and less than one minute as zero', () => {
    expect(sessionEndLabel('2026-12-06T12:04:01Z', now, 'en')).toMatchObject({ kind: 'soon', minutes: 5 });
    expect(sessionEndLabel('2026-12-06T12:00:30Z', now, 'en')).toMatchObject({ kind: 'soon', minutes: 0 });
  });

  test('names the day when the session ends on another day', () => {
    const sameDay = sessionEndLabel('2026-12-06T12:30:00Z', Date.parse('2026-12-06T11:00:00Z'), 'en');
    const nextDay = sessionEndLabel('2026-12-09T12:30:00Z', now, 'en');
    expect(sameDay?.kind === 'until' && sameDay.time).toMatch(/^\d\d:\d\d$/);
    expect(nextDay?.kind === 'until' && nextDay.time).toMatch(/Dec/);
  });

  test('says nothing for a time it cannot read', () => {
    expect(sessionEndLabel('soon', now, 'en')).toBeNull();
  });
});
