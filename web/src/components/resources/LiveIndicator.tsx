//! Says whether the page is live, reconnecting or paused, with the switch to pause it.

import { useConnectionState, useLivePaused } from '../../hooks/useLive';
import { useTranslation } from '../../lib/i18n/I18nProvider';

export function LiveIndicator() {
  const { t } = useTranslation();
  const state = useConnectionState();
  const [paused, setPaused] = useLivePaused();
  const [tone, label, hint] = paused
    ? (['paused', t('live|Paused'), t('live|Live updates are paused; what you see does not change.')] as const)
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
