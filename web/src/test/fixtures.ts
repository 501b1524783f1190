//! Small API answers built in code, shaped as the contract says.

import type { ClusterInfo } from '../lib/k8s/cluster';
import type { Overview } from '../lib/k8s/overview';

export function clusterInfo(overrides: Partial<ClusterInfo> = {}): ClusterInfo {
  return {
    name: 'wheelhouse-demo',
    server: 'http://127.0.0.1:6443',
    serverVersion: 'v1.36.0',
    demo: true,
    connected: true,
    error: null,
    lastCheck: new Date().toISOString(),
    ...overrides,
  };
}

export function overview(): Overview {
  const now = Date.now();
  return {
    nodes: {
      total: 5,
      ready: 4,
      items: [
        { name: 'cp-1', ready: true, roles: ['control-plane'], kubeletVersion: 'v1.36.0' },
        { name: 'worker-1', ready: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'worker-2', ready: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'worker-3', ready: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'worker-4', ready: false, roles: [], kubeletVersion: 'v1.35.1' },
      ],
    },
    pods: {
      total: 80,
      byPhase: { Running: 70, Pending: 6, Succeeded: 2, Failed: 2 },
      problems: [
        { namespace: 'shop', name: 'checkout-abc', reason: 'CrashLoopBackOff' },
        { namespace: 'data', name: 'etl-xyz', reason: 'ImagePullBackOff' },
      ],
    },
    namespaces: [
      { name: 'default', phase: 'Active', pods: 3 },
      { name: 'shop', phase: 'Active', pods: 40 },
      { name: 'data', phase: 'Active', pods: 37 },
    ],
    warnings: [
      {
        namespace: 'shop',
        object: { kind: 'Pod', name: 'checkout-abc' },
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
        count: 12,
        lastSeen: new Date(now - 120_000).toISOString(),
      },
      {
        namespace: 'data',
        object: { kind: 'Pod', name: 'etl-xyz' },
        reason: 'Failed',
        message: 'Failed to pull image "etl:9"',
        count: 3,
        lastSeen: new Date(now - 600_000).toISOString(),
      },
    ],
    generatedAt: new Date(now).toISOString(),
  };
}
