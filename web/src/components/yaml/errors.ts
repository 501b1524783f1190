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

/**
 * The fields that differ between two versions of an object (`spec.replicas`, `metadata.labels.tier`),
 * as the server's conflict answer lists them; versions and status are left out. `''` is the whole
 * object (one is not an object, or they differ in kind): the notice words that in the person's language.
 */
export function changedPaths(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  diff('', a, b, out);
  return out.filter((p) => p !== 'metadata.resourceVersion' && p !== 'metadata.generation' && !p.startsWith('metadata.managedFields') && p !== 'status' && !p.startsWith('status.'));
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function diff(prefix: string, a: unknown, b: unknown, out: string[]): void {
  const ra = record(a);
  const rb = record(b);
  if (ra && rb) {
    for (const key of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
      const x = ra[key];
      const y = rb[key];
      if (x !== undefined && y !== undefined) diff(join(prefix, key), x, y, out);
      else if (!((x === null && y === undefined) || (x === undefined && y === null))) out.push(join(prefix, key));
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => {
      diff(join(prefix, String(i)), x, b[i], out);
    });
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix);
}
