//! The alert rules' API answers (docs/api.md, "Alert rules"), the paths that serve them, and which
//! alerts are about one object.

import type { AlertRuleList, AlertRuleRow, AlertStatus } from '../api/generated';

export type {
  AlertCondition,
  AlertRuleDetail,
  AlertRuleList,
  AlertRuleRow,
  AlertRuleSpec,
  AlertSeverity,
  AlertStatus,
  EndSilenceRequest,
  PreviewAnswer,
  PreviewRequest,
  SavedAlertRule,
  SilenceRequest,
} from '../api/generated';

const enc = encodeURIComponent;

export const ALERTS_API = {
  rules: 'api/v1/alerts',
  rule: (namespace: string, name: string) => `api/v1/alerts/${enc(namespace)}/${enc(name)}`,
  silences: (namespace: string, name: string) => `api/v1/alerts/${enc(namespace)}/${enc(name)}/silences`,
  endSilence: (namespace: string, name: string) => `api/v1/alerts/${enc(namespace)}/${enc(name)}/silences/end`,
  preview: 'api/v1/alerts/_preview',
};

export const ALERTS_URL = {
  list: '/alerts',
  create: '/alerts/new',
  rule: (namespace: string, name: string) => `/alerts/${enc(namespace)}/${enc(name)}`,
  edit: (namespace: string, name: string) => `/alerts/${enc(namespace)}/${enc(name)}/edit`,
};

/** A firing alert with the rule it belongs to. */
export interface FiringAlert {
  rule: AlertRuleRow;
  alert: AlertStatus;
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

/** The firing alerts of every rule, critical first, then the longest firing. */
export function firingAlerts(list: AlertRuleList | undefined): FiringAlert[] {
  const found: FiringAlert[] = [];
  for (const rule of list?.items ?? []) {
    for (const alert of rule.status.alerts ?? []) {
      if (alert.state === 'firing') found.push({ rule, alert });
    }
  }
  return found.sort(
    (a, b) =>
      SEVERITY_ORDER[a.rule.severity] - SEVERITY_ORDER[b.rule.severity] ||
      (a.alert.firedAt ?? a.alert.since).localeCompare(b.alert.firedAt ?? b.alert.since),
  );
}

/**
 * Whether an alert's target is the object: a pod's or workload's `namespace/name` (a container's
 * `namespace/pod/container` belongs to its pod), a node's name.
 */
export function isAbout(alert: AlertStatus, kind: string, namespace: string | undefined, name: string): boolean {
  if (kind === 'Node') return alert.kind === 'Node' && alert.target === name;
  if (!namespace) return false;
  const own = `${namespace}/${name}`;
  if (kind === 'Pod') return (alert.kind === 'Pod' && alert.target === own) || (alert.kind === 'Container' && alert.target.startsWith(`${own}/`));
  return alert.kind === kind && alert.target === own;
}

/** The route of an alert's target, when it is an object the console shows. */
export function targetUrl(alert: AlertStatus): string | undefined {
  const parts = alert.target.split('/');
  switch (alert.kind) {
    case 'Pod':
    case 'Container':
      return parts.length >= 2 ? `/pods/${enc(parts[0] ?? '')}/${enc(parts[1] ?? '')}` : undefined;
    case 'Node':
      return `/nodes/${enc(alert.target)}`;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
    case 'CronJob':
    case 'Secret':
      return parts.length === 2 ? `/${alert.kind.toLowerCase()}s/${enc(parts[0] ?? '')}/${enc(parts[1] ?? '')}` : undefined;
    default:
      return undefined;
  }
}
