//! The metrics sources' state (`api/v1/metrics/status`), shared by every view that charts or
//! shows usage, and the scrape interval it reports.

import { API } from '../lib/api/endpoints';
import type { MetricsStatus } from '../lib/k8s/metrics';
import { type ApiAnswer, useApiQuery } from './useApiQuery';

/** How often the sources' state is read again (the charts follow the scrape interval). */
export const STATUS_REFRESH_MS = 30_000;

/** The sources' state; nothing is asked while not `wanted`. */
export function useMetricsStatus(wanted = true): ApiAnswer<MetricsStatus> {
  return useApiQuery<MetricsStatus>(API.metricsStatus, STATUS_REFRESH_MS, { enabled: wanted });
}

/**
 * How often metrics-server is scraped, in milliseconds, once known: what keeps usage columns
 * current. A row's CPU and memory change at every scrape without any object changing, so a live
 * view sends nothing; the page is fetched again at this interval instead.
 */
export function useScrapeInterval(wanted: boolean): number | undefined {
  const seconds = useMetricsStatus(wanted).data?.metricsServer.intervalSeconds;
  return wanted && seconds && seconds > 0 ? seconds * 1000 : undefined;
}
