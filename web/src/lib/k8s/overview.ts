//! The cluster overview computed by the server (`GET /api/v1/overview`), and pure helpers over it.

export interface NodeSummary {
  name: string;
  ready: boolean;
  roles: string[];
  /** Null when the node has not reported one yet. */
  kubeletVersion: string | null;
}

/** Pod phases as Kubernetes names them, in the order the UI shows them. */
export const POD_PHASES = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'] as const;
export type PodPhase = (typeof POD_PHASES)[number];

export interface ProblemPod {
  namespace: string;
  name: string;
  /** The most telling reason: a container's waiting reason (CrashLoopBackOff), or the pod's. */
  reason: string;
}

export interface NamespaceSummary {
  name: string;
  phase: string;
  pods: number;
}

export interface ObjectRef {
  kind: string;
  name: string;
}

export interface WarningEvent {
  /** Null for events about cluster-scoped objects (a Node). */
  namespace: string | null;
  object: ObjectRef;
  reason: string;
  message: string;
  count: number;
  /** Null when the event carries no time at all. */
  lastSeen: string | null;
}

export interface Overview {
  nodes: { total: number; ready: number; items: NodeSummary[] };
  pods: {
    total: number;
    byPhase: Partial<Record<PodPhase, number>>;
    /** Sorted by namespace and name; the server sends at most 100. */
    problems: ProblemPod[];
    /** How many pods need attention in all, including those beyond the list. */
    problemsTotal?: number;
  };
  namespaces: NamespaceSummary[];
  /** Most recent first, at most 20. */
  warnings: WarningEvent[];
  generatedAt: string;
}

/** The parts of an overview that concern one namespace, or all of it when `namespace` is empty. */
export function overviewForNamespace(overview: Overview, namespace: string): Overview {
  if (!namespace) return overview;
  return {
    ...overview,
    pods: {
      ...overview.pods,
      problems: overview.pods.problems.filter((p) => p.namespace === namespace),
    },
    namespaces: overview.namespaces.filter((n) => n.name === namespace),
    warnings: overview.warnings.filter((w) => w.namespace === namespace),
  };
}

/** How many pods need attention, even when the server's list of them is cut short. */
export function problemCount(overview: Overview): number {
  return overview.pods.problemsTotal ?? overview.pods.problems.length;
}

/** The count of pods in a phase, zero when the server left it out. */
export function podsInPhase(overview: Overview, phase: PodPhase): number {
  return overview.pods.byPhase[phase] ?? 0;
}
