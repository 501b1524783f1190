//! Firing alerts: on the overview (every rule's, critical first) and on an object's page (those
//! whose target is the object), each linking to exactly its rule.

import { Link } from 'react-router';
import { useApiQuery } from '../../hooks/useApiQuery';
import { ALERTS_API, ALERTS_URL, firingAlerts, isAbout, targetUrl, type AlertRuleList, type AlertSeverity } from '../../lib/alerts/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { Age } from '../Age';
import { ErrorPanel } from '../ErrorPanel';

export function severityTone(severity: AlertSeverity): string {
  return severity === 'critical' ? 'tag tag--bad' : severity === 'warning' ? 'tag tag--warn' : 'tag';
}

export function SeverityTag(props: { severity: AlertSeverity }) {
  const { t } = useTranslation();
  const label = props.severity === 'critical' ? t('alerts|critical') : props.severity === 'warning' ? t('alerts|warning') : t('alerts|info');
  return <span className={severityTone(props.severity)}>{label}</span>;
}

/**
 * The firing alerts the person may see; about one object when `about` is given. Renders nothing
 * on an object's page when no alert is about it, and says why when the rules cannot be read.
 */
export function FiringAlerts(props: { about?: { kind: string; namespace?: string; name: string }; testId: string }) {
  const { t } = useTranslation();
  const list = useApiQuery<AlertRuleList>(ALERTS_API.rules, 15_000);
  const about = props.about;
  const firing = firingAlerts(list.data).filter((f) => !about || isAbout(f.alert, about.kind, about.namespace, about.name));
  // A cluster without the AlertRule CRD has no alerting set up: a fact to state, not a failure.
  const notSetUp = list.error?.status === 404;
  if (about && firing.length === 0 && (!list.error || notSetUp)) return null;
  return (
    <section className="card section section--wide" data-testid={props.testId}>
      <h2 className="section__title">
        {t('alerts|Firing alerts')}
        {!notSetUp && <span className="count-pill">{firing.length}</span>}
      </h2>
      {list.error && !about && notSetUp && (
        <p className="empty" data-testid="alerts-not-set-up">
          {t('alerts|Alerting is not set up in this cluster: {{message}}', { message: list.error.message })}
        </p>
      )}
      {list.error && !about && !notSetUp && <ErrorPanel title={t('alerts|The alert rules could not be loaded')} error={list.error} onRetry={list.retry} compact />}
      {list.error && about && <p className="empty">{t('alerts|Alerts about this object could not be loaded: {{message}}', { message: list.error.message })}</p>}
      {list.data && firing.length === 0 && <p className="empty">{t('alerts|No alert is firing.')}</p>}
      {firing.length > 0 && (
        <ul className="alert-list section__body">
          {firing.map(({ rule, alert }) => {
            const silenced = rule.silenced || rule.silencedTargets.includes(alert.target);
            const target = targetUrl(alert);
            return (
              <li key={`${rule.namespace}/${rule.name}/${alert.target}`} className="alert-list__item" data-testid="firing-alert" data-rule={`${rule.namespace}/${rule.name}`} data-target={alert.target}>
                <SeverityTag severity={rule.severity} />{' '}
                <Link to={ALERTS_URL.rule(rule.namespace, rule.name)} data-testid="firing-alert-rule">
                  <strong>{rule.name}</strong>
                </Link>{' '}
                {about ? null : target ? <Link to={target} className="mono">{alert.target}</Link> : <span className="mono">{alert.target}</span>}{' '}
                <span className="alert-list__value">{alert.value}</span>{' '}
                <span className="alert-list__since">
                  {t('alerts|fired')} <Age timestamp={alert.firedAt ?? alert.since} />
                </span>
                {silenced && <span className="tag"> {t('alerts|silenced')}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
