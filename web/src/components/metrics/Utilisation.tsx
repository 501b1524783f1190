//! A labelled bar of an amount against a level (usage of allocatable, requests of allocatable),
//! with both figures in the resource's units and the percentage.

import { useTranslation } from '../../lib/i18n/I18nProvider';
import { formatAmount, formatPercent, percentOf, type Resource } from '../../lib/k8s/metrics';
import { usageTone } from './UsageCell';
import { useCoresLabel } from './useCoresLabel';

export function Utilisation(props: { label: string; resource: Resource; value: number | null | undefined; of: number | null | undefined; testId?: string }) {
  const { t } = useTranslation();
  const unit = useCoresLabel();
  const percent = percentOf(props.value, props.of);
  return (
    <div className="utilisation" data-testid={props.testId} data-percent={percent === null ? undefined : percent.toFixed(1)}>
      <div className="utilisation__head">
        <span className="utilisation__label">{props.label}</span>
        <span className="utilisation__figures">
          {t('metrics|{{value}} of {{total}}', { value: formatAmount(props.resource, props.value, unit), total: formatAmount(props.resource, props.of, unit) })}
          <strong className="utilisation__percent">{formatPercent(percent)}</strong>
        </span>
      </div>
      <div className={`utilisation__bar usage__bar--${percent === null ? 'ok' : usageTone(percent, 'allocatable')}`} aria-hidden="true">
        <span className="usage__fill" style={{ width: `${percent === null ? 0 : Math.min(100, percent)}%` }} />
      </div>
    </div>
  );
}
