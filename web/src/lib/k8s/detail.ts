//! One object's detail as the server aggregates it (`GET /api/v1/resources/…/{name}`), its
//! permissions, and where its links go in the app. Pure types and helpers.

import type { Container, Detail, ObjectLink, Summary } from '../api/generated';
import { routeName, type Kind } from './kinds';

export type {
  Condition,
  Container,
  ContainerState,
  Decision as Permission,
  Detail,
  DetailEvent,
  DetailMetadata,
  EnvVar,
  ObjectLink,
  Permissions,
  RelatedGroup,
  Summary,
} from '../api/generated';

/** The containers of a pod or of a workload's pod template (none for other kinds). */
export function containersOf(summary: Summary | null): { initContainers: Container[]; containers: Container[] } {
  if (!summary || !('containers' in summary)) return { initContainers: [], containers: [] };
  return { initContainers: summary.initContainers, containers: summary.containers };
}

/**
 * The pods the server relates to the object (a workload's, a service's, a node's), each with its
 * STATUS; none when it has none (the server then sends no `pods` group at all).
 */
export function relatedPods(detail: Pick<Detail, 'related'>): ObjectLink[] {
  return detail.related.find((g) => g.relation === 'pods')?.items ?? [];
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
