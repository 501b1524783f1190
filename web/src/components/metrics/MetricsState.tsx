//! The one place that says why there are no metrics to show: the source is not installed, not
//! reachable, forbidden, or still collecting its first samples — with the server's hint to fix it.

import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { SourceStatus } from '../../lib/k8s/metrics';

/** What the notice says about a state; `collecting` is an `ok` source without samples yet. */
export type ShownState = 'notInstalled' | 'unreachable' | 'forbidden' | 'collecting';

/** The state to show, or null when the source is fine and has samples. */
export function shownState(source: SourceStatus, hasSamples: boolean): ShownState | null {
  switch (source.state) {
    case 'notInstalled':
    case 'unreachable':
    case 'forbidden':
      return source.state;
    case 'starting':
      return 'collecting';
    case 'ok':
      return hasSamples ? null : 'collecting';
    default:
      // A state this app does not know yet: say what the server said rather than nothing.
      return 'unreachable';
  }
}

export function MetricsState(props: { source: SourceStatus; hasSamples: boolean; sourceName?: string; compact?: boolean }) {
  const { t } = useTranslation();
  const { source } = props;
  const state = shownState(source, props.hasSamples);
  if (!state) return null;
  const name = props.sourceName ?? 'metrics-server';
  const message = source.message.trim();
  const title =
    state === 'notInstalled'
      ? t('metrics|{{source}} is not installed', { source: name })
      : state === 'unreachable'
        ? t('metrics|{{source}} is not reachable: {{reason}}', { source: name, reason: message || t('metrics|no reason given') })
        : state === 'forbidden'
          ? t('metrics|Reading metrics from {{source}} is forbidden', { source: name })
          : t('metrics|Collecting the first samples');
  const interval = 'intervalSeconds' in source ? source.intervalSeconds : 0;
  const detail =
    state === 'collecting'
      ? interval
        ? t('metrics|Wheelhouse reads metrics every {{seconds}} s; the chart fills in as samples arrive.', { seconds: interval })
        : t('metrics|The chart fills in as samples arrive.')
      : state === 'unreachable'
        ? null
        : message || null;
  const tone = state === 'collecting' ? 'metrics-state--info' : 'metrics-state--problem';
  return (
    <div className={`metrics-state ${tone}${props.compact ? ' metrics-state--compact' : ''}`} role="status" data-testid="metrics-state" data-state={state}>
      <strong className="metrics-state__title">{title}</strong>
      {detail && <p className="metrics-state__message">{detail}</p>}
      {source.hint && state !== 'collecting' && (
        <p className="metrics-state__hint">
          <span>{t('metrics|How to fix it:')}</span> <code className="metrics-state__code">{source.hint}</code>
        </p>
      )}
    </div>
  );
}
