import { act, screen } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeSocket } from '../../test/fakeSocket';
import { POD_COLUMNS, kindsAnswer, metricsStatus, podList, podRow } from '../../test/fixtures';
import { fakeApi, renderApp } from '../../test/render';
import { ResourceListPage } from './ResourceListPage';

const PODS = 'api/v1/resources/core/v1/pods?sort=name&page=1&pageSize=50';

function renderPage(path = '/pods') {
  return renderApp(
    <Routes>
      <Route path="/:resource" element={<ResourceListPage />} />
    </Routes>,
    { path, routes: ['/', '/:resource'] },
  );
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});

describe('ResourceListPage', () => {
  test('shows the rows and their count, and applies a live change in place', async () => {
    fakeApi({ 'api/v1/kinds': { body: kindsAnswer() }, [PODS]: { body: podList([podRow('web-1'), podRow('web-2', 'Pending', 'progressing')]) } });
    await renderPage();
    await screen.findByText('web-1');
    expect(screen.getByTestId('resource-total')).toHaveTextContent('2');
    const socket = FakeSocket.latest();
    act(() => {
      socket.open();
    });
    expect(socket.sent).toEqual([{ op: 'subscribe', id: 's1', path: 'api/v1/watch/core/v1/pods?sort=name&page=1&pageSize=50' }]);
    expect(screen.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
    act(() => {
      socket.receive({ id: 's1', event: 'modified', data: { row: podRow('web-2'), total: 2 } });
    });
    expect(screen.getAllByText('Running')).toHaveLength(2);
    expect(screen.queryByText('Pending')).toBeNull();
  });

  test('a refused list says what is forbidden, in the server words', async () => {
    const message = 'pods is forbidden: User "dev" cannot list resource "pods" in API group "" at the cluster scope';
    fakeApi({
      'api/v1/kinds': { body: kindsAnswer() },
      [PODS]: { status: 403, body: { error: { code: 403, reason: 'Forbidden', message, details: { verb: 'list', resource: 'pods', namespace: null } } } },
    });
    await renderPage();
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(screen.getByText('Could not list Pods')).toBeInTheDocument();
    expect(screen.getByText('Forbidden')).toBeInTheDocument();
  });

  test('a cache still loading says so with the server message instead of an empty table', async () => {
    fakeApi({
      'api/v1/kinds': { body: kindsAnswer() },
      [PODS]: { body: { ...podList([]), state: 'loading', warnings: [{ reason: 'Loading', what: null, message: '3,000 pods so far' }] } },
    });
    await renderPage();
    expect(await screen.findByText('Loading the cache')).toBeInTheDocument();
    expect(screen.getByText('3,000 pods so far')).toBeInTheDocument();
    expect(screen.queryByTestId('resource-table')).toBeNull();
  });

  test('the query in the URL is the query sent, and the filters show it', async () => {
    const fetchMock = fakeApi({
      'api/v1/kinds': { body: kindsAnswer() },
      'api/v1/resources/core/v1/pods?namespace=shop&q=web&labelSelector=app%3Dweb&sort=-creationTimestamp&page=2&pageSize=100': {
        body: { ...podList([podRow('web-1')], 101), page: 2, pageSize: 100 },
      },
    });
    await renderPage('/pods?namespace=shop&q=web&labelSelector=app%3Dweb&sort=-creationTimestamp&page=2&pageSize=100');
    await screen.findByText('web-1');
    expect(fetchMock).toHaveBeenCalled();
    expect(screen.getByTestId('filter-name')).toHaveValue('web');
    expect(screen.getByTestId('filter-labels')).toHaveValue('app=web');
    expect(screen.getByTestId('pager-range')).toHaveTextContent('101–101 of 101');
    expect(screen.getByTestId('pager-page')).toHaveTextContent('Page 2 of 2');
  });

  test('Create is disabled with the API server\'s reason where the person may not create the kind', async () => {
    const reason = 'restricted may not create pods in namespace team-a';
    const fetchMock = fakeApi({
      'api/v1/kinds': { body: kindsAnswer() },
      'api/v1/resources/core/v1/pods?namespace=team-a&sort=name&page=1&pageSize=50': { body: podList([podRow('web-1')]) },
      'api/v1/permissions/core/v1/pods?namespace=team-a': { body: { actions: { create: { allowed: false, reason } } } },
    });
    await renderPage('/pods?namespace=team-a');
    expect(await screen.findByTestId('create-reason')).toHaveTextContent(reason);
    expect(screen.getByTestId('create-link')).toBeDisabled();
    expect(fetchMock.mock.calls.filter(([path]) => typeof path === 'string' && path.startsWith('api/v1/permissions/'))).toHaveLength(1);
  });

  test('in all namespaces there is no one answer to ask for: Create stays, and the apply decides', async () => {
    const fetchMock = fakeApi({ 'api/v1/kinds': { body: kindsAnswer() }, [PODS]: { body: podList([podRow('web-1')]) } });
    await renderPage('/pods');
    await screen.findByText('web-1');
    expect(screen.getByTestId('create-link')).toHaveAttribute('href', '/apply');
    expect(fetchMock.mock.calls.filter(([path]) => typeof path === 'string' && path.startsWith('api/v1/permissions/'))).toHaveLength(0);
  });

  test('Create is a link to the apply page where the person may create the kind', async () => {
    fakeApi({
      'api/v1/kinds': { body: kindsAnswer() },
      'api/v1/resources/core/v1/pods?namespace=shop&sort=name&page=1&pageSize=50': { body: podList([podRow('web-1')]) },
      'api/v1/permissions/core/v1/pods?namespace=shop': { body: { actions: { create: { allowed: true, reason: null } } } },
    });
    await renderPage('/pods?namespace=shop');
    await screen.findByText('web-1');
    expect(screen.getByTestId('create-link')).toHaveAttribute('href', '/apply?namespace=shop');
    expect(screen.queryByTestId('create-reason')).toBeNull();
  });

  test('a name that is no kind is page not found', async () => {
    fakeApi({ 'api/v1/kinds': { body: kindsAnswer() } });
    await renderPage('/gadgets');
    expect(await screen.findByText('Page not found')).toBeInTheDocument();
  });
});

describe('ResourceListPage usage columns', () => {
  test('fetches the page again at each scrape, since usage changes without the objects changing', async () => {
    let cpu = 0.25;
    const row = () => ({ ...podRow('web-1'), cpu: { usage: cpu, requests: 0.5, limits: null, percent: (cpu / 0.5) * 100, of: 'requests' } });
    const columns = [...POD_COLUMNS, { id: 'cpu', title: 'columns|CPU', type: 'usage' as const, sortable: true, wide: false }];
    const fetchMock = fakeApi({
      'api/v1/kinds': { body: kindsAnswer() },
      'api/v1/metrics/status': { body: metricsStatus('ok', { intervalSeconds: 1 }) },
      [PODS]: () => ({ body: { ...podList([row()]), columns } }),
    });
    await renderPage();
    expect(await screen.findByText('250m')).toBeInTheDocument();
    cpu = 0.4;
    expect(await screen.findByText('400m', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByTestId('usage')).toHaveTextContent('80%');
    expect(fetchMock.mock.calls.filter(([url]) => url === PODS).length).toBeGreaterThanOrEqual(2);
  });

  test('a list without usage columns does not poll', async () => {
    const fetchMock = fakeApi({ 'api/v1/kinds': { body: kindsAnswer() }, [PODS]: { body: podList([podRow('web-1')]) } });
    await renderPage();
    await screen.findByText('web-1');
    // A minute on the clock: no poll comes due.
    vi.useFakeTimers();
    try {
      await vi.advanceTimersByTimeAsync(60_000);
    } finally {
      vi.useRealTimers();
    }
    expect(fetchMock.mock.calls.filter(([url]) => url === 'api/v1/metrics/status')).toHaveLength(0);
    expect(fetchMock.mock.calls.filter(([url]) => url === PODS)).toHaveLength(1);
  });
});
