//! Alert rules: every rule the person may see with its severity, state, firing count, last
//! evaluation and error; filtered by name, namespace or condition.

import { useState } from 'react';
import { Link } from 'react-router';
import { Age } from '../../components/Age';
import { SeverityTag } from '../../components/alerts/FiringAlerts';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { ALERTS_API, ALERTS_URL, type AlertRuleList, type AlertRuleRow } from '../../lib/alerts/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { Warnings } from '../apps/common';

export function RuleState(props: { rule: AlertRuleRow }) {
  const { t } = useTranslation();
  const rule = props.rule;
  if (rule.problem) return <span className="tag tag--bad">{t('alerts|invalid')}</span>;
  if (!rule.enabled) return <span className="tag">{t('alerts|off')}</span>;
  if (rule.status.error) return <span className="tag tag--bad">{t('alerts|error')}</span>;
  if (!rule.status.lastEvaluation) return <span className="tag">{t('alerts|not evaluated yet')}</span>;
  if (rule.status.firing > 0) return <span className="tag tag--bad">{t('alerts|firing')}</span>;
  if ((rule.status.alerts ?? []).some((a) => a.state === 'pending')) return <span className="tag tag--warn">{t('alerts|pending')}</span>;
  return <span className="tag tag--ok">{t('alerts|ok')}</span>;
}

export default function AlertsPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('alerts|Alert rules'));
  const list = useApiQuery<AlertRuleList>(ALERTS_API.rules, 15_000);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const items = (list.data?.items ?? []).filter(
    (r) => !needle || r.name.includes(needle) || r.namespace.includes(needle) || r.condition.toLowerCase().includes(needle) || r.severity.includes(needle),
  );
  // Attention first: firing, then errors, then the rest by name.
  items.sort((a, b) => b.status.firing - a.status.firing || Number(Boolean(b.status.error)) - Number(Boolean(a.status.error)) || a.name.localeCompare(b.name));
  return (
    <section className="page" data-testid="alerts-page">
      <header className="page__header">
        <h1 className="page__title">{t('alerts|Alert rules')}</h1>
        <p className="page__subtitle">
          {t('alerts|AlertRule resources, evaluated by the Wheelhouse alerter; rules in namespace {{namespace}} may watch the whole cluster.', {
            namespace: list.data?.alertsNamespace ?? '',
          })}
        </p>
        <div className="page__header-end">
          {list.data?.create.allowed && (
            <Link className="button button--primary" to={ALERTS_URL.create} data-testid="alerts-new">
              {t('alerts|New rule')}
            </Link>
          )}
        </div>
      </header>
      <Warnings warnings={list.data?.warnings} />
      {list.error && <ErrorPanel title={t('alerts|The alert rules could not be loaded')} error={list.error} onRetry={list.retry} />}
      {!list.data && !list.error && <p className="page__loading">{t('shell|Loading…')}</p>}
      {list.data && (
        <>
          <label className="form-field">
            <span>{t('alerts|Filter')}</span>
            <input className="input" value={filter} data-testid="alerts-filter" placeholder={t('alerts|name, namespace, condition or severity')} onChange={(e) => { setFilter(e.target.value); }} />
          </label>
          <div className="card section__scroll">
            <Table
              testId="alerts-table"
              rows={items}
              rowKey={(r) => `${r.namespace}/${r.name}`}
              rowAttributes={(r) => ({ 'data-testid': 'alert-rule-row', 'data-rule': `${r.namespace}/${r.name}` })}
              empty={needle ? t('alerts|No rule matches the filter.') : t('alerts|No alert rules yet.')}
              columns={[
                {
                  id: 'name',
                  header: t('alerts|Rule'),
                  cell: (r) => (
                    <Link to={ALERTS_URL.rule(r.namespace, r.name)}>
                      <strong>{r.name}</strong>
                    </Link>
                  ),
                },
                { id: 'namespace', header: t('alerts|Namespace'), cell: (r) => r.namespace },
                { id: 'severity', header: t('alerts|Severity'), cell: (r) => <SeverityTag severity={r.severity} /> },
                { id: 'condition', header: t('alerts|Condition'), className: 'mono', cell: (r) => r.condition },
                { id: 'state', header: t('alerts|State'), cell: (r) => <RuleState rule={r} /> },
                { id: 'firing', header: t('alerts|Firing'), cell: (r) => <span data-testid="alert-rule-firing">{r.status.firing}</span> },
                { id: 'evaluated', header: t('alerts|Last evaluation'), cell: (r) => (r.status.lastEvaluation ? <Age timestamp={r.status.lastEvaluation} /> : '—') },
                { id: 'error', header: t('alerts|Error'), className: 'break', cell: (r) => r.problem ?? r.status.error ?? '' },
              ]}
            />
          </div>
        </>
      )}
    </section>
  );
}
