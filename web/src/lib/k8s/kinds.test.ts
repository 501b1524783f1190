import { describe, expect, test } from 'vitest';
import { findKind, kindLabelKey, kindsByCategory, routeName, type Kind } from './kinds';

function kind(group: string, resource: string, k: string, extra: Partial<Kind> = {}): Kind {
  return {
    group,
    version: 'v1',
    resource,
    kind: k,
    namespaced: true,
    verbs: ['get', 'list', 'watch'],
    shortNames: [],
    preferredVersion: 'v1',
    custom: false,
    path: `${group || 'core'}/v1/${resource}`,
    preferred: true,
    ...extra,
  };
}

const KINDS = [
  kind('', 'pods', 'Pod', { shortNames: ['po'] }),
  kind('', 'events', 'Event'),
  kind('', 'nodes', 'Node', { namespaced: false }),
  kind('apps', 'deployments', 'Deployment'),
  kind('events.k8s.io', 'events', 'Event'),
  kind('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', { verbs: ['create'] }),
  kind('example.com', 'widgets', 'Widget', { custom: true }),
  // Discovery's guess without CRDs to go by: a built-in group is never custom.
  kind('apps', 'controllerrevisions', 'ControllerRevision', { custom: true }),
  kind('example.com', 'widgets', 'Widget', { custom: true, version: 'v1beta1', preferred: false }),
];

describe('kinds', () => {
  test('the navigation groups listable kinds in order and leaves out empty groups', () => {
    const groups = kindsByCategory(KINDS);
    expect(groups.map((g) => g.category)).toEqual(['Workloads', 'Cluster', 'Custom resources']);
    expect(groups[0]?.kinds.map((k) => k.to)).toEqual(['pods', 'deployments']);
    expect(groups[2]?.kinds.map((k) => k.to)).toEqual(['widgets']);
    expect(groups[1]?.kinds.map((k) => k.to)).toContain('controllerrevisions');
  });

  test('a plural two groups share keeps the plain name for the core group and qualifies the other', () => {
    const [core, other] = KINDS.filter((k) => k.resource === 'events');
    expect(core && routeName(core, KINDS)).toBe('events');
    expect(other && routeName(other, KINDS)).toBe('events.events.k8s.io');
    expect(findKind(KINDS, 'events.events.k8s.io')?.group).toBe('events.k8s.io');
    expect(findKind(KINDS, 'po')?.kind).toBe('Pod');
    expect(findKind(KINDS, 'selfsubjectaccessreviews')).toBeUndefined();
  });

  test('a built-in kind has a plural label in the catalogue; a custom kind keeps its name', () => {
    expect(kindLabelKey({ kind: 'PersistentVolumeClaim' })).toBe('kinds|Persistent Volume Claims');
    expect(kindLabelKey({ kind: 'Widget' })).toBe('kinds|Widget');
  });
});
