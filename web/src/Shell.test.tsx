import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { ROUTES } from './routes';
import { Shell } from './Shell';
import { clusterInfo, kindsAnswer, overview } from './test/fixtures';
import { fakeApi, renderApp } from './test/render';

describe('Shell', () => {
  test('the side navigation lists only the pages that exist', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/overview': { body: overview() } });
    await renderApp(<Shell routes={ROUTES} version="0.1.0" />);
    const nav = screen.getByRole('navigation', { name: 'Main navigation' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Overview', 'Apps', 'Registries', 'Alerts']);
    expect(await screen.findByTestId('overview')).toBeInTheDocument();
    expect(screen.getByText('Version 0.1.0')).toBeInTheDocument();
  });

  test('the side navigation lists the kinds the cluster serves, by group, keeping the namespace', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/overview': { body: overview() }, 'api/v1/kinds': { body: kindsAnswer() } });
    await renderApp(<Shell routes={ROUTES} version="0.1.0" />, { path: '/?namespace=shop' });
    const kinds = await screen.findByTestId('kind-nav');
    expect(within(kinds).getAllByRole('group').length).toBeGreaterThan(0);
    expect(within(kinds).getByText('Workloads')).toBeInTheDocument();
    expect(within(kinds).getByText('Cluster')).toBeInTheDocument();
    expect(within(kinds).getByRole('link', { name: 'Pods' })).toHaveAttribute('href', '/pods?namespace=shop');
    expect(within(kinds).getByRole('link', { name: 'Nodes' })).toHaveAttribute('href', '/nodes?namespace=shop');
  });

  test('an unknown URL shows where the person is and the way back, not a blank page', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/overview': { body: overview() }, 'api/v1/kinds': { body: kindsAnswer() } });
    await renderApp(<Shell routes={ROUTES} version="0.1.0" />, { path: '/no/such/page?namespace=shop' });
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
    expect(screen.getByText('Wheelhouse has no page at /no/such/page.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to the overview' })).toHaveAttribute('href', '/');
  });

  test('a disconnected cluster is shown above the page, and the page does not repeat its message', async () => {
    fakeApi({
      'api/v1/cluster': {
        body: clusterInfo({ connected: false, error: { reason: 'ClusterUnreachable', message: 'connection refused' } }),
      },
      'api/v1/overview': {
        status: 503,
        body: { error: { code: 503, reason: 'ClusterUnreachable', message: 'The cluster does not answer.', details: null } },
      },
    });
    await renderApp(<Shell routes={ROUTES} version="0.1.0" />);
    expect(await screen.findByTestId('cluster-banner')).toHaveTextContent('connection refused');
    expect(await screen.findByText(/The overview needs the cluster, which cannot be reached/)).toBeInTheDocument();
    expect(screen.queryByText('The cluster does not answer.')).toBeNull();
  });
});
