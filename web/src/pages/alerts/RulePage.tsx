//! One alert rule: its alerts by state with since and value, silences (of the rule or a target,
//! for 1 h, 4 h, 1 d or a chosen time, with a comment), turning it off and on, and its history
//! from its status and Events.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Age } from '../../components/Age';
import { SeverityTag } from '../../components/alerts/FiringAlerts';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { ALERTS_API, ALERTS_URL, targetUrl, type AlertRuleDetail, type AlertStatus, type EndSilenceRequest, type SilenceRequest } from '../../lib/alerts/types';
import { requestJson } from '../../lib/api/client';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { RequestError, Warnings } from '../apps/common';
import { RuleState } from './AlertsPage';

const DURATIONS: [string, number][] = [
  ['1h', 3600],
  ['4h', 4 * 3600],
  ['1d', 86_400],
];

/** The silence form: for the whole rule (no target) or one target. */
function SilenceForm(props: { namespace: string; name: string; target?: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [seconds, setSeconds] = useState(3600);
  const [custom, setCustom] = useState('');
  const [comment, setComment] = useState('');
  const silence = useMutation({
    mutationFn: (body: SilenceRequest) => requestJson('POST', ALERTS_API.silences(props.namespace, props.name), { body: { json: body } }),
    onSuccess: props.onDone,
  });
  const customHours = Number(custom);
  const chosen = custom.trim() ? Math.round(customHours * 3600) : seconds;
  return (
    <form
      className="alert-actions"
      data-testid="silence-form"
      onSubmit={(e) => {
        e.preventDefault();
        silence.mutate({ target: props.target, seconds: chosen, comment: comment || undefined });
      }}
    >
      {DURATIONS.map(([label, value]) => (
        <label key={label} className="form-field--check">
          <input type="radio" name="silence-for" checked={!custom.trim() && seconds === value} onChange={() => { setSeconds(value); setCustom(''); }} /> {label}
        </label>
      ))}
      <label>
        {t('alerts|or hours')}{' '}
        <input className="input input--small" inputMode="decimal" value={custom} data-testid="silence-custom" onChange={(e) => { setCustom(e.target.value); }} />
      </label>
      <label>
        {t('alerts|Comment')}{' '}
        <input className="input" value={comment} data-testid="silence-comment" onChange={(e) => { setComment(e.target.value); }} />
      </label>
      <button type="submit" className="button button--small" disabled={silence.isPending || !(chosen > 0)} data-testid="silence-submit">
        {props.target ? t('alerts|Silence this target') : t('alerts|Silence the rule')}
      </button>
      {silence.error && <RequestError title={t('alerts|The silence was not saved')} error={silence.error} />}
    </form>
  );
}

/** Ends one silence now (it would otherwise hold until its time runs out). */
function EndSilence(props: { namespace: string; name: string; silence: EndSilenceRequest; canChange: boolean; reason: string | null; onDone: () => void }) {
  const { t } = useTranslation();
  const end = useMutation({
    mutationFn: () => requestJson('POST', ALERTS_API.endSilence(props.namespace, props.name), { body: { json: props.silence } }),
    onSuccess: props.onDone,
  });
  return (
    <>
      {' '}
      <button
        type="button"
        className="button button--small"
        disabled={!props.canChange || end.isPending}
        title={props.canChange ? undefined : (props.reason ?? t('actions|You may not do this.'))}
        data-testid="silence-end"
        onClick={() => {
          end.mutate();
        }}
      >
        {t('alerts|End now')}
      </button>
      {end.error && <RequestError title={t('alerts|The silence was not ended')} error={end.error} />}
    </>
  );
}

function stateLabel(state: AlertStatus['state'], t: (key: 'alerts|firing' | 'alerts|pending' | 'alerts|resolved') => string) {
  return state === 'firing' ? t('alerts|firing') : state === 'pending' ? t('alerts|pending') : t('alerts|resolved');
}

export default function RulePage() {
  const { t } = useTranslation();
  const { namespace = '', name = '' } = useParams();
  useDocumentTitle(`${name} · ${t('alerts|Alert rules')}`);
  const rule = useApiQuery<AlertRuleDetail>(ALERTS_API.rule(namespace, name), 10_000);
  const [silencing, setSilencing] = useState<string | null>(null);
  const detail = rule.data;
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      requestJson('PUT', ALERTS_API.rule(namespace, name), {
        body: { json: { spec: { ...detail?.spec, enabled }, resourceVersion: detail?.resourceVersion ?? '' } },
      }),
    onSuccess: rule.retry,
  });
  const order = { firing: 0, pending: 1, resolved: 2 } as const;
  const alerts = [...(detail?.row.status.alerts ?? [])].sort((a, b) => order[a.state] - order[b.state] || a.target.localeCompare(b.target));
  const canChange = detail?.update.allowed === true;
  const silences = detail?.spec?.silences ?? [];
  return (
    <section className="page" data-testid="alert-rule-page" data-rule={`${namespace}/${name}`}>
      <header className="page__header">
        <h1 className="page__title">
          <span className="page__kind">{t('alerts|Alert rule')}</span> {name}
        </h1>
        <span className="tag">{namespace}</span>
        {detail && <SeverityTag severity={detail.row.severity} />}
        {detail && <RuleState rule={detail.row} />}
        <div className="page__header-end">
          <Link to={ALERTS_URL.list}>{t('alerts|All rules')}</Link>
        </div>
      </header>
      {rule.error && <ErrorPanel title={t('alerts|The rule could not be loaded')} error={rule.error} onRetry={rule.retry} compact={Boolean(detail)} />}
      {!detail && !rule.error && <p className="page__loading">{t('shell|Loading…')}</p>}
      {detail && (
        <>
          <Warnings warnings={detail.warnings} />
          <div className="alert-actions">
            {canChange && detail.spec && (
              <>
                <Link className="button button--small" to={ALERTS_URL.edit(namespace, name)} data-testid="rule-edit">
                  {t('alerts|Edit')}
                </Link>
                <button type="button" className="button button--small" data-testid="rule-toggle" disabled={toggle.isPending} onClick={() => { toggle.mutate(!detail.row.enabled); }}>
                  {detail.row.enabled ? t('alerts|Turn off') : t('alerts|Turn on')}
                </button>
                <button type="button" className="button button--small" data-testid="rule-silence" onClick={() => { setSilencing(silencing === '' ? null : ''); }}>
                  {t('alerts|Silence the rule…')}
                </button>
              </>
            )}
            {!canChange && <span className="action__reason">{t('alerts|You may not change this rule: {{reason}}', { reason: detail.update.reason ?? '' })}</span>}
          </div>
          {toggle.error && <RequestError title={t('alerts|The rule was not changed')} error={toggle.error} />}
          {silencing === '' && (
            <SilenceForm namespace={namespace} name={name} onDone={() => { setSilencing(null); rule.retry(); }} />
          )}
          {detail.row.problem && <p className="warning-box">{detail.row.problem}</p>}
          {detail.row.status.error && (
            <p className="warning-box" data-testid="rule-error">
              {t('alerts|The alerter could not evaluate this rule: {{message}}', { message: detail.row.status.error })}
            </p>
          )}
          {(detail.row.status.notificationErrors ?? []).map((n) => (
            <p key={n.channel} className="warning-box" data-testid="notification-error">
              {t('alerts|Notifying {{channel}} failed: {{message}}', { channel: n.channel, message: n.message })} (<Age timestamp={n.at} />)
            </p>
          ))}
          <section className="card section section--wide">
            <h2 className="section__title">
              {t('alerts|Alerts')}
              <span className="count-pill">{alerts.length}</span>
            </h2>
            <div className="section__body alert-body">
            <p className="page__subtitle">
              {detail.row.status.lastEvaluation
                ? t('alerts|{{targets}} targets looked at, {{firing}} firing; evaluated', { targets: detail.row.status.targets, firing: detail.row.status.firing })
                : t('alerts|The alerter has not evaluated this rule yet.')}{' '}
              {detail.row.status.lastEvaluation && <Age timestamp={detail.row.status.lastEvaluation} />}
            </p>
            <Table
              testId="rule-alerts"
              rows={alerts}
              rowKey={(a) => a.target}
              rowAttributes={(a) => ({ 'data-testid': 'rule-alert', 'data-target': a.target, 'data-state': a.state })}
              empty={t('alerts|No target is pending or firing.')}
              columns={[
                { id: 'state', header: t('alerts|State'), cell: (a) => <span className={a.state === 'firing' ? 'tag tag--bad' : a.state === 'pending' ? 'tag tag--warn' : 'tag tag--ok'}>{stateLabel(a.state, t)}</span> },
                {
                  id: 'target',
                  header: t('alerts|Target'),
                  className: 'mono break',
                  cell: (a) => {
                    const url = targetUrl(a);
                    return url ? <Link to={url}>{a.target}</Link> : a.target;
                  },
                },
                { id: 'value', header: t('alerts|Value'), className: 'break', cell: (a) => a.value },
                { id: 'since', header: t('alerts|Since'), cell: (a) => <Age timestamp={a.since} /> },
                {
                  id: 'silence',
                  header: t('alerts|Silence'),
                  cell: (a) =>
                    detail.row.silencedTargets.includes(a.target) || detail.row.silenced ? (
                      <span className="tag" data-testid="target-silenced">{t('alerts|silenced')}</span>
                    ) : canChange ? (
                      <button type="button" className="link-button" data-testid="target-silence" onClick={() => { setSilencing(a.target); }}>
                        {t('alerts|Silence…')}
                      </button>
                    ) : null,
                },
              ]}
            />
            {silencing && <SilenceForm namespace={namespace} name={name} target={silencing} onDone={() => { setSilencing(null); rule.retry(); }} />}
            </div>
          </section>
          {silences.length > 0 && (
            <section className="card section section--wide" data-testid="rule-silences">
              <h2 className="section__title">{t('alerts|Silences')}</h2>
              <ul className="alert-list section__body">
                {silences.map((s) => (
                  <li key={`${s.target ?? ''}-${s.until}`} className="alert-list__item" data-testid="rule-silence-item" data-target={s.target ?? ''}>
                    <strong>{s.target ?? t('alerts|the whole rule')}</strong>{' '}
                    {t('alerts|until {{until}}, by {{by}}', { until: new Date(s.until).toLocaleString(), by: s.by ?? '?' })}
                    {s.comment ? ` — ${s.comment}` : ''}
                    <EndSilence namespace={namespace} name={name} silence={{ target: s.target, until: s.until }} canChange={canChange} reason={detail.update.reason ?? null} onDone={rule.retry} />
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="card section section--wide" data-testid="rule-history">
            <h2 className="section__title">{t('alerts|History')}</h2>
            <Table
              rows={detail.events}
              rowKey={(e) => `${e.reason ?? ''}-${e.lastSeen ?? ''}-${e.message ?? ''}`}
              empty={t('alerts|No events yet: the alerter records each alert that fires or resolves here.')}
              columns={[
                { id: 'when', header: t('alerts|When'), cell: (e) => <Age timestamp={e.lastSeen} /> },
                { id: 'reason', header: t('alerts|Event'), cell: (e) => <span className={e.type === 'Warning' ? 'tag tag--warn' : 'tag'}>{e.reason}</span> },
                { id: 'message', header: t('alerts|Message'), className: 'break', cell: (e) => e.message ?? '' },
                { id: 'count', header: t('alerts|Count'), cell: (e) => e.count },
              ]}
            />
          </section>
        </>
      )}
    </section>
  );
}
