//! The API paths the app reads, relative to the base path.

export const API = {
  cluster: 'api/v1/cluster',
  overview: 'api/v1/overview',
  /** The namespaces the person can use, for the namespace picker. */
  namespaces: 'api/v1/namespaces',
  version: 'api/v1/version',
  kinds: 'api/v1/kinds',
  /** Who is signed in (GET), sign in with a token (POST), sign out (DELETE). */
  session: 'api/v1/session',
  /**
   * Where a full-page navigation starts an OIDC sign-in; the issuer sends the browser back to
   * `returnTo` (a path inside the app, `/pods?namespace=shop`).
   */
  sessionOidc: (returnTo: string) => `api/v1/session/oidc?return=${encodeURIComponent(returnTo)}`,
  /** One page of rows: `resources('core/v1/pods', 'namespace=shop&page=1')`. */
  resources: (path: string, query: string) => `api/v1/resources/${path}${query ? `?${query}` : ''}`,
  /** The live view of the same query (SSE, or a subscription on the tab's WebSocket). */
  watch: (path: string, query: string) => `api/v1/watch/${path}${query ? `?${query}` : ''}`,
  /** What the person may do with a kind itself (create one in `namespace`): `kindPermissions('apps/v1/deployments', 'shop')`. */
  kindPermissions: (path: string, namespace: string) => `api/v1/permissions/${path}${namespace ? `?namespace=${encodeURIComponent(namespace)}` : ''}`,
  /** The metrics sources' state, their scrape interval and the ranges they can serve. */
  metricsStatus: 'api/v1/metrics/status',
  /** One target's metrics over a range: `metrics('pods/shop/web-1', '1h')`, `metrics('cluster', '15m')`. */
  metrics: (target: string, range: string) => `api/v1/metrics/${target}${range ? `?range=${encodeURIComponent(range)}` : ''}`,
  /** Several namespaces' pods summed: `namespacesMetrics(['shop', 'data'], '1h')`. */
  namespacesMetrics: (namespaces: readonly string[], range: string) =>
    `api/v1/metrics/namespaces?${new URLSearchParams(range ? { namespace: namespaces.join(','), range } : { namespace: namespaces.join(',') }).toString()}`,
  /** A long operation (a drain, a helm install…) and the Server-Sent Events of its states. */
  operation: (id: string) => `api/v1/operations/${encodeURIComponent(id)}`,
  operationEvents: (id: string) => `api/v1/operations/${encodeURIComponent(id)}/events`,
} as const;
