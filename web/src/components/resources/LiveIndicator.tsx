//! Says whether the page is live, reconnecting or paused, with the switch to pause it. The socket
//! to the console may be open while the cluster behind it does not answer: then nothing is live.

import { useApiQuery } from '../../hooks/useApiQuery';
import { useConnectionState, useLivePaused } from '../../hooks/useLive';
import { API } from '../../lib/api/endpoints';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { ClusterInfo } from '../../lib/k8s/cluster';
import { CLUSTER_STATE_REFRESH_MS } from '../ClusterBanner';

export function LiveIndicator() {
  const { t } = useTranslation();
  const state = useConnectionState();
  const [paused, setPaused] = useLivePaused();
  const cluster = useApiQuery<ClusterInfo>(API.cluster, CLUSTER_STATE_REFRESH_MS);
  const [tone, label, hint] = paused
    ? (['paused', t('live|Paused'), t('live|Live updates are paused; what you see does not change.')] as const)
    : cluster.data?.connected === false
      ? (['stale', t('live|Not live: the cluster does not answer'), t('live|What you see is the last state received; it updates again when the cluster answers.')] as const)
      : state === 'open'
        ? (['live', t('live|Live'), t('live|Changes in the cluster appear here as they happen.')] as const)
        : state === 'reconnecting'
          ? (['reconnecting', t('live|Reconnecting…'), t('live|The live connection was lost; Wheelhouse is reconnecting and will catch up.')] as const)
          : (['connecting', t('live|Connecting…'), t('live|Opening the live connection.')] as const);
  return (
    <div className="live" data-testid="live-indicator" data-state={tone}>
      <span className={`live__dot live__dot--${tone}`} aria-hidden="true" />
      <span className="live__label" title={hint}>
        {label}
      </span>
      <button
        type="button"
        className="button button--small"
        data-testid="live-pause"
        aria-pressed={paused}
        onClick={() => {
          setPaused(!paused);
        }}
      >
        {paused ? t('live|Resume') : t('live|Pause')}
      </button>
    </div>
  );
}
