//! The cluster the console is connected to, as `GET /api/v1/cluster` describes it (the types
//! are generated from the server's, `generated.ts`).

export type { ClusterInfo, ConnectionProblem as ClusterError, ProblemReason } from '../api/generated';
