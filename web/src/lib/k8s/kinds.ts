//! Kinds the cluster serves (`GET /api/v1/kinds`): how they are grouped in the navigation and
//! what each one is called in the app's URLs (`pods`, `deployments`, `widgets.demo.wheelhouse.dev`).

import type { Kind } from '../api/generated';

export type { Kind, KindsAnswer } from '../api/generated';

export const KIND_CATEGORIES = ['Workloads', 'Network', 'Config', 'Storage', 'Cluster', 'Access', 'Custom resources'] as const;
export type KindCategory = (typeof KIND_CATEGORIES)[number];

/** Built-in resources by `resource.group` (core: just `resource`), in the order the navigation lists them. */
const BUILTIN_CATEGORIES: [KindCategory, string[]][] = [
  ['Workloads', ['pods', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps', 'daemonsets.apps', 'jobs.batch', 'cronjobs.batch']],
  [
    'Network',
    [
      'services',
      'endpoints',
      'endpointslices.discovery.k8s.io',
      'ingresses.networking.k8s.io',
      'ingressclasses.networking.k8s.io',
      'networkpolicies.networking.k8s.io',
    ],
  ],
  [
    'Config',
    [
      'configmaps',
      'secrets',
      'resourcequotas',
      'limitranges',
      'horizontalpodautoscalers.autoscaling',
      'poddisruptionbudgets.policy',
      'priorityclasses.scheduling.k8s.io',
      'runtimeclasses.node.k8s.io',
      'mutatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
    ],
  ],
  [
    'Storage',
    [
      'persistentvolumeclaims',
      'persistentvolumes',
      'storageclasses.storage.k8s.io',
      'volumeattachments.storage.k8s.io',
      'csidrivers.storage.k8s.io',
      'csinodes.storage.k8s.io',
    ],
  ],
  [
    'Cluster',
    [
      'nodes',
      'namespaces',
      'events',
      'customresourcedefinitions.apiextensions.k8s.io',
      'apiservices.apiregistration.k8s.io',
      'leases.coordination.k8s.io',
    ],
  ],
  [
    'Access',
    [
      'serviceaccounts',
      'roles.rbac.authorization.k8s.io',
      'rolebindings.rbac.authorization.k8s.io',
      'clusterroles.rbac.authorization.k8s.io',
      'clusterrolebindings.rbac.authorization.k8s.io',
    ],
  ],
];

const CATEGORY_OF = new Map<string, { category: KindCategory; order: number }>(
  BUILTIN_CATEGORIES.flatMap(([category, names]) => names.map((name, order) => [name, { category, order }] as const)),
);

/** `pods`, `deployments.apps`: the resource with its group, as kubectl names it. */
export function qualifiedName(kind: Pick<Kind, 'group' | 'resource'>): string {
  return kind.group ? `${kind.resource}.${kind.group}` : kind.resource;
}

/** Kinds a list page can show: the preferred version of each resource that can be listed and watched. */
export function listableKinds(kinds: readonly Kind[]): Kind[] {
  return kinds.filter((k) => k.preferred && k.verbs.includes('list') && k.verbs.includes('watch'));
}

/**
 * The kind's name in the app's URLs: the plain plural (`pods`, `deployments`) when no other
 * listable kind has it — the core group wins a tie, as with kubectl's `events` — else the
 * qualified name (`events.events.k8s.io`).
 */
export function routeName(kind: Kind, kinds: readonly Kind[]): string {
  const rivals = listableKinds(kinds).filter((k) => k.resource === kind.resource && k.group !== kind.group);
  if (rivals.length === 0) return kind.resource;
  if (kind.group === '') return kind.resource;
  return qualifiedName(kind);
}

/** The kind a URL names (see routeName), or undefined. */
export function findKind(kinds: readonly Kind[], name: string): Kind | undefined {
  const listable = listableKinds(kinds);
  return (
    listable.find((k) => routeName(k, kinds) === name) ??
    listable.find((k) => qualifiedName(k) === name) ??
    listable.find((k) => k.shortNames.includes(name) || k.kind.toLowerCase() === name.toLowerCase())
  );
}

export interface NavKind {
  kind: Kind;
  to: string;
  /** Another listed kind has the same name (`Event` in core and in events.k8s.io): show the group. */
  ambiguous: boolean;
}

/** The navigation's groups, in their order, each with the kinds that exist; empty groups left out. */
export function kindsByCategory(kinds: readonly Kind[]): { category: KindCategory; kinds: NavKind[] }[] {
  const groups = new Map<KindCategory, { kind: Kind; to: string; order: number }[]>();
  for (const kind of listableKinds(kinds)) {
    // A CRD's group always has a dot: a kind of `apps` is built in, whatever discovery guessed
    // (it guesses when the person may not list CRDs).
    const custom = kind.custom && kind.group.includes('.');
    const known = custom ? undefined : CATEGORY_OF.get(qualifiedName(kind));
    // Built-ins the map does not name (controllerrevisions, metrics…) go with the cluster's kinds.
    const category: KindCategory = custom ? 'Custom resources' : (known?.category ?? 'Cluster');
    const order = known?.order ?? 1000;
    const list = groups.get(category) ?? [];
    list.push({ kind, to: routeName(kind, kinds), order });
    groups.set(category, list);
  }
  return KIND_CATEGORIES.flatMap((category) => {
    const list = groups.get(category);
    if (!list) return [];
    list.sort((a, b) => a.order - b.order || a.kind.kind.localeCompare(b.kind.kind));
    const ambiguous = (kind: Kind) => listableKinds(kinds).some((k) => k.kind === kind.kind && k.group !== kind.group);
    return [{ category, kinds: list.map(({ kind, to }) => ({ kind, to, ambiguous: ambiguous(kind) })) }];
  });
}

/** Built-in kinds' names in the navigation and page titles (the catalogue's `kinds|…` keys). */
const KIND_LABELS: Record<string, string> = {
  Pod: 'Pods',
  Deployment: 'Deployments',
  ReplicaSet: 'Replica Sets',
  StatefulSet: 'Stateful Sets',
  DaemonSet: 'Daemon Sets',
  Job: 'Jobs',
  CronJob: 'Cron Jobs',
  Service: 'Services',
  Endpoints: 'Endpoints',
  EndpointSlice: 'Endpoint Slices',
  Ingress: 'Ingresses',
  IngressClass: 'Ingress Classes',
  NetworkPolicy: 'Network Policies',
  ConfigMap: 'Config Maps',
  Secret: 'Secrets',
  ResourceQuota: 'Resource Quotas',
  LimitRange: 'Limit Ranges',
  HorizontalPodAutoscaler: 'Horizontal Pod Autoscalers',
  PodDisruptionBudget: 'Pod Disruption Budgets',
  PriorityClass: 'Priority Classes',
  RuntimeClass: 'Runtime Classes',
  MutatingWebhookConfiguration: 'Mutating Webhooks',
  ValidatingWebhookConfiguration: 'Validating Webhooks',
  PersistentVolumeClaim: 'Persistent Volume Claims',
  PersistentVolume: 'Persistent Volumes',
  StorageClass: 'Storage Classes',
  VolumeAttachment: 'Volume Attachments',
  CSIDriver: 'CSI Drivers',
  CSINode: 'CSI Nodes',
  Node: 'Nodes',
  Namespace: 'Namespaces',
  Event: 'Events',
  CustomResourceDefinition: 'Custom Resource Definitions',
  APIService: 'API Services',
  Lease: 'Leases',
  ControllerRevision: 'Controller Revisions',
  NodeMetrics: 'Node Metrics',
  PodMetrics: 'Pod Metrics',
  ServiceAccount: 'Service Accounts',
  Role: 'Roles',
  RoleBinding: 'Role Bindings',
  ClusterRole: 'Cluster Roles',
  ClusterRoleBinding: 'Cluster Role Bindings',
};

/** The catalogue key of the kind's label: `kinds|Pods`; a kind the app does not know keeps its own name. */
export function kindLabelKey(kind: Pick<Kind, 'kind'>): string {
  return `kinds|${KIND_LABELS[kind.kind] ?? kind.kind}`;
}
