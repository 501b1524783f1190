//! The cluster overview computed by the server (`GET /api/v1/overview`), and pure helpers over it.

import type { OverviewAnswer } from '../api/generated';

export type { NamespaceSummary, NodeItem, ObjectName, PhaseCounts, ProblemPod, WarningEvent } from '../api/generated';

/** `GET /api/v1/overview`: the overview of what the person may see, and what is `hidden` from them. */
export type Overview = OverviewAnswer;

/** Pod phases as Kubernetes names them, in the order the UI shows them. */
export const POD_PHASES = ['Running', 'Pending', 'Succeeded', 'Failed', 'Unknown'] as const;
export type PodPhase = (typeof POD_PHASES)[number];

/** The parts of an overview that concern one namespace, or all of it when `namespace` is empty. */
export function overviewForNamespace(overview: Overview, namespace: string): Overview {
  const chosen = new Set(namespace.split(',').map((n) => n.trim()).filter(Boolean));
  if (chosen.size === 0) return overview;
  return {
    ...overview,
    pods: {
      ...overview.pods,
      problems: overview.pods.problems.filter((p) => chosen.has(p.namespace)),
    },
    namespaces: overview.namespaces.filter((n) => chosen.has(n.name)),
    warnings: overview.warnings.filter((w) => w.namespace !== null && chosen.has(w.namespace)),
  };
}

/** How many pods need attention, even when the server's list of them is cut short. */
export function problemCount(overview: Overview): number {
  return overview.pods.problemsTotal;
}

/** The count of pods in a phase. */
export function podsInPhase(overview: Overview, phase: PodPhase): number {
  return overview.pods.byPhase[phase];
}
