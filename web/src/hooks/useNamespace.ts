//! The namespace the person selected, kept in the URL (`?namespace=X`) so links can be shared.

import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

export const NAMESPACE_PARAM = 'namespace';

/** The namespaces a selection names: `shop,data` → `['shop', 'data']`; `''` (all) → `[]`. */
export function namespacesOf(selection: string): string[] {
  return selection
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

/**
 * The selected namespace, or several comma-separated (`shop,data`; '' for all namespaces), and a
 * setter that keeps other query params.
 */
export function useNamespace(): [string, (namespace: string) => void] {
  const [params, setParams] = useSearchParams();
  const namespace = params.get(NAMESPACE_PARAM) ?? '';
  const setNamespace = useCallback(
    (next: string) => {
      setParams(
        (prev) => {
          const updated = new URLSearchParams(prev);
          if (next) updated.set(NAMESPACE_PARAM, next);
          else updated.delete(NAMESPACE_PARAM);
          return updated;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [namespace, setNamespace];
}
