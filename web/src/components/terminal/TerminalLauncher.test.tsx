import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Detail, ObjectLink } from '../../lib/k8s/detail';
import { openTerminal } from '../../lib/terminals';
import { container, podSummary } from '../../test/fixtures';
import { renderApp } from '../../test/render';
import { TerminalLauncher, WorkloadTerminalLauncher } from './TerminalLauncher';

vi.mock('../../lib/terminals', async (original) => ({ ...(await original<typeof import('../../lib/terminals')>()), openTerminal: vi.fn() }));

afterEach(() => {
  vi.mocked(openTerminal).mockClear();
});

function pod(name: string, status: string): ObjectLink {
  return { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace: 'shop', name, path: `core/v1/pods/${name}?namespace=shop`, status };
}

/** A Deployment `shop/api` whose template has `containers`, with `pods` related (none: no group, as the server sends). */
function deployment(containers: string[], pods: ObjectLink[]): Detail {
  return {
    kind: { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
    metadata: { name: 'api', namespace: 'shop', uid: 'u', resourceVersion: '1', creationTimestamp: null, deletionTimestamp: null, generation: null, labels: {}, annotations: {}, ownerReferences: [] },
    object: {},
    summary: {
      type: 'Deployment',
      replicas: { desired: pods.length, current: pods.length, ready: null, updated: null, available: null },
      selector: { app: 'api' },
      strategy: null,
      paused: null,
      suspend: null,
      schedule: null,
      lastScheduleTime: null,
      revision: null,
      initContainers: [],
      containers: containers.map((name) => container({ name })),
      volumes: [],
    },
    conditions: [],
    owners: [],
    related: pods.length > 0 ? [{ relation: 'pods', items: pods }] : [],
    events: [],
    warnings: [],
  };
}

const options = (select: HTMLElement) =>
  within(select)
    .getAllByRole('option')
    .map((o) => ({ text: o.textContent, disabled: (o as HTMLOptionElement).disabled }));

describe('WorkloadTerminalLauncher', () => {
  test('lists the workload\'s pods, the running ones first and selectable, the first of them chosen', async () => {
    await renderApp(<WorkloadTerminalLauncher detail={deployment(['api'], [pod('api-1', 'CrashLoopBackOff'), pod('api-2', 'Running'), pod('api-3', 'Running')])} namespace="shop" />);
    const select = screen.getByTestId('terminal-pod');
    expect(options(select)).toEqual([
      { text: 'api-2', disabled: false },
      { text: 'api-3', disabled: false },
      { text: 'api-1 (CrashLoopBackOff)', disabled: true },
    ]);
    expect(select).toHaveValue('api-2');
    expect(screen.getByTestId('terminal-open')).toBeEnabled();
    // One container in the template: nothing to choose.
    expect(screen.queryByTestId('terminal-container')).toBeNull();
  });

  test('opens a terminal in the chosen pod and container', async () => {
    await renderApp(<WorkloadTerminalLauncher detail={deployment(['api', 'proxy'], [pod('api-1', 'Running'), pod('api-2', 'Running')])} namespace="shop" />);
    fireEvent.change(screen.getByTestId('terminal-pod'), { target: { value: 'api-2' } });
    fireEvent.change(screen.getByTestId('terminal-container'), { target: { value: 'proxy' } });
    fireEvent.click(screen.getByTestId('terminal-open'));
    expect(openTerminal).toHaveBeenCalledExactlyOnceWith({ kind: 'container', namespace: 'shop', pod: 'api-2', container: 'proxy' });
  });

  test('opens the first running pod\'s terminal in the template\'s first container when nothing is chosen', async () => {
    await renderApp(<WorkloadTerminalLauncher detail={deployment(['api', 'proxy'], [pod('api-1', 'Pending'), pod('api-2', 'Running')])} namespace="shop" />);
    fireEvent.click(screen.getByTestId('terminal-open'));
    expect(openTerminal).toHaveBeenCalledExactlyOnceWith({ kind: 'container', namespace: 'shop', pod: 'api-2', container: 'api' });
  });

  test.each([
    ['none of its pods runs', [pod('api-1', 'ImagePullBackOff'), pod('api-2', 'Pending')]],
    ['it has no pods', []],
  ])('says so and opens nothing when %s', async (_, pods) => {
    await renderApp(<WorkloadTerminalLauncher detail={deployment(['api'], pods)} namespace="shop" />);
    const button = screen.getByTestId('terminal-open');
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription('None of its pods is running');
    expect(screen.queryByTestId('terminal-pod')).toBeNull();
    fireEvent.click(button);
    expect(openTerminal).not.toHaveBeenCalled();
  });

  test('reads in Chinese', async () => {
    await renderApp(<WorkloadTerminalLauncher detail={deployment(['api'], [])} namespace="shop" />, { locale: 'zh-CN' });
    expect(screen.getByTestId('terminal-open')).toHaveTextContent('打开终端');
    expect(screen.getByTestId('terminal-no-running-pod')).toHaveTextContent('它的 Pod 都没有在运行');
  });

  test('offers nothing on a pod\'s page or for an object without a pod template', async () => {
    const onPod = { ...deployment(['api'], []), summary: podSummary({ containers: [container({ name: 'api' })] }) };
    const onService: Detail = {
      ...deployment(['api'], [pod('api-1', 'Running')]),
      summary: { type: 'Service', serviceType: 'ClusterIP', clusterIP: '10.96.0.20', externalIPs: [], loadBalancerIngress: [], ports: [], selector: { app: 'api' } },
    };
    await renderApp(
      <>
        <WorkloadTerminalLauncher detail={onPod} namespace="shop" />
        <WorkloadTerminalLauncher detail={onService} namespace="shop" />
      </>,
    );
    expect(screen.queryByTestId('terminal-launcher')).toBeNull();
  });
});

describe('TerminalLauncher', () => {
  test('opens a terminal in the pod\'s chosen container', async () => {
    const detail = { ...deployment([], []), summary: podSummary({ containers: [container({ name: 'app' }), container({ name: 'sidecar' })] }) };
    await renderApp(<TerminalLauncher detail={detail} namespace="shop" pod="web-1" />);
    fireEvent.change(screen.getByTestId('terminal-container'), { target: { value: 'sidecar' } });
    fireEvent.click(screen.getByTestId('terminal-open'));
    expect(openTerminal).toHaveBeenCalledExactlyOnceWith({ kind: 'container', namespace: 'shop', pod: 'web-1', container: 'sidecar' });
  });
});
