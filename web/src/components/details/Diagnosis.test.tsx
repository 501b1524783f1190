import { screen, within } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { ContainerState, Detail } from '../../lib/k8s/detail';
import { container, kindsAnswer, podSummary } from '../../test/fixtures';
import { fakeApi, renderApp } from '../../test/render';
import { ContainerConfig } from './ContainerConfig';
import { containerTrouble, PodDiagnosis, WorkloadDiagnosis } from './Diagnosis';

function state(overrides: Partial<ContainerState> & { state: string }): ContainerState {
  return { reason: null, message: null, startedAt: null, finishedAt: null, exitCode: null, signal: null, ...overrides };
}

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

function detail(summary: Detail['summary'], events: Detail['events'] = [], extra: Partial<Detail> = {}): Detail {
  return {
    kind: { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
    metadata: { name: 'checkout-1', namespace: 'shop', uid: 'u', resourceVersion: '1', creationTimestamp: ago(600), deletionTimestamp: null, generation: null, labels: {}, annotations: {}, ownerReferences: [] },
    object: {},
    summary,
    conditions: [],
    owners: [],
    related: [],
    events,
    warnings: [],
    ...extra,
  };
}

const crashing = container({
  name: 'app',
  state: state({ state: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app' }),
  lastState: state({ state: 'terminated', reason: 'Error', exitCode: 1, startedAt: ago(130), finishedAt: ago(120) }),
  ready: false,
  restartCount: 5,
});

describe('PodDiagnosis', () => {
  test('a crash-looping pod leads with the state, the last run (reason, exit code, when), its last log lines and the latest warnings', async () => {
    const fetch = fakeApi({
      'api/v1/logs/shop/checkout-1?container=app&tailLines=20&previous=true': { body: 'starting\nlevel=fatal msg="giving up"\n' },
    });
    fetch.mockImplementation((input: RequestInfo | URL) => {
      const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url;
      const body = path === 'api/v1/logs/shop/checkout-1?container=app&tailLines=20&previous=true' ? 'starting\nlevel=fatal msg="giving up"\n' : '{}';
      return Promise.resolve(new Response(body, { status: path.startsWith('api/v1/logs') ? 200 : 404, headers: { 'Content-Type': 'text/plain' } }));
    });
    await renderApp(
      <PodDiagnosis
        detail={detail(podSummary({ status: 'CrashLoopBackOff', phase: 'Running', containers: [crashing, container({ name: 'sidecar', state: state({ state: 'running', startedAt: ago(500) }), ready: true })] }), [
          { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container app', count: 7, firstSeen: ago(300), lastSeen: ago(10), source: 'kubelet' },
          { type: 'Normal', reason: 'Pulled', message: 'pulled', count: 1, firstSeen: null, lastSeen: ago(20), source: 'kubelet' },
        ])}
      />,
    );
    const box = screen.getByTestId('diagnosis');
    expect(box).toHaveTextContent('Why this pod is not healthy');
    const rows = within(box).getAllByTestId('diagnosis-container');
    expect(rows.map((r) => r.getAttribute('data-container'))).toEqual(['app']);
    expect(rows[0]).toHaveTextContent('CrashLoopBackOff');
    expect(within(box).getByTestId('diagnosis-last-state')).toHaveTextContent(/Last run: Error · exit code 1 · ended 2m ago/);
    expect(rows[0]).toHaveTextContent('Restarted 5 times');
    expect(await within(box).findByText(/level=fatal msg="giving up"/)).toBeInTheDocument();
    const warnings = within(box).getAllByTestId('diagnosis-warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toHaveTextContent('BackOff');
  });

  test('a healthy pod has no diagnosis', async () => {
    await renderApp(<PodDiagnosis detail={detail(podSummary({ status: 'Running', phase: 'Running', containers: [container({ name: 'app', state: state({ state: 'running' }), ready: true, restartCount: 0 })] }))} />);
    expect(screen.queryByTestId('diagnosis')).toBeNull();
  });

  test('reads in Chinese', async () => {
    fakeApi({});
    await renderApp(<PodDiagnosis detail={detail(podSummary({ status: 'CrashLoopBackOff', phase: 'Running', containers: [crashing] }))} />, { locale: 'zh-CN' });
    expect(screen.getByTestId('diagnosis')).toHaveTextContent('此 Pod 为何不健康');
    expect(screen.getByTestId('diagnosis-last-state')).toHaveTextContent('退出码 1');
  });

  test('a container that exited 0 or runs ready is no trouble; one that restarted after a failure is', () => {
    expect(containerTrouble(container({ name: 'a', state: state({ state: 'terminated', exitCode: 0 }) }))).toBe(false);
    expect(containerTrouble(container({ name: 'a', state: state({ state: 'running' }), ready: true }))).toBe(false);
    expect(containerTrouble(container({ name: 'a', state: state({ state: 'running' }), ready: true, lastState: state({ state: 'terminated', exitCode: 137, reason: 'OOMKilled' }) }))).toBe(true);
  });
});

describe('WorkloadDiagnosis', () => {
  test('a deployment with unavailable replicas leads with how many, its failing conditions and the pods behind them', async () => {
    const d = detail(
      { type: 'Deployment', replicas: { desired: 3, current: 3, ready: 1, updated: 3, available: 1 }, selector: null, strategy: null, paused: null, suspend: null, schedule: null, lastScheduleTime: null, revision: null, initContainers: [], containers: [], volumes: [] },
      [],
      {
        kind: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
        conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastTransitionTime: null }],
        related: [
          {
            relation: 'pods',
            items: [
              { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: 'shop', name: 'checkout-1', path: 'core/v1/pods/checkout-1?namespace=shop', status: 'CrashLoopBackOff' },
              { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: 'shop', name: 'checkout-2', path: 'core/v1/pods/checkout-2?namespace=shop', status: 'Running' },
            ],
          },
        ],
      },
    );
    await renderApp(<WorkloadDiagnosis detail={d} kinds={kindsAnswer().kinds} />);
    const box = screen.getByTestId('diagnosis');
    expect(box).toHaveTextContent('2 of 3 replicas unavailable');
    expect(within(box).getByTestId('diagnosis-condition')).toHaveTextContent('MinimumReplicasUnavailable');
    const pods = within(box).getAllByTestId('diagnosis-pod');
    expect(pods.map((p) => p.textContent)).toEqual(['checkout-1 CrashLoopBackOff', 'checkout-2 Running']);
  });
});

describe('ContainerConfig', () => {
  test('shows probes, mounts and volumes', async () => {
    await renderApp(
      <ContainerConfig
        containers={[
          container({
            name: 'app',
            probes: { liveness: { handler: 'httpGet :8080/healthz', initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3, successThreshold: 1 }, readiness: null, startup: null },
            mounts: [{ name: 'config', mountPath: '/etc/app', readOnly: true, subPath: null }],
          }),
        ]}
        volumes={[{ name: 'config', type: 'configMap', source: 'app-config' }]}
      />,
    );
    const row = screen.getByTestId('container-config-row');
    expect(row).toHaveTextContent('liveness httpGet :8080/healthz every 10 s, timeout 1 s, fails after 3, first after 5 s');
    expect(row).toHaveTextContent('/etc/app ← config (read-only)');
    expect(screen.getByTestId('volume-row')).toHaveTextContent('configconfigMapapp-config');
  });
});
