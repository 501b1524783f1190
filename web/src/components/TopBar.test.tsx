import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { clusterInfo, overview } from '../test/fixtures';
import { fakeApi, renderApp } from '../test/render';
import { ClusterBanner } from './ClusterBanner';
import { TopBar } from './TopBar';

describe('TopBar', () => {
  test('names the cluster, marks the demo with an explanation and lists namespaces', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/namespaces': { body: { names: ['data', 'shop'], source: 'cluster', refused: null } } });
    await renderApp(<TopBar />);
    expect(await screen.findByText('wheelhouse-demo')).toBeInTheDocument();
    const badge = screen.getByTestId('demo-badge');
    expect(badge).toHaveTextContent('DEMO');
    expect(within(badge).getByRole('tooltip', { hidden: true })).toHaveTextContent('simulated demo cluster');
    const picker = screen.getByTestId('namespace-selector');
    expect(picker).toHaveTextContent('All namespaces');
    fireEvent.click(picker);
    expect(await screen.findByRole('checkbox', { name: 'shop' })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'All namespaces' })).toBeChecked();
    // Several at once.
    fireEvent.click(screen.getByRole('checkbox', { name: 'shop' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'data' }));
    expect(picker).toHaveAttribute('data-value', 'data,shop');
    expect(picker).toHaveTextContent('data, shop');
    expect(screen.getByRole('checkbox', { name: 'All namespaces' })).not.toBeChecked();
    // Esc closes the panel and gives the focus back to the button.
    fireEvent.keyDown(screen.getByRole('checkbox', { name: 'data' }), { key: 'Escape' });
    expect(screen.queryByTestId('namespace-panel')).toBeNull();
    expect(picker).toHaveFocus();
  });

  test('says when the namespaces are the configured ones, the cluster refusing to list them', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo() }, 'api/v1/namespaces': { body: { names: ['team-a'], source: 'configured', refused: 'namespaces is forbidden' } } });
    await renderApp(<TopBar />, { locale: 'zh-CN' });
    fireEvent.click(screen.getByTestId('namespace-selector'));
    expect(await screen.findByRole('checkbox', { name: 'team-a' })).toBeInTheDocument();
    expect(screen.getByTestId('namespace-configured')).toHaveTextContent('集群不允许你列出命名空间');
  });

  test('has no demo badge for a real cluster', async () => {
    fakeApi({ 'api/v1/cluster': { body: clusterInfo({ name: 'prod', demo: false }) }, 'api/v1/overview': { body: overview() } });
    await renderApp(<TopBar />);
    expect(await screen.findByText('prod')).toBeInTheDocument();
    expect(screen.queryByTestId('demo-badge')).toBeNull();
  });
});

describe('ClusterBanner', () => {
  test('says prominently that the cluster cannot be reached, with the reason', async () => {
    fakeApi({
      'api/v1/cluster': {
        body: clusterInfo({
          name: 'prod',
          demo: false,
          connected: false,
          error: { reason: 'Unauthorized', message: 'The token in the kubeconfig was rejected (401).' },
        }),
      },
    });
    await renderApp(<ClusterBanner />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Cannot reach the cluster prod');
    expect(alert).toHaveTextContent('The token in the kubeconfig was rejected (401).');
    expect(alert).toHaveTextContent('Unauthorized');
  });

  test('shows nothing while the cluster answers', async () => {
    const fetchMock = fakeApi({ 'api/v1/cluster': { body: clusterInfo() } });
    const { container } = await renderApp(<ClusterBanner />);
    await waitFor(() => {
      expect(fetchMock).toHaveBeenCalled();
    });
    expect(container).toBeEmptyDOMElement();
  });

  test('shows the error when the Wheelhouse server itself fails', async () => {
    fakeApi({
      'api/v1/cluster': { status: 500, body: { error: { code: 500, reason: 'Internal', message: 'Internal error, see the server log (request 42).', details: null } } },
    });
    await renderApp(<ClusterBanner />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Internal error, see the server log (request 42).');
  });
});

