import { act, fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, test, vi } from 'vitest';
import type { MetricsAnswer } from '../../lib/k8s/metrics';
import { clusterMetrics, metricsStatus } from '../../test/fixtures';
import { fakeApi, renderApp } from '../../test/render';
import type { MetricsChartProps } from './MetricsChart';
import { MetricsSection } from './MetricsSection';

// uPlot draws on a canvas, which the test DOM lacks; the stand-in shows what the chart was given.
vi.mock('./MetricsChart', () => ({
  default: (props: MetricsChartProps) => (
    <div data-testid={props.testId} data-lines={props.data.lines.map((l) => `${l.id}${l.dashed ? '(dashed)' : ''}=${props.labels[l.id] ?? '?'}`).join(',')} data-points={props.data.timestamps.length} />
  ),
}));

const TIMES = [1_800_000_000, 1_800_000_030, 1_800_000_060];
const START = 1_800_000_000;
const END = 1_800_000_060;

function podMetrics(): MetricsAnswer {
  const status = metricsStatus().metricsServer;
  return {
    target: { kind: 'Pod', namespace: 'shop', name: 'web-1' },
    state: status,
    current: {
      cpu: { usage: 0.25, requests: 0.5, limits: 1, allocatable: null, capacity: null },
      memory: { usage: 100 * 2 ** 20, requests: 128 * 2 ** 20, limits: null, allocatable: null, capacity: null },
      timestamp: '2026-11-27T20:30:00Z',
    },
    series: { source: 'metricsServer', resolutionSeconds: 30, start: START, end: END, timestamps: TIMES, cpu: [0.2, null, 0.25], memory: [90e6, 95e6, 100e6] },
    containers: [
      {
        name: 'app',
        current: { cpu: { usage: 0.2, requests: 0.4, limits: 1, allocatable: null, capacity: null }, memory: { usage: 80 * 2 ** 20, requests: 96 * 2 ** 20, limits: null, allocatable: null, capacity: null }, timestamp: '2026-11-27T20:30:00Z' },
        series: { source: 'metricsServer', resolutionSeconds: 30, start: START, end: END, timestamps: TIMES, cpu: [0.15, null, 0.2], memory: [70e6, 75e6, 80e6] },
      },
      {
        name: 'sidecar',
        current: { cpu: { usage: 0.05, requests: 0.1, limits: null, allocatable: null, capacity: null }, memory: { usage: 20 * 2 ** 20, requests: 32 * 2 ** 20, limits: null, allocatable: null, capacity: null }, timestamp: '2026-11-27T20:30:00Z' },
        series: { source: 'metricsServer', resolutionSeconds: 30, start: START, end: END, timestamps: TIMES, cpu: [0.05, null, 0.05], memory: [20e6, 20e6, 20e6] },
      },
    ],
  };
}

describe('MetricsSection', () => {
  test("charts a pod's CPU and memory with dashed request and limit lines, and each container", async () => {
    fakeApi({
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/pods/shop/web-1?range=1h': { body: podMetrics() },
    });
    await renderApp(<MetricsSection target="pods/shop/web-1" targetKind="pod" />);
    const cpu = await screen.findByTestId('chart-cpu-plot');
    expect(cpu).toHaveAttribute('data-points', '3');
    expect(cpu.dataset.lines).toBe('usage=Pod total,container:app=app,container:sidecar=sidecar,requests(dashed)=Requests,limits(dashed)=Limits');
    expect(screen.getByTestId('chart-memory-plot').dataset.lines).toBe('usage=Pod total,container:app=app,container:sidecar=sidecar,requests(dashed)=Requests');

    const current = screen.getByTestId('metrics-current');
    expect(current).toHaveTextContent('250m');
    expect(current).toHaveTextContent('requests 500m, limits 1 core');
    expect(current).toHaveTextContent('100 MiB');

    const containers = screen.getByTestId('metrics-containers');
    const app = within(containers).getByText('app').closest('tr');
    expect(app).toHaveTextContent('200m');
    expect(app).toHaveTextContent('50%');
    expect(app).toHaveTextContent('80 MiB');
    const sidecar = within(containers).getByText('sidecar').closest('tr');
    expect(sidecar).toHaveTextContent('100m / —');
    expect(screen.getByTestId('metrics-source')).toHaveTextContent('Source: metrics-server, one point every 30 s; updates every 30 s.');
  });

  test('offers the ranges the sources serve and fetches the one picked', async () => {
    const fetchMock = fakeApi({
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/pods/shop/web-1?range=1h': { body: podMetrics() },
      'api/v1/metrics/pods/shop/web-1?range=15m': { body: podMetrics() },
    });
    await renderApp(<MetricsSection target="pods/shop/web-1" targetKind="pod" />);
    await screen.findByTestId('chart-cpu-plot');
    const ranges = screen.getByTestId('metrics-ranges');
    expect(within(ranges).getAllByRole('button').map((b) => b.textContent)).toEqual(['15m', '1h']);
    expect(within(ranges).getByRole('button', { name: '1h' })).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(within(ranges).getByRole('button', { name: '15m' }));
    await screen.findByTestId('chart-cpu-plot');
    expect(within(ranges).getByRole('button', { name: '15m' })).toHaveAttribute('aria-pressed', 'true');
    expect(fetchMock.mock.calls.map(([url]) => (typeof url === 'string' ? url : ''))).toContain('api/v1/metrics/pods/shop/web-1?range=15m');
  });

  test('shows why there is no chart when metrics-server is not installed', async () => {
    fakeApi({ 'api/v1/metrics/status': { body: metricsStatus('notInstalled') } });
    await renderApp(<MetricsSection target="pods/shop/web-1" targetKind="pod" />);
    const notice = await screen.findByTestId('metrics-state');
    expect(notice).toHaveTextContent('metrics-server is not installed');
    expect(notice).toHaveTextContent('Install metrics-server');
    expect(screen.queryByTestId('chart-cpu')).toBeNull();
  });

  test('says the first samples are being collected instead of drawing an empty chart', async () => {
    const gaps = { source: 'metricsServer', resolutionSeconds: 30, start: START, end: END, timestamps: TIMES, cpu: [null, null, null], memory: [null, null, null] };
    const empty = { ...podMetrics(), current: null, series: gaps, containers: [] };
    fakeApi({
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/pods/shop/web-1?range=1h': { body: empty },
    });
    await renderApp(<MetricsSection target="pods/shop/web-1" targetKind="pod" />);
    expect(await screen.findByTestId('metrics-state')).toHaveTextContent('Collecting the first samples');
    expect(screen.queryByTestId('chart-cpu')).toBeNull();
  });

  test("a node's usage and requests are measured against its allocatable", async () => {
    const node = { ...clusterMetrics(), target: { kind: 'Node', name: 'worker-1' }, top: null };
    fakeApi({
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/nodes/worker-1?range=1h': { body: node },
    });
    await renderApp(<MetricsSection target="nodes/worker-1" targetKind="node" />);
    expect(await screen.findByTestId('node-cpu-usage')).toHaveTextContent('3 cores of 12 cores25%');
    expect(screen.getByTestId('node-memory-requests')).toHaveTextContent('12 GiB of 48 GiB25%');
    expect(screen.getByTestId('chart-cpu-plot').dataset.lines).toBe('usage=Usage,requests(dashed)=Requests,limits(dashed)=Limits,allocatable(dashed)=Allocatable');
  });

  test("a node's page lists the busiest pods on it, linked to their pages", async () => {
    const node = { ...clusterMetrics(), target: { kind: 'Node', name: 'worker-1' } };
    fakeApi({
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/nodes/worker-1?range=1h': { body: node },
    });
    await renderApp(<MetricsSection target="nodes/worker-1" targetKind="node" />, { routes: ['/:resource/:namespace/:name'] });
    const top = await screen.findByTestId('metrics-top-pods');
    expect(within(top).getByRole('link', { name: 'checkout-abc' })).toHaveAttribute('href', '/pods/shop/checkout-abc');
    expect(within(top).getByText('900m')).toBeInTheDocument();
  });

  test("a Prometheus range that Prometheus cannot serve says so, in Prometheus's words", async () => {
    const status = metricsStatus();
    status.prometheus = { state: 'unreachable', message: 'dial tcp 10.0.0.9:9090: connection refused', hint: 'Check --prometheus-url.', url: 'http://prometheus:9090', since: '2026-11-27T20:00:00Z' };
    status.ranges.push({ id: '6h', seconds: 21_600, source: 'prometheus' });
    const empty = { ...podMetrics(), series: null, containers: [] };
    fakeApi({
      'api/v1/metrics/status': { body: status },
      'api/v1/metrics/pods/shop/web-1?range=6h': { body: empty },
    });
    await renderApp(<MetricsSection target="pods/shop/web-1" targetKind="pod" />, { path: '/pods/shop/web-1?range=6h' });
    const notice = await screen.findByTestId('metrics-state');
    expect(notice).toHaveTextContent('Prometheus is not reachable: dial tcp 10.0.0.9:9090: connection refused');
    expect(notice).toHaveTextContent('Check --prometheus-url.');
    expect(within(screen.getByTestId('metrics-ranges')).getByRole('button', { name: '6h' })).toHaveAttribute('aria-pressed', 'true');
  });

  test('a failed request says what failed', async () => {
    fakeApi({ 'api/v1/metrics/status': { body: metricsStatus() } });
    await renderApp(<MetricsSection target="pods/shop/gone" targetKind="pod" />);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the metrics');
    expect(alert).toHaveTextContent('GET api/v1/metrics/pods/shop/gone?range=1h');
  });

  test('reads in Chinese', async () => {
    fakeApi({
      'api/v1/metrics/status': { body: metricsStatus() },
      'api/v1/metrics/pods/shop/web-1?range=1h': { body: podMetrics() },
    });
    await act(async () => {
      await renderApp(<MetricsSection target="pods/shop/web-1" targetKind="pod" />, { locale: 'zh-CN' });
    });
    expect((await screen.findByTestId('chart-cpu-plot')).dataset.lines).toBe('usage=Pod 合计,container:app=app,container:sidecar=sidecar,requests(dashed)=请求,limits(dashed)=限制');
    expect(screen.getByText('CPU 和内存')).toBeInTheDocument();
  });
});
