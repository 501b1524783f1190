//! The cluster the console is connected to, as `GET /api/v1/cluster` describes it.

/** Why the last check of the cluster failed. */
export interface ClusterError {
  reason: string;
  message: string;
}

export interface ClusterInfo {
  name: string;
  server: string;
  serverVersion: string | null;
  /** True for the built-in simulated cluster (`--demo`, or no cluster configured). */
  demo: boolean;
  /** False when the last check could not reach the API server; `error` then says why. */
  connected: boolean;
  error: ClusterError | null;
  lastCheck: string;
}
