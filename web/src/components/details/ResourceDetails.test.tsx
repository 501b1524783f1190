import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { Detail } from '../../lib/k8s/detail';
import { container, kindsAnswer, podSummary } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { conditionSeverity, ResourceDetails } from './ResourceDetails';

function podDetail(): Detail {
  return {
    kind: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '7',
      creationTimestamp: new Date(Date.now() - 60_000).toISOString(),
      deletionTimestamp: null,
      generation: null,
      labels: { app: 'web' },
      annotations: {},
      ownerReferences: [],
    },
    object: {},
    summary: podSummary({
      status: 'CrashLoopBackOff',
      node: 'worker-1',
      containers: [
        container({
          name: 'api',
          image: 'ghcr.io/demo/api:1.4',
          state: { state: 'waiting', reason: 'CrashLoopBackOff', message: null, startedAt: null, finishedAt: null, exitCode: null, signal: null },
          restartCount: 5,
          env: [{ name: 'DB_PASSWORD', from: { kind: 'Secret', name: 'api-secrets', key: 'password' }, value: null, revealed: false }],
        }),
      ],
    }),
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: null, lastTransitionTime: null }],
    owners: [
      { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespace: 'shop', name: 'web', path: 'apps/v1/deployments/web?namespace=shop' },
    ],
    related: [{ relation: 'node', items: [{ group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespace: null, name: 'worker-1', path: 'core/v1/nodes/worker-1' }] }],
    events: [{ type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 5, firstSeen: null, lastSeen: null, source: 'kubelet' }],
    warnings: [{ reason: 'Forbidden', what: 'services in namespace shop', message: 'services is forbidden: User "dev" cannot list resource "services"' }],
  };
}

describe('ResourceDetails', () => {
  test('a lookup that failed is shown as a warning, and the rest of the page is there', async () => {
    await renderApp(<ResourceDetails detail={podDetail()} kinds={kindsAnswer().kinds} />);
    const warning = screen.getByTestId('detail-warning');
    expect(warning).toHaveTextContent('Could not read services in namespace shop:');
    expect(warning).toHaveTextContent('services is forbidden');
    expect(screen.getByTestId('containers')).toHaveTextContent('CrashLoopBackOff');
    expect(screen.getByTestId('events')).toHaveTextContent('Back-off restarting failed container');
  });

  test('owners and related objects link to their pages; a secret value is not shown', async () => {
    await renderApp(<ResourceDetails detail={podDetail()} kinds={kindsAnswer().kinds} />);
    expect(within(screen.getByTestId('owners')).getByRole('link', { name: 'Deployment shop/web' })).toHaveAttribute('href', '/deployments/shop/web');
    expect(within(screen.getByTestId('related-node')).getByRole('link', { name: 'Node worker-1' })).toHaveAttribute('href', '/nodes/worker-1');
    expect(screen.getByTestId('containers')).toHaveTextContent('DB_PASSWORD=Secret api-secrets/password');
  });

  test("a pod's TCP container ports and a Service's ports open in the browser through the API server's proxy", async () => {
    const pod = podDetail();
    const summary = pod.summary as unknown as { containers: { ports: unknown[] }[] };
    const first = summary.containers[0];
    if (!first) throw new Error('the fixture has a container');
    first.ports = [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'dns', containerPort: 53, protocol: 'UDP' },
    ];
    const { unmount } = await renderApp(<ResourceDetails detail={pod} kinds={kindsAnswer().kinds} />);
    expect(screen.getByTestId('open-port-8080').getAttribute('href')).toBe('api/v1/namespaces/shop/pods/web-1:8080/proxy/');
    expect(screen.getByTestId('open-port-8080').getAttribute('target')).toBe('_blank');
    expect(screen.queryByTestId('open-port-53')).toBeNull();
    unmount();

    const service: Detail = {
      ...podDetail(),
      kind: { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true },
      metadata: { ...podDetail().metadata, name: 'web' },
      summary: {
        type: 'Service',
        serviceType: 'ClusterIP',
        clusterIP: '10.96.0.5',
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      } as unknown as Detail['summary'],
    };
    await renderApp(<ResourceDetails detail={service} kinds={kindsAnswer().kinds} />);
    expect(screen.getByTestId('open-service-port-80').getAttribute('href')).toBe('api/v1/namespaces/shop/services/web:80/proxy/');
    expect(screen.getByTestId('open-service-port-443').getAttribute('href')).toBe('api/v1/namespaces/shop/services/https:web:443/proxy/');
  });

  test('a condition is good news or bad news by its type', () => {
    expect(conditionSeverity('Ready', 'True')).toBe('ok');
    expect(conditionSeverity('Ready', 'False')).toBe('warning');
    expect(conditionSeverity('MemoryPressure', 'False')).toBe('ok');
    expect(conditionSeverity('MemoryPressure', 'True')).toBe('warning');
    expect(conditionSeverity('Ready', 'Unknown')).toBe('neutral');
  });
});
