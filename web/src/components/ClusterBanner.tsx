//! Says prominently when the cluster cannot be reached, with the server's reason, or when the
//! Wheelhouse server itself does not answer.

import { useApiQuery } from '../hooks/useApiQuery';
import { API } from '../lib/api/endpoints';
import { ApiError } from '../lib/api/errors';
import { useTranslation } from '../lib/i18n/I18nProvider';
import type { ClusterInfo } from '../lib/k8s/cluster';
import { Age } from './Age';
import { ErrorPanel } from './ErrorPanel';

/** The server answers from its last check (no call to the cluster), so asking often is cheap. */
export const CLUSTER_STATE_REFRESH_MS = 3_000;

export function ClusterBanner() {
  const { t } = useTranslation();
  const cluster = useApiQuery<ClusterInfo>(API.cluster, CLUSTER_STATE_REFRESH_MS);
  const info = cluster.data;

  if (cluster.error) {
    return (
      <div className="banner" data-testid="cluster-banner">
        <ErrorPanel title={t('errors|Cannot get the cluster status from the Wheelhouse server')} error={cluster.error} onRetry={cluster.retry} compact />
      </div>
    );
  }
  if (info && !info.connected) {
    const error = new ApiError({
      status: 0,
      reason: info.error?.reason ?? 'ClusterUnreachable',
      message: info.error?.message ?? t('errors|The cluster did not answer.'),
      request: info.server,
    });
    return (
      <div className="banner" data-testid="cluster-banner">
        <ErrorPanel
          title={t('errors|Cannot reach the cluster {{name}}', { name: info.name })}
          error={error}
          onRetry={cluster.retry}
          requestLabel={t('glossary|API server')}
          compact
        />
        <p className="banner__note">
          {t('errors|Wheelhouse keeps retrying. Last check:')} <Age timestamp={info.lastCheck} />
        </p>
      </div>
    );
  }
  return null;
}
