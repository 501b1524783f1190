//! One object's detail and what the person may do with it, in the query cache, read again when
//! the tab's live connection says the object changed.

import { useCallback, useEffect, useState } from 'react';
import { API } from '../lib/api/endpoints';
import { ApiError } from '../lib/api/errors';
import { live, type LiveConnection } from '../lib/api/live';
import { objectApi, type Detail, type Permissions } from '../lib/k8s/detail';
import type { Kind } from '../lib/k8s/kinds';
import { useApiQuery } from './useApiQuery';

/** How soon the detail is read again after a change (changes come in bursts). */
const REFETCH_DEBOUNCE_MS = 300;

export interface ObjectState {
  detail: Detail | undefined;
  error: ApiError | undefined;
  permissions: Permissions | undefined;
  permissionsError: ApiError | undefined;
  /** The live view said the object was deleted. */
  gone: boolean;
  /** The live view ended with an error (e.g. `ResourceRemoved`: the object's CRD was deleted). */
  liveError: ApiError | undefined;
  /** Reads the detail and the permissions again (after an action). */
  refresh: () => void;
}

/**
 * The object `name` of `kind`; `reveal` asks for the values of the Secrets its containers use;
 * while `paused` it is not followed.
 */
export function useObject(kind: Kind, name: string, namespace: string | null, options: { reveal: boolean; paused: boolean; connection?: LiveConnection }): ObjectState {
  const { reveal, paused, connection = live } = options;
  // Revealing or hiding the secret values keeps the page as it is until the new answer arrives.
  const detail = useApiQuery<Detail>(objectApi(kind, name, namespace, '', reveal ? { reveal: 'true' } : undefined), 0, { keepPrevious: true });
  const permissions = useApiQuery<Permissions>(objectApi(kind, name, namespace, 'permissions'), 0);
  const [gone, setGone] = useState(false);
  // Kept with the view it belongs to, so another object starts without this one's error.
  const [liveError, setLiveError] = useState<{ watch: string; error: ApiError } | undefined>(undefined);
  const liveParams = new URLSearchParams({ name });
  if (namespace) liveParams.set('namespace', namespace);
  const currentWatch = API.watch(kind.path, liveParams.toString());
  const { retry: readDetail } = detail;
  const { retry: readPermissions } = permissions;
  const refresh = useCallback(() => {
    readDetail();
    readPermissions();
  }, [readDetail, readPermissions]);

  // The live view sends the object's row, not its detail: a change reads the detail again into
  // the cache, a deletion is said.
  useEffect(() => {
    if (paused) return;
    const params = new URLSearchParams({ name });
    if (namespace) params.set('namespace', namespace);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = API.watch(kind.path, params.toString());
    const off = connection.subscribe(watch, (event) => {
      if (event.event === 'removed') setGone(true);
      if (event.event === 'error') {
        const { code, reason, message, details } = event.data.error;
        setLiveError({ watch, error: new ApiError({ status: code, reason, message, details, request: `WebSocket ${watch}` }) });
      }
      if (event.event === 'added' || event.event === 'modified') {
        setGone(false);
        clearTimeout(timer);
        timer = setTimeout(refresh, REFETCH_DEBOUNCE_MS);
      }
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [connection, kind, name, namespace, paused, refresh]);

  return { detail: detail.data, error: detail.error, permissions: permissions.data, permissionsError: permissions.error, gone, liveError: liveError?.watch === currentWatch ? liveError.error : undefined, refresh };
}
