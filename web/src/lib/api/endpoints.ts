//! The API paths the app reads, relative to the base path.

export const API = {
  cluster: 'api/v1/cluster',
  overview: 'api/v1/overview',
  version: 'api/v1/version',
} as const;
