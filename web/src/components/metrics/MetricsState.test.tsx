import { screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { MetricsServerStatus } from '../../lib/k8s/metrics';
import { renderApp } from '../../test/render';
import { MetricsState, shownState } from './MetricsState';

const HINT = 'kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml';

function source(overrides: Partial<MetricsServerStatus>): MetricsServerStatus {
  return { state: 'ok', message: '', hint: null, apiVersion: null, since: '2026-11-27T20:00:00Z', lastScrape: null, intervalSeconds: 30, retentionSeconds: 3600, ...overrides };
}

describe('MetricsState', () => {
  test('says metrics-server is not installed, with the command that installs it', async () => {
    await renderApp(<MetricsState source={source({ state: 'notInstalled', message: 'metrics.k8s.io is not served', hint: HINT })} hasSamples={false} />);
    const notice = screen.getByTestId('metrics-state');
    expect(notice).toHaveAttribute('data-state', 'notInstalled');
    expect(notice).toHaveTextContent('metrics-server is not installed');
    expect(notice).toHaveTextContent('metrics.k8s.io is not served');
    expect(notice).toHaveTextContent(`How to fix it: ${HINT}`);
  });

  test('says why metrics-server is not reachable', async () => {
    await renderApp(<MetricsState source={source({ state: 'unreachable', message: 'the service answered 503', hint: 'Check the metrics-server pods in kube-system.' })} hasSamples={false} />);
    const notice = screen.getByTestId('metrics-state');
    expect(notice).toHaveTextContent('metrics-server is not reachable: the service answered 503');
    expect(notice).toHaveTextContent('Check the metrics-server pods in kube-system.');
  });

  test('says reading metrics is forbidden and which permission helps', async () => {
    await renderApp(<MetricsState source={source({ state: 'forbidden', message: 'pods.metrics.k8s.io is forbidden for user "viewer"', hint: 'Grant get and list on pods.metrics.k8s.io.' })} hasSamples={false} />);
    const notice = screen.getByTestId('metrics-state');
    expect(notice).toHaveAttribute('data-state', 'forbidden');
    expect(notice).toHaveTextContent('Reading metrics from metrics-server is forbidden');
    expect(notice).toHaveTextContent('pods.metrics.k8s.io is forbidden for user "viewer"');
    expect(notice).toHaveTextContent('Grant get and list on pods.metrics.k8s.io.');
  });

  test('a starting source, and a working one without samples, are collecting the first samples', async () => {
    const { rerender } = await renderApp(<MetricsState source={source({ state: 'starting', intervalSeconds: 15 })} hasSamples={false} />);
    expect(screen.getByTestId('metrics-state')).toHaveTextContent('Collecting the first samples');
    expect(screen.getByTestId('metrics-state')).toHaveTextContent('every 15 s');
    rerender(<MetricsState source={source({ state: 'ok' })} hasSamples={false} />);
    expect(screen.getByTestId('metrics-state')).toHaveAttribute('data-state', 'collecting');
  });

  test('shows nothing when the source is fine and has samples', async () => {
    await renderApp(<MetricsState source={source({ state: 'ok' })} hasSamples />);
    expect(screen.queryByTestId('metrics-state')).toBeNull();
  });

  test('names Prometheus when the range comes from it', async () => {
    await renderApp(<MetricsState source={source({ state: 'unreachable', message: 'connection refused' })} hasSamples={false} sourceName="Prometheus" />);
    expect(screen.getByTestId('metrics-state')).toHaveTextContent('Prometheus is not reachable: connection refused');
  });

  test('reads in Chinese', async () => {
    await renderApp(<MetricsState source={source({ state: 'notInstalled', message: 'metrics.k8s.io is not served', hint: HINT })} hasSamples={false} />, { locale: 'zh-CN' });
    const notice = screen.getByTestId('metrics-state');
    expect(notice).toHaveTextContent('未安装 metrics-server');
    expect(notice).toHaveTextContent('解决方法：');
  });

  test('an unknown state from a newer server still shows its message', () => {
    expect(shownState(source({ state: 'paused' as MetricsServerStatus['state'] }), true)).toBe('unreachable');
  });
});
