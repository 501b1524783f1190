//! One object's detail as the server aggregates it (`GET /api/v1/resources/…/{name}`), its
//! permissions, and where its links go in the app. Pure types and helpers.

import type { Warning } from '../api/warning';
import { routeName, type Kind } from './kinds';

export interface ObjectLink {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace: string | null;
  name: string;
  path: string;
  status?: string | null;
}

export interface Condition {
  type: string;
  status: string;
  reason: string | null;
  message: string | null;
  lastTransitionTime: string | null;
}

export interface DetailEvent {
  type: string;
  reason: string | null;
  message: string | null;
  count: number | null;
  firstSeen: string | null;
  lastSeen: string | null;
  source: string | null;
}


export interface ContainerState {
  state: 'running' | 'waiting' | 'terminated' | null;
  reason: string | null;
  message: string | null;
  startedAt: string | null;
  exitCode: number | null;
}

export interface EnvVar {
  name: string;
  value?: string | null;
  from?: { kind: string; name?: string; key?: string; path?: string } | null;
  revealed?: boolean;
}

export interface Container {
  name: string;
  image: string | null;
  state?: ContainerState | null;
  lastState?: ContainerState | null;
  ready?: boolean | null;
  restartCount?: number | null;
  ports?: { name: string | null; containerPort: number; protocol: string | null }[];
  env?: EnvVar[];
  resources?: { requests?: Record<string, string> | null; limits?: Record<string, string> | null } | null;
  mounts?: { name: string; mountPath: string; readOnly: boolean | null; subPath: string | null }[];
}

export interface Summary {
  type: string;
  [field: string]: unknown;
}

export interface Detail {
  kind: { group: string; version: string; resource: string; kind: string; namespaced: boolean };
  metadata: {
    name: string;
    namespace: string | null;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string | null;
    deletionTimestamp: string | null;
    generation: number | null;
    labels: Record<string, string> | null;
    annotations: Record<string, string> | null;
    ownerReferences?: unknown[] | null;
  };
  object: Record<string, unknown>;
  summary: Summary | null;
  conditions: Condition[] | null;
  owners: ObjectLink[] | null;
  related: { relation: string; items: ObjectLink[] }[] | null;
  events: DetailEvent[] | null;
  warnings: Warning[] | null;
}

export interface Permission {
  allowed: boolean;
  reason: string | null;
}

export interface Permissions {
  actions: Record<string, Permission | undefined>;
}

/** The app URL of an object: `/pods/shop/web-1`, `/nodes/worker-1`. */
export function objectUrl(kinds: readonly Kind[], link: Pick<ObjectLink, 'group' | 'resource' | 'namespace' | 'name'>): string | null {
  const kind = kinds.find((k) => k.group === link.group && k.resource === link.resource && k.preferred);
  if (!kind) return null;
  const name = encodeURIComponent(link.name);
  const route = routeName(kind, kinds);
  return kind.namespaced && link.namespace ? `/${route}/${encodeURIComponent(link.namespace)}/${name}` : `/${route}/${name}`;
}

/** The API path of an object (`api/v1/resources/core/v1/pods/web-1?namespace=shop`), with a sub-path. */
export function objectApi(kind: Kind, name: string, namespace: string | null, sub = '', extra?: Record<string, string>): string {
  const params = new URLSearchParams();
  if (kind.namespaced && namespace) params.set('namespace', namespace);
  for (const [k, v] of Object.entries(extra ?? {})) params.set(k, v);
  const query = params.toString();
  return `api/v1/resources/${kind.path}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}${query ? `?${query}` : ''}`;
}

/** The actions each kind offers in its action bar, in order. */
export function actionsFor(kind: Pick<Kind, 'group' | 'resource'>): string[] {
  const r = `${kind.resource}.${kind.group}`;
  switch (r) {
    case 'deployments.apps':
    case 'statefulsets.apps':
      return ['scale', 'restart', 'rollback'];
    case 'replicasets.apps':
      return ['scale'];
    case 'daemonsets.apps':
      return ['restart', 'rollback'];
    case 'cronjobs.batch':
      return ['suspend', 'resume', 'trigger'];
    case 'nodes.':
      return ['cordon', 'uncordon', 'drain'];
    default:
      return [];
  }
}

/** Kinds whose pods have logs: pods themselves, and workloads (merged logs). */
export function hasLogs(kind: Pick<Kind, 'group' | 'resource'>): 'pod' | 'workload' | null {
  if (kind.group === '' && kind.resource === 'pods') return 'pod';
  if (['deployments.apps', 'statefulsets.apps', 'daemonsets.apps', 'replicasets.apps', 'jobs.batch'].includes(`${kind.resource}.${kind.group}`)) {
    return 'workload';
  }
  return null;
}
