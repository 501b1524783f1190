//! Small API answers built in code, shaped as the contract says.

import type { Person, Session } from '../lib/api/session';
import type { ClusterInfo } from '../lib/k8s/cluster';
import type { KindsAnswer } from '../lib/k8s/kinds';
import type { Container, Summary } from '../lib/k8s/detail';
import type { MetricsAnswer, MetricsServerStatus, MetricsStatus, SourceState } from '../lib/k8s/metrics';
import type { Overview } from '../lib/k8s/overview';
import type { Column, ListAnswer, Row, Severity } from '../lib/k8s/rows';

export function clusterInfo(overrides: Partial<ClusterInfo> = {}): ClusterInfo {
  return {
    name: 'wheelhouse-demo',
    server: 'http://127.0.0.1:6443',
    serverVersion: 'v1.36.0',
    demo: true,
    connected: true,
    error: null,
    lastCheck: new Date().toISOString(),
    login: 'local',
    ...overrides,
  };
}

export function overview(): Overview {
  const now = Date.now();
  return {
    nodes: {
      total: 5,
      ready: 4,
      unschedulable: 0,
      items: [
        { name: 'cp-1', ready: true, schedulable: true, roles: ['control-plane'], kubeletVersion: 'v1.36.0' },
        { name: 'worker-1', ready: true, schedulable: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'worker-2', ready: true, schedulable: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'worker-3', ready: true, schedulable: true, roles: [], kubeletVersion: 'v1.36.0' },
        { name: 'worker-4', ready: false, schedulable: true, roles: [], kubeletVersion: 'v1.35.1' },
      ],
    },
    pods: {
      total: 80,
      byPhase: { Running: 70, Pending: 6, Succeeded: 2, Failed: 2, Unknown: 0 },
      problems: [
        { namespace: 'shop', name: 'checkout-abc', reason: 'CrashLoopBackOff' },
        { namespace: 'data', name: 'etl-xyz', reason: 'ImagePullBackOff' },
      ],
      problemsTotal: 2,
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
    hidden: [],
  };
}

/** A kinds answer with the few kinds the list tests use. */
export function kindsAnswer(): KindsAnswer {
  const kind = (group: string, resource: string, k: string, namespaced = true) => ({
    group,
    version: 'v1',
    resource,
    kind: k,
    namespaced,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: [],
    preferredVersion: 'v1',
    custom: false,
    path: `${group || 'core'}/v1/${resource}`,
    preferred: true,
  });
  return {
    kinds: [kind('', 'pods', 'Pod'), kind('', 'nodes', 'Node', false), kind('apps', 'deployments', 'Deployment')],
    warnings: [],
    discoveredAt: new Date().toISOString(),
  };
}

export const POD_COLUMNS: Column[] = [
  { id: 'name', title: 'columns|Name', type: 'text', sortable: true, wide: false },
  { id: 'namespace', title: 'columns|Namespace', type: 'text', sortable: true, wide: false },
  { id: 'ready', title: 'columns|Ready', type: 'ratio', sortable: true, wide: false },
  { id: 'status', title: 'columns|Status', type: 'status', sortable: true, wide: false },
  { id: 'restarts', title: 'columns|Restarts', type: 'restarts', sortable: true, wide: false },
  { id: 'creationTimestamp', title: 'columns|Age', type: 'since', sortable: true, wide: false },
  { id: 'node', title: 'columns|Node', type: 'text', sortable: true, wide: true },
];

export function podRow(name: string, status = 'Running', severity: Severity = 'ok'): Row {
  return {
    name,
    namespace: 'shop',
    uid: `uid-${name}`,
    creationTimestamp: new Date(Date.now() - 300_000).toISOString(),
    labels: { app: 'web' },
    ready: severity === 'ok' ? '1/1' : '0/1',
    status: { text: status, severity },
    restarts: { count: severity === 'error' ? 5 : 0, lastRestart: null },
    node: 'worker-1',
  };
}

export function podList(rows: Row[], total = rows.length): ListAnswer {
  return { items: rows, total, page: 1, pageSize: 50, columns: POD_COLUMNS, state: 'ready', warnings: [] };
}

/** The metrics sources' state as the server reports it (`GET /api/v1/metrics/status`). */
export function metricsStatus(state: SourceState = 'ok', extra: Partial<MetricsServerStatus> = {}): MetricsStatus {
  return {
    metricsServer: {
      state,
      message: state === 'notInstalled' ? 'metrics-server is not installed (metrics.k8s.io is not served)' : '',
      hint: state === 'notInstalled' ? 'Install metrics-server: kubectl apply -f components.yaml' : null,
      apiVersion: state === 'ok' ? 'metrics.k8s.io/v1beta1' : null,
      since: '2026-11-27T20:00:00Z',
      lastScrape: state === 'ok' ? '2026-11-27T20:30:00Z' : null,
      intervalSeconds: 30,
      retentionSeconds: 3600,
      ...extra,
    },
    prometheus: null,
    ranges: state === 'ok' || state === 'starting' ? [{ id: '15m', seconds: 900, source: 'metricsServer' }, { id: '1h', seconds: 3600, source: 'metricsServer' }] : [],
  };
}

/** The cluster's metrics (`GET /api/v1/metrics/cluster`): three nodes, busy pods on top. */
export function clusterMetrics(): MetricsAnswer {
  return {
    target: { kind: 'Cluster' },
    state: metricsStatus().metricsServer,
    current: {
      cpu: { usage: 3, requests: 6, limits: 10, allocatable: 12, capacity: 12 },
      memory: { usage: 8 * 2 ** 30, requests: 12 * 2 ** 30, limits: null, allocatable: 48 * 2 ** 30, capacity: 48 * 2 ** 30 },
      timestamp: '2026-11-27T20:30:00Z',
    },
    series: { source: 'metricsServer', resolutionSeconds: 30, start: 1_800_000_000, end: 1_800_000_060, timestamps: [1_800_000_000, 1_800_000_030, 1_800_000_060], cpu: [2.8, 2.9, 3], memory: [8e9, 8.2e9, 8.6e9] },
    top: {
      pods: [
        { namespace: 'shop', name: 'checkout-abc', cpu: 0.9, memory: 1.2e9 },
        { namespace: 'shop', name: 'web-1', cpu: 0.25, memory: 100 * 2 ** 20 },
      ],
      nodes: [{ name: 'worker-1', cpu: 1.9, memory: 6e9, cpuPercent: 47.5, memoryPercent: 37.3 }],
    },
  };
}

/** A container of a pod's summary, with nothing set but what `overrides` says. */
export function container(overrides: Partial<Container> & { name: string }): Container {
  return {
    image: null,
    imagePullPolicy: null,
    command: [],
    args: [],
    state: null,
    lastState: null,
    ready: null,
    restartCount: null,
    ports: [],
    env: [],
    envFrom: [],
    resources: { requests: {}, limits: {} },
    probes: { liveness: null, readiness: null, startup: null },
    mounts: [],
    ...overrides,
  };
}

/** A pod's summary, with nothing set but what `overrides` says. */
export function podSummary(overrides: Partial<Extract<Summary, { type: 'Pod' }>> = {}): Summary {
  return {
    type: 'Pod',
    phase: null,
    status: null,
    node: null,
    podIP: null,
    hostIP: null,
    qosClass: null,
    serviceAccount: null,
    restarts: 0,
    initContainers: [],
    containers: [],
    volumes: [],
    tolerations: null,
    nodeSelector: null,
    ...overrides,
  };
}

/** A person signed in with a token, whose session ends in an hour. */
export function person(overrides: Partial<Person> = {}): Person {
  return {
    user: 'alice',
    groups: ['team-a', 'system:authenticated'],
    method: 'token',
    expiresAt: new Date(Date.now() + 60 * 60_000).toISOString(),
    ...overrides,
  };
}

/** `GET api/v1/session` in login mode, nobody signed in unless `person` is given. */
export function sessionAnswer(overrides: Partial<Session> = {}): Session {
  return { mode: 'login', methods: ['token'], cluster: '', person: null, ...overrides };
}

/** The contract's error body for a refused call (401 `Unauthorized` or `SessionExpired`). */
export function refused(reason: 'Unauthorized' | 'SessionExpired' | 'BadRequest', message: string, code = 401) {
  return { status: code, body: { error: { code, reason, message, details: null } } };
}
