//! What an API server refusal says field by field, and where a YAML parse error is.

import type { ApiError } from '../../lib/api/errors';

export interface FieldCause {
  field: string;
  reason: string;
  message: string;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** `details.causes` of an `Invalid` answer. */
export function causesOf(details: unknown): FieldCause[] {
  const causes = record(details)?.causes;
  if (!Array.isArray(causes)) return [];
  return causes.flatMap((c) => {
    const r = record(c);
    if (!r) return [];
    return [{ field: typeof r.field === 'string' ? r.field : '', reason: typeof r.reason === 'string' ? r.reason : '', message: typeof r.message === 'string' ? r.message : '' }];
  });
}

/** The line a `BadRequest` names (`details.line`), or null. */
export function lineOf(error: ApiError | undefined): number | null {
  const line = record(error?.details)?.line;
  return typeof line === 'number' ? line : null;
}

export interface Conflict {
  currentResourceVersion: string;
  changed: string[];
  current: Record<string, unknown> | null;
}

/** A 409 Conflict's details: the current version and what changed. */
export function conflictOf(error: ApiError | undefined): Conflict | null {
  if (!error || error.status !== 409) return null;
  const d = record(error.details);
  if (!d) return { currentResourceVersion: '', changed: [], current: null };
  return {
    currentResourceVersion: typeof d.currentResourceVersion === 'string' ? d.currentResourceVersion : '',
    changed: Array.isArray(d.changed) ? d.changed.filter((x): x is string => typeof x === 'string') : [],
    current: record(d.current),
  };
}
