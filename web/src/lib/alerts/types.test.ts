import { describe, expect, test } from 'vitest';
import type { AlertRuleList, AlertRuleRow, AlertStatus } from './types';
import { firingAlerts, isAbout, targetUrl } from './types';

function alert(target: string, kind: string, state: AlertStatus['state'] = 'firing', since = '2026-12-07T10:00:00Z'): AlertStatus {
  return { target, kind, state, since, value: 'v', notified: false };
}

function rule(name: string, severity: AlertRuleRow['severity'], alerts: AlertStatus[]): AlertRuleRow {
  return {
    namespace: 'default',
    name,
    severity,
    enabled: true,
    condition: 'crashLooping',
    clusterWide: true,
    status: { firing: alerts.length, targets: 3, alerts },
    silenced: false,
    silencedTargets: [],
    problem: null,
  };
}

describe('alerts', () => {
  test('firing alerts come critical first and leave pending and resolved ones out', () => {
    const list: AlertRuleList = {
      items: [
        rule('warn', 'warning', [alert('shop/a', 'Pod'), alert('shop/b', 'Pod', 'pending')]),
        rule('crit', 'critical', [alert('worker-1', 'Node'), alert('shop/c', 'Pod', 'resolved')]),
      ],
      warnings: [],
      alertsNamespace: 'default',
      create: { allowed: true, reason: null },
    };
    expect(firingAlerts(list).map((f) => `${f.rule.name}:${f.alert.target}`)).toEqual(['crit:worker-1', 'warn:shop/a']);
  });

  test('an alert is about a pod, its containers, a workload or a node, and nothing else of the same name', () => {
    expect(isAbout(alert('shop/web-1', 'Pod'), 'Pod', 'shop', 'web-1')).toBe(true);
    expect(isAbout(alert('shop/web-1/app', 'Container'), 'Pod', 'shop', 'web-1')).toBe(true);
    expect(isAbout(alert('shop/web-10', 'Pod'), 'Pod', 'shop', 'web-1')).toBe(false);
    expect(isAbout(alert('shop/web', 'Deployment'), 'Deployment', 'shop', 'web')).toBe(true);
    expect(isAbout(alert('shop/web', 'StatefulSet'), 'Deployment', 'shop', 'web')).toBe(false);
    expect(isAbout(alert('worker-1', 'Node'), 'Node', undefined, 'worker-1')).toBe(true);
    expect(isAbout(alert('other/web-1', 'Pod'), 'Pod', 'shop', 'web-1')).toBe(false);
  });

  test('a target links to its object page when the console has one', () => {
    expect(targetUrl(alert('shop/web-1/app', 'Container'))).toBe('/pods/shop/web-1');
    expect(targetUrl(alert('data/import', 'Job'))).toBe('/jobs/data/import');
    expect(targetUrl(alert('{job="x"}', 'Series'))).toBeUndefined();
  });
});
