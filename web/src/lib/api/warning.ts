//! One shape for every part of an answer the server could not give (docs/api.md, "Warnings"):
//! a detail page's forbidden lookup, a list still loading, a release record that cannot be read.

/** Why part of an answer is missing (the server's `WarningReason`). */
export type WarningReason =
  | 'Forbidden'
  | 'NotFound'
  | 'Unavailable'
  | 'Unreadable'
  | 'Loading'
  | 'WatchFailing'
  | 'GroupVersionUnavailable'
  | 'CustomResourcesUnwatched';

export interface Warning {
  reason: WarningReason;
  /** What could not be read (`events in namespace team-a`); null when the reason says it. */
  what: string | null;
  message: string;
}
