//! The app store's API answers (docs/api.md, "App store") and the paths that serve them.

import type { Warning } from '../api/warning';

export interface HelmInfo {
  available: boolean;
  path?: string | null;
  version?: string | null;
  reason?: string | null;
}

export interface RepositoryStatus {
  state: 'pending' | 'syncing' | 'ok' | 'error';
  lastSync: string | null;
  charts: number;
  message: string | null;
}

export interface Repository {
  name: string;
  url: string;
  kind: 'builtin' | 'http' | 'oci';
  intervalSeconds: number | null;
  plainHttp?: boolean;
  secretRef: { namespace: string; name: string } | null;
  /** A Secret whose `ca.crt` is trusted for this repository (a private CA), besides the system's roots. */
  caSecretRef?: { namespace: string; name: string } | null;
  status: RepositoryStatus;
  permissions?: { delete: boolean; sync: boolean };
}

export interface ChartSummary {
  repo: string;
  name: string;
  version: string;
  appVersion: string | null;
  description: string | null;
  icon: string | null;
  keywords: string[];
  deprecated: boolean;
}

export interface ChartDependency {
  name: string;
  version: string | null;
  repository: string | null;
  condition: string | null;
  alias: string | null;
}

/** A JSON schema, as much of it as the values form reads. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
}

export interface ChartDetail extends ChartSummary {
  home: string | null;
  sources: string[];
  maintainers: { name: string; email?: string | null; url?: string | null }[];
  versions: { version: string; appVersion: string | null; created: string | null }[];
  dependencies: ChartDependency[];
  readme: string | null;
  values: string;
  valuesSchema: JsonSchema | null;
  ingress: { supported: boolean; hostPath: string | null } | null;
  install: { available: boolean; reason: string | null };
}

export interface Protection {
  protected: boolean;
  reason: string | null;
}


export interface ReleaseSummary {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chart: string;
  chartVersion: string;
  appVersion: string | null;
  updated: string | null;
  protected: Protection;
}

export interface ReleaseRevision {
  revision: number;
  status: string;
  chart: string;
  chartVersion: string;
  appVersion: string | null;
  updated: string | null;
  description: string | null;
}

export interface ReleaseResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespace: string | null;
  name: string;
  status: { text: string; severity: string } | null;
}

export interface AccessUrl {
  url: string;
  source: string;
}

export interface ReleaseDetail extends ReleaseSummary {
  description: string | null;
  notes: string | null;
  values: string;
  manifest: string;
  history: ReleaseRevision[];
  resources: ReleaseResource[];
  accessUrls: AccessUrl[];
  warnings?: Warning[];
  /** The repository Wheelhouse recorded at install, which upgrades take the chart from; null for
   *  a release installed without Wheelhouse (an upgrade then names the repository). */
  repo?: string | null;
}

export interface ReleaseDiff {
  values: string;
  manifest: string;
}

export interface FailedResource {
  kind: string;
  namespace: string | null;
  name: string;
  status?: { text: string; severity: string } | null;
  events: { type: string; reason: string; message: string; count: number | null; lastSeen: string | null }[];
}

/** A helm operation (install, upgrade, rollback, uninstall) as /api/v1/operations/{id} shows it. */
export interface AppOperation {
  id: string;
  action: string;
  target: { namespace?: string; name?: string };
  state: 'running' | 'succeeded' | 'failed';
  message: string;
  log?: string[];
  notes?: string | null;
  accessUrls?: AccessUrl[];
  error?: string | null;
  failedResources?: FailedResource[];
  startedAt?: string;
  finishedAt?: string | null;
}

const enc = encodeURIComponent;

export const APPS_API = {
  helm: 'api/v1/apps/helm',
  repositories: 'api/v1/apps/repositories',
  repository: (name: string) => `api/v1/apps/repositories/${enc(name)}`,
  sync: (name: string) => `api/v1/apps/repositories/${enc(name)}/sync`,
  charts: (q: string, repo: string, limit = 60) => {
    const params = new URLSearchParams();
    if (q) params.set('q', q);
    if (repo) params.set('repo', repo);
    params.set('limit', String(limit));
    return `api/v1/apps/charts?${params.toString()}`;
  },
  chart: (repo: string, chart: string, version?: string) =>
    `api/v1/apps/charts/${enc(repo)}/${enc(chart)}${version ? `?version=${enc(version)}` : ''}`,
  releases: (namespace: string) => `api/v1/apps/releases${namespace ? `?namespace=${enc(namespace)}` : ''}`,
  release: (namespace: string, name: string) => `api/v1/apps/releases/${enc(namespace)}/${enc(name)}`,
  revision: (namespace: string, name: string, revision: number) => `api/v1/apps/releases/${enc(namespace)}/${enc(name)}/revisions/${revision}`,
  diff: (namespace: string, name: string, from: number, to: number) =>
    `api/v1/apps/releases/${enc(namespace)}/${enc(name)}/diff?from=${from}&to=${to}`,
  install: 'api/v1/apps/releases',
  upgrade: (namespace: string, name: string) => `api/v1/apps/releases/${enc(namespace)}/${enc(name)}/upgrade`,
  rollback: (namespace: string, name: string) => `api/v1/apps/releases/${enc(namespace)}/${enc(name)}/rollback`,
  operation: (id: string) => `api/v1/operations/${enc(id)}`,
  operationEvents: (id: string) => `api/v1/operations/${enc(id)}/events`,
} as const;

/** The app URLs of the app store's pages. */
export const APPS_URL = {
  catalogue: '/apps',
  repositories: '/apps/repositories',
  releases: '/apps/releases',
  chart: (repo: string, chart: string) => `/apps/charts/${enc(repo)}/${enc(chart)}`,
  install: (repo: string, chart: string, version?: string) =>
    `/apps/charts/${enc(repo)}/${enc(chart)}/install${version ? `?version=${enc(version)}` : ''}`,
  release: (namespace: string, name: string) => `/apps/releases/${enc(namespace)}/${enc(name)}`,
} as const;
