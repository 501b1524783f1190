import { act, screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { apiKey, queryClient } from '../../lib/api/query';
import type { MetricsAnswer } from '../../lib/k8s/metrics';
import { fakeApi, renderApp } from '../../test/render';
import { clusterMetrics, metricsStatus, overview } from '../../test/fixtures';
import { Overview } from './Overview';

describe('Overview', () => {
  test('shows node readiness, pod counts by phase, namespaces and recent warnings', async () => {
    fakeApi({ 'api/v1/overview': { body: overview() } });
    await renderApp(<Overview />);

    expect(await screen.findByTestId('nodes-total')).toHaveTextContent('5');
    expect(screen.getByTestId('nodes-ready')).toHaveTextContent('4');
    expect(screen.getByText('1 not ready')).toBeInTheDocument();
    expect(screen.getByTestId('pods-total')).toHaveTextContent('80');

    const phases = screen.getByTestId('pod-phases');
    const running = within(phases).getByText('Running').closest('li');
    expect(running).toHaveTextContent('70');
    const unknown = within(phases).getByText('Unknown').closest('li');
    expect(unknown).toHaveTextContent('0');

    const problems = screen.getByTestId('section-problems');
    expect(within(problems).getByText('checkout-abc')).toBeInTheDocument();
    expect(within(problems).getByText('CrashLoopBackOff')).toBeInTheDocument();

    const namespaces = screen.getByTestId('section-namespaces');
    expect(within(namespaces).getAllByRole('row')).toHaveLength(4); // header + 3

    const warnings = screen.getByTestId('section-warnings');
    expect(within(warnings).getByText('BackOff')).toBeInTheDocument();
    expect(within(warnings).getByText('Back-off restarting failed container')).toBeInTheDocument();
    expect(within(warnings).getByText('2m ago')).toBeInTheDocument();
    expect(document.title).toBe('Overview · Wheelhouse');
  });

  test('says what the cluster refused to list, and does not count refused nodes as none', async () => {
    const refused = 'nodes is forbidden: User "restricted" cannot list resource "nodes" in API group "" at the cluster scope';
    fakeApi({
      'api/v1/overview': {
        body: {
          ...overview(),
          nodes: { total: 0, ready: 0, unschedulable: 0, items: [] },
          hidden: [
            { reason: 'Forbidden', what: 'nodes', message: refused },
            { reason: 'Forbidden', what: 'pods in namespace team-b', message: 'pods is forbidden in team-b' },
          ],
        },
      },
    });
    await renderApp(<Overview />);

    const hidden = await screen.findByTestId('overview-hidden');
    expect(hidden).toHaveTextContent('Not shown, because the cluster refused to list it:');
    expect(hidden).toHaveTextContent(`nodes: ${refused}`);
    expect(hidden).toHaveTextContent('pods in namespace team-b: pods is forbidden in team-b');
    expect(screen.queryByTestId('nodes-total')).toBeNull();
    expect(screen.getByTestId('nodes-hint')).toHaveTextContent('Not shown: listing nodes is refused');
    expect(screen.queryByText('All ready')).toBeNull();
    expect(screen.queryByText('The cluster has no nodes.')).toBeNull();
  });

  test('shows the server message, reason and a retry when the overview cannot be loaded', async () => {
    fakeApi({
      'api/v1/overview': {
        status: 503,
        body: { error: { code: 503, reason: 'ClusterUnreachable', message: 'The cluster at https://10.0.0.1 does not answer.', details: null } },
      },
    });
    await renderApp(<Overview />);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the overview');
    expect(alert).toHaveTextContent('The cluster at https://10.0.0.1 does not answer.');
    expect(alert).toHaveTextContent('ClusterUnreachable');
    expect(alert).toHaveTextContent('GET api/v1/overview');
    expect(within(alert).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
  });

  test('retry fetches again and shows the overview once the server answers', async () => {
    let fail = true;
    const fetchMock = fakeApi({
      'api/v1/overview': () =>
        fail
          ? { status: 500, body: { error: { code: 500, reason: 'Internal', message: 'Something broke.', details: null } } }
          : { body: overview() },
    });
    await renderApp(<Overview />);
    const retry = await screen.findByRole('button', { name: 'Retry' });
    fail = false;
    retry.click();
    expect(await screen.findByTestId('pods-total')).toHaveTextContent('80');
    expect(fetchMock.mock.calls.filter(([path]) => path === 'api/v1/overview')).toHaveLength(2);
  });

  test('links items only to pages the router knows', async () => {
    fakeApi({ 'api/v1/overview': { body: overview() } });
    const { unmount } = await renderApp(<Overview />, { routes: ['/'] });
    await screen.findByTestId('overview');
    expect(screen.queryByRole('link', { name: 'shop' })).toBeNull();
    expect(screen.getByTestId('section-namespaces')).toHaveTextContent('shop');
    unmount();

    await renderApp(<Overview />, { routes: ['/', '/nodes', '/pods', '/namespaces/:name'] });
    await screen.findByTestId('overview');
    const namespaces = screen.getByTestId('section-namespaces');
    expect(within(namespaces).getByRole('link', { name: 'shop' })).toHaveAttribute('href', '/namespaces/shop');
    expect(within(namespaces).getByRole('link', { name: '40' })).toHaveAttribute('href', '/pods?namespace=shop');
    expect(within(screen.getByTestId('stat-nodes')).getByRole('link', { name: 'Nodes' })).toHaveAttribute('href', '/nodes');
  });

  test('narrows problem pods, namespaces and warnings to the selected namespace', async () => {
    fakeApi({ 'api/v1/overview': { body: overview() } });
    await renderApp(<Overview />, { path: '/?namespace=data' });
    await screen.findByTestId('namespace-filter');
    expect(screen.getByTestId('section-problems')).not.toHaveTextContent('checkout-abc');
    expect(screen.getByTestId('section-problems')).toHaveTextContent('etl-xyz');
    expect(within(screen.getByTestId('section-namespaces')).getAllByRole('row')).toHaveLength(2);
    expect(screen.getByTestId('section-warnings')).not.toHaveTextContent('BackOff');
    // Cluster-wide totals stay cluster-wide.
    expect(screen.getByTestId('pods-total')).toHaveTextContent('80');
  });

  test('renders in Chinese', async () => {
    fakeApi({ 'api/v1/overview': { body: overview() } });
    await renderApp(<Overview />, { locale: 'zh-CN' });
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('概览');
    expect(screen.getByText('最近的警告事件')).toBeInTheDocument();
    expect(screen.getByText('运行中')).toBeInTheDocument();
  });
});

describe('Overview with what the server may leave out', () => {
  test('says when the problem list is cut short and counts all problem pods', async () => {
    const data = overview();
    data.pods.problemsTotal = 250;
    fakeApi({ 'api/v1/overview': { body: data } });
    await renderApp(<Overview />);
    expect(await screen.findByText('Showing the first 2 of 250.')).toBeInTheDocument();
    expect(screen.getByText('70 running, 250 with problems')).toBeInTheDocument();
  });

  test('says when only the nodes needing attention are listed, and links to all of them', async () => {
    const data = overview();
    data.nodes.total = 5000;
    fakeApi({ 'api/v1/overview': { body: data } });
    await renderApp(<Overview />);
    const note = await screen.findByTestId('nodes-cut');
    expect(note).toHaveTextContent(`Showing ${data.nodes.items.length} of 5000 nodes, those needing attention first.`);
    // A link once the app registers its nodes page (RoutedLink); here, without routes, the text.
    expect(within(note).getByText('All nodes')).toBeInTheDocument();
  });

  test('says nothing of a cut when every node is listed', async () => {
    fakeApi({ 'api/v1/overview': { body: overview() } });
    await renderApp(<Overview />);
    await screen.findByTestId('section-nodes');
    expect(screen.queryByTestId('nodes-cut')).toBeNull();
  });

  test('shows a dash for a missing event time or kubelet version, and cluster-scoped objects without a namespace', async () => {
    const data = overview();
    data.warnings = [
      { namespace: null, object: { kind: 'Node', name: 'worker-4' }, reason: 'NodeNotReady', message: 'not ready', count: 1, lastSeen: null },
    ];
    const first = data.nodes.items[0];
    if (first) first.kubeletVersion = null;
    fakeApi({ 'api/v1/overview': { body: data } });
    await renderApp(<Overview />);
    const warnings = await screen.findByTestId('section-warnings');
    expect(warnings).toHaveTextContent('node/worker-4');
    expect(within(warnings).getAllByText('—')).toHaveLength(2); // no time, no namespace
    expect(within(screen.getByTestId('section-nodes')).getByText('—')).toBeInTheDocument();
  });
});

describe('Overview when a refresh fails', () => {
  test('keeps showing the last data with the failure above it', async () => {
    let fail = false;
    fakeApi({
      'api/v1/overview': () =>
        fail
          ? { status: 500, body: { error: { code: 500, reason: 'Internal', message: 'Internal error (request 7).', details: null } } }
          : { body: overview() },
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/cluster?range=1h': { body: clusterMetrics() },
      'api/v1/alerts': { body: { items: [], warnings: [], alertsNamespace: 'default', create: { allowed: false, reason: null } } },
    });
    await renderApp(<Overview />);
    expect(await screen.findByTestId('pods-total')).toHaveTextContent('80');
    fail = true;
    await act(() => queryClient.refetchQueries({ queryKey: apiKey('api/v1/overview') }));
    expect(screen.getByRole('alert')).toHaveTextContent('Refreshing the overview failed; showing the last data received.');
    expect(screen.getByRole('alert')).toHaveTextContent('Internal error (request 7).');
    expect(screen.getByTestId('pods-total')).toHaveTextContent('80');
  });
});

describe('Overview metrics', () => {
  test('shows cluster utilisation against allocatable and the busiest pods and nodes, linked to their pages', async () => {
    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/cluster?range=1h': { body: clusterMetrics() },
    });
    await renderApp(<Overview />, { routes: ['/', '/:resource/:name', '/:resource/:namespace/:name'] });
    const cpu = await screen.findByTestId('cluster-cpu-usage');
    expect(cpu).toHaveTextContent('3 cores of 12 cores');
    expect(cpu).toHaveTextContent('25%');
    expect(screen.getByTestId('cluster-cpu-requests')).toHaveTextContent('50%');
    expect(screen.getByTestId('cluster-memory-usage')).toHaveTextContent('8 GiB of 48 GiB');
    expect(screen.getByTestId('cluster-memory-requests')).toHaveTextContent('25%');

    const pods = screen.getByTestId('top-pods');
    expect(within(pods).getByRole('link', { name: 'checkout-abc' })).toHaveAttribute('href', '/pods/shop/checkout-abc');
    expect(within(pods).getByText('900m')).toBeInTheDocument();
    const nodes = screen.getByTestId('top-nodes');
    expect(within(nodes).getByRole('link', { name: 'worker-1' })).toHaveAttribute('href', '/nodes/worker-1');
    expect(within(nodes).getByText('(48%)')).toBeInTheDocument();
  });

  test("with a namespace selected, the top pods are that namespace's; utilisation stays the cluster's", async () => {
    const data: MetricsAnswer = {
      ...clusterMetrics(),
      target: { kind: 'Namespace', name: 'data' },
      top: { pods: [{ namespace: 'data', name: 'etl-xyz', cpu: 0.4, memory: 2 ** 30 }], nodes: [] },
    };
    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/cluster?range=1h': { body: clusterMetrics() },
      'api/v1/metrics/namespaces/data?range=1h': { body: data },
    });
    await renderApp(<Overview />, { path: '/?namespace=data', routes: ['/', '/:resource/:name', '/:resource/:namespace/:name'] });
    expect(await screen.findByTestId('cluster-cpu-usage')).toHaveTextContent('3 cores of 12 cores');
    const pods = await screen.findByTestId('top-pods');
    expect(pods).toHaveAttribute('data-namespace', 'data');
    expect(within(pods).getByRole('heading')).toHaveTextContent('Top pods by CPU in data');
    expect(await within(pods).findByRole('link', { name: 'etl-xyz' })).toHaveAttribute('href', '/pods/data/etl-xyz');
    expect(within(pods).queryByText('checkout-abc')).toBeNull();
    expect(screen.getByTestId('namespace-filter')).toHaveTextContent('top pods');
    expect(within(screen.getByTestId('top-nodes')).getByRole('link', { name: 'worker-1' })).toBeInTheDocument();
  });

  test("with several namespaces selected, the top pods are theirs, summed by the server", async () => {
    const data: MetricsAnswer = {
      ...clusterMetrics(),
      target: { kind: 'Namespaces', name: 'data,shop' },
      top: {
        pods: [
          { namespace: 'shop', name: 'checkout-abc', cpu: 0.9, memory: 2 ** 30 },
          { namespace: 'data', name: 'etl-xyz', cpu: 0.4, memory: 2 ** 30 },
        ],
        nodes: [],
      },
    };
    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/cluster?range=1h': { body: clusterMetrics() },
      'api/v1/metrics/namespaces?namespace=data%2Cshop&range=1h': { body: data },
    });
    await renderApp(<Overview />, { path: '/?namespace=data,shop', routes: ['/', '/:resource/:name', '/:resource/:namespace/:name'] });
    const pods = await screen.findByTestId('top-pods');
    expect(pods).toHaveAttribute('data-namespace', 'data,shop');
    expect(within(pods).getByRole('heading')).toHaveTextContent('Top pods by CPU in namespaces data, shop');
    expect(await within(pods).findByRole('link', { name: 'etl-xyz' })).toHaveAttribute('href', '/pods/data/etl-xyz');
    expect(within(pods).getByRole('link', { name: 'checkout-abc' })).toHaveAttribute('href', '/pods/shop/checkout-abc');
  });

  test('says metrics-server is not installed, with the hint, instead of empty figures', async () => {
    const missing = metricsStatus('notInstalled');
    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/metrics/status': { body: missing },
    });
    await renderApp(<Overview />);
    const notice = await screen.findByTestId('metrics-state');
    expect(notice).toHaveTextContent('metrics-server is not installed');
    expect(notice).toHaveTextContent('Install metrics-server: kubectl apply -f components.yaml');
    expect(screen.queryByTestId('cluster-cpu-usage')).toBeNull();
    expect(screen.queryByTestId('top-pods')).toBeNull();
  });

  test('reads in Chinese', async () => {
    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/cluster?range=1h': { body: clusterMetrics() },
    });
    await renderApp(<Overview />, { locale: 'zh-CN' });
    expect(await screen.findByTestId('cluster-cpu-usage')).toHaveTextContent('3 核 / 12 核');
    expect(screen.getByText('集群资源利用率')).toBeInTheDocument();
  });

  test('a cluster without alerting set up says so calmly; a failure to read the rules is an error with Retry', async () => {
    const noCrd = 'the cluster has no AlertRule custom resource definition (the server could not find the requested resource); install Wheelhouse\'s chart';
    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/alerts': { status: 404, body: { error: { code: 404, reason: 'NotFound', message: noCrd, details: null } } },
    });
    const { unmount } = await renderApp(<Overview />);
    const alerts = await screen.findByTestId('overview-alerts');
    expect(await within(alerts).findByTestId('alerts-not-set-up')).toHaveTextContent(`Alerting is not set up in this cluster: ${noCrd}`);
    expect(within(alerts).queryByRole('button', { name: 'Retry' })).toBeNull();
    // No count of firing alerts where nothing can fire.
    expect(alerts.querySelector('.count-pill')).toBeNull();
    unmount();
    queryClient.clear();

    fakeApi({
      'api/v1/overview': { body: overview() },
      'api/v1/alerts': { status: 500, body: { error: { code: 500, reason: 'InternalError', message: 'etcd is down', details: null } } },
    });
    await renderApp(<Overview />);
    const failed = await screen.findByTestId('overview-alerts');
    expect(await within(failed).findByText('The alert rules could not be loaded')).toBeInTheDocument();
    expect(within(failed).getByRole('button', { name: 'Retry' })).toBeInTheDocument();
    expect(within(failed).queryByTestId('alerts-not-set-up')).toBeNull();
  });
});
