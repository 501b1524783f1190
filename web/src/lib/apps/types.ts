//! The app store's API answers (docs/api.md, "App store") and the paths that serve them.

import type { HelmProgress, Operation } from '../api/generated';

export type {
  AccessUrl,
  ChartDetail,
  ChartList,
  ChartSummary,
  Dependency as ChartDependency,
  FailedResource,
  HelmProblem,
  HelmStatus as HelmInfo,
  HistoryEntry as ReleaseRevision,
  InstallRequest,
  JsonSchema,
  Protection,
  ReleaseDetail,
  ReleaseDiff,
  ReleaseList,
  ReleaseResource,
  ReleaseSummary,
  Repository,
  RepositoryList,
  RepositoryRequest,
  RepoStatus as RepositoryStatus,
  RollbackRequest,
  UpgradeRequest,
} from '../api/generated';

/** A helm operation (install, upgrade, rollback, uninstall) as /api/v1/operations/{id} shows it. */
export type AppOperation = Operation & HelmProgress;

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
