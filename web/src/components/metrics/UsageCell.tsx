//! A list's CPU or memory cell: the current usage and a small bar of how much of the requests,
//! limits (or a node's allocatable) it takes. A missing sample is a dash that says why.

import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { MessageKey } from '../../lib/i18n/catalogue';
import { formatAmount, formatPercent, isUsageCell, type Resource, type UsageCell as UsageValue } from '../../lib/k8s/metrics';
import { useCoresLabel } from './useCoresLabel';

const OF_LABELS: Record<'requests' | 'limits' | 'allocatable', MessageKey> = {
  requests: 'metrics|{{percent}} of requests ({{amount}})',
  limits: 'metrics|{{percent}} of limits ({{amount}})',
  allocatable: 'metrics|{{percent}} of allocatable',
};

/**
 * The bar's tone. Past a limit or the allocatable is bad and close to it a warning; past the
 * requests is only a warning, since a pod may use more than it asked for up to its limit.
 */
export function usageTone(percent: number, of: UsageValue['of']): 'ok' | 'warn' | 'bad' {
  if (of === 'requests') return percent > 100 ? 'warn' : 'ok';
  if (percent > 100) return 'bad';
  if (percent >= 85) return 'warn';
  return 'ok';
}

export function UsageCell(props: { resource: Resource; value: unknown }) {
  const { t } = useTranslation();
  const unit = useCoresLabel();
  const { resource, value } = props;
  if (!isUsageCell(value)) {
    return (
      <span className="muted usage usage--none" data-testid="usage-none" title={t('metrics|No usage sample: metrics are unavailable for this object, or the first scrape has not happened yet.')}>
        —
      </span>
    );
  }
  const amount = formatAmount(resource, value.usage, unit);
  const of = value.of;
  const percent = value.percent;
  const level = of === 'requests' ? value.requests : of === 'limits' ? value.limits : null;
  const title =
    of && percent !== null
      ? t(OF_LABELS[of], { percent: formatPercent(percent), amount: formatAmount(resource, level, unit) })
      : t('metrics|No requests or limits set');
  return (
    <span className="usage" data-testid="usage" title={title}>
      <span className="usage__value">{amount}</span>
      {percent !== null && of ? (
        <>
          <span className={`usage__bar usage__bar--${usageTone(percent, of)}`} aria-hidden="true">
            <span className="usage__fill" style={{ width: `${Math.min(100, Math.max(0, percent))}%` }} />
          </span>
          <span className="usage__percent muted">{formatPercent(percent)}</span>
        </>
      ) : (
        <span className="usage__percent usage__percent--none muted" />
      )}
    </span>
  );
}
