//! Keeps a list's usage columns current: the rows' CPU and memory change at every scrape without
//! any object changing, so the live view sends nothing; the page is fetched again instead.

import { useEffect } from 'react';
import { useResource } from '../../hooks/useResource';
import { API } from '../../lib/api/endpoints';
import type { MetricsStatus } from '../../lib/k8s/metrics';
import { STATUS_REFRESH_MS } from './MetricsSection';

/** Calls `refresh` once per scrape interval (as the server reports it) while mounted. */
export function UsageRefresh(props: { refresh: () => void }) {
  const status = useResource<MetricsStatus>(API.metricsStatus, STATUS_REFRESH_MS);
  const seconds = status.data?.metricsServer.intervalSeconds;
  const { refresh } = props;
  useEffect(() => {
    if (!seconds || seconds <= 0) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') refresh();
    }, seconds * 1000);
    return () => {
      clearInterval(timer);
    };
  }, [seconds, refresh]);
  return null;
}
