//! Pieces every app store page shares: the section tabs, status tags, and a helm operation's
//! progress and result.

import { useEffect, useRef } from 'react';
import { Link, NavLink } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import type { ApiError } from '../../lib/api/errors';
import type { MessageKey } from '../../lib/i18n/catalogue';
import type { Warning } from '../../lib/api/warning';
import { APPS_API, APPS_URL, type AppOperation, type HelmInfo, type HelmProblem } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { fieldProblems } from './fieldProblems';
import './apps.css';

/** The app store's sections, shown on top of each of its pages. */
export function AppsTabs() {
  const { t } = useTranslation();
  const tab = ({ isActive }: { isActive: boolean }) => (isActive ? 'tabs__tab tabs__tab--active' : 'tabs__tab');
  return (
    <nav className="tabs apps-tabs" aria-label={t('apps|App store')}>
      <NavLink to={APPS_URL.catalogue} end className={tab}>
        {t('apps|Catalogue')}
      </NavLink>
      <NavLink to={APPS_URL.releases} className={tab}>
        {t('apps|Releases')}
      </NavLink>
      <NavLink to={APPS_URL.repositories} className={tab}>
        {t('apps|Repositories')}
      </NavLink>
    </nav>
  );
}

/** Whether helm can run: changes are disabled with the server's reason when it cannot. */
export function useHelm(): { info: HelmInfo | undefined; error: ApiError | undefined } {
  const helm = useApiQuery<HelmInfo>(APPS_API.helm, 60_000);
  return { info: helm.data, error: helm.error };
}

/** Why helm cannot run, in the person's language, or null when it can (or is not known yet). */
export function useHelmProblemText(): (info: HelmInfo | HelmProblem | null | undefined) => string | null {
  const { t } = useTranslation();
  return (info) => {
    if (!info || ('available' in info && info.available)) return null;
    const problem = 'available' in info ? info.problem : info;
    switch (problem.kind) {
      case 'notFound':
        return problem.searched
          ? t('apps|No helm binary: set --helm-path, put helm on PATH, or run `cargo xtask run`, which installs one in {{path}}.', { path: problem.searched })
          : t('apps|No helm binary: set --helm-path or put helm on PATH.');
      case 'missing':
        return t('apps|No helm binary at {{path}} (from --helm-path).', { path: problem.path });
      case 'broken':
        return t('apps|{{path}} does not run: {{detail}}', { path: problem.path, detail: problem.detail });
    }
  };
}

const STATUS_CLASS: Record<string, string> = {
  deployed: 'tag tag--ok',
  succeeded: 'tag tag--ok',
  ok: 'tag tag--ok',
  superseded: 'tag',
  failed: 'tag tag--bad',
  error: 'tag tag--bad',
  uninstalled: 'tag',
};

const STATUS_LABEL: Record<string, MessageKey | undefined> = {
  unknown: 'status|unknown',
  deployed: 'status|deployed',
  uninstalled: 'status|uninstalled',
  superseded: 'status|superseded',
  failed: 'status|failed',
  uninstalling: 'status|uninstalling',
  'pending-install': 'status|pending-install',
  'pending-upgrade': 'status|pending-upgrade',
  'pending-rollback': 'status|pending-rollback',
  pending: 'status|pending',
  syncing: 'status|syncing',
  ok: 'status|ok',
  error: 'status|error',
  running: 'status|running',
  succeeded: 'status|succeeded',
};

/**
 * A release's, repository's or operation's state in the person's language (English keeps Helm's
 * own words, as `helm list` prints them); a state this console does not know is shown as it is.
 */
export function useStatusLabel(): (status: string) => string {
  const { t } = useTranslation();
  return (status) => {
    const key = STATUS_LABEL[status];
    return key ? t(key) : status;
  };
}

/** A state as a coloured tag; anything in progress is a warning. */
export function StatusTag(props: { status: string }) {
  const label = useStatusLabel();
  const className = STATUS_CLASS[props.status] ?? (props.status.startsWith('pending') || props.status.endsWith('ing') ? 'tag tag--warn' : 'tag');
  return (
    <span className={className} data-status={props.status}>
      {label(props.status)}
    </span>
  );
}

/** A time as the person's locale writes it. */
export function When(props: { time: string | null | undefined }) {
  const { locale } = useTranslation();
  if (!props.time) return <span className="muted">—</span>;
  const date = new Date(props.time);
  if (Number.isNaN(date.getTime())) return <span>{props.time}</span>;
  return <time dateTime={props.time}>{date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })}</time>;
}

const ACTION_TITLES: Record<string, MessageKey | undefined> = {
  install: 'apps|Install',
  upgrade: 'apps|Upgrade',
  rollback: 'apps|Roll back',
  uninstall: 'apps|Uninstall',
};

/** A helm operation: helm's output while it runs, then NOTES.txt and the access URLs, or the failure. */
export function OperationView(props: { operation: AppOperation; error?: ApiError; releaseLink?: boolean }) {
  const { t } = useTranslation();
  const op = props.operation;
  const { namespace, name } = op.target;
  const title = ACTION_TITLES[op.action] ?? 'apps|Install';
  const log = op.log;
  const box = useRef<HTMLDivElement>(null);
  // A new operation is brought into view: its progress is what the person waits for.
  useEffect(() => {
    box.current?.scrollIntoView({ block: 'nearest' });
  }, [op.id]);
  return (
    <div ref={box} className={`card operation operation--${op.state}`} data-testid="app-operation" data-action={op.action} data-state={op.state} aria-live="polite">
      <div className="operation__head">
        <strong>
          {t(title)} {namespace && name ? `${namespace}/${name}` : ''}
        </strong>
        <StatusTag status={op.state} />
        <span className="muted">{op.message}</span>
      </div>
      {log.length > 0 && (
        <details className="operation__log" open={op.state !== 'succeeded'}>
          <summary>{log.length === 1 ? t('apps|helm output (1 line)') : t('apps|helm output ({{count}} lines)', { count: log.length })}</summary>
          <pre data-testid="operation-log">{log.join('\n')}</pre>
        </details>
      )}
      {op.state === 'running' && log.length === 0 && <p className="muted">{t('apps|Waiting for helm…')}</p>}
      {op.state === 'failed' && (
        <div className="operation__failure" role="alert">
          <strong>{t('apps|helm failed')}</strong>
          <pre className="operation__error" data-testid="operation-error">{op.error ?? op.message}</pre>
          {op.failedResources.map((r) => (
            <div key={`${r.kind}/${r.namespace ?? ''}/${r.name}`} className="operation__resource" data-testid="failed-resource">
              <strong>
                {r.kind} {r.namespace ? `${r.namespace}/` : ''}
                {r.name}
              </strong>{' '}
              {r.status && <span className={`sev sev--${r.status.severity}`}>{r.status.text}</span>}
              {r.events.length === 0 ? (
                <p className="muted">{t('apps|No events.')}</p>
              ) : (
                <Table
                  className="table--events"
                  rows={r.events}
                  rowKey={(e, i) => `${e.reason}-${String(i)}`}
                  columns={[
                    { id: 'type', header: t('columns|Type'), cell: (e) => <span className={e.type === 'Warning' ? 'tag tag--warn' : 'tag'}>{e.type}</span> },
                    { id: 'reason', header: t('columns|Reason'), cell: (e) => e.reason },
                    { id: 'message', header: t('columns|Message'), className: 'message', cell: (e) => e.message },
                    { id: 'count', header: t('columns|Count'), numeric: true, cell: (e) => e.count ?? '' },
                  ]}
                />
              )}
            </div>
          ))}
        </div>
      )}
      {op.state === 'succeeded' && <OperationResult operation={op} releaseLink={props.releaseLink} />}
      {props.error && <ErrorPanel title={t('apps|The operation could not be followed')} error={props.error} compact />}
    </div>
  );
}

function OperationResult(props: { operation: AppOperation; releaseLink?: boolean }) {
  const { t } = useTranslation();
  const op = props.operation;
  const { namespace, name } = op.target;
  return (
    <div className="operation__result">
      {props.releaseLink && namespace && name && op.action !== 'uninstall' && (
        <p>
          <Link to={APPS_URL.release(namespace, name)} data-testid="release-link">
            {t('apps|Open release {{name}}', { name })}
          </Link>
        </p>
      )}
      <AccessUrls urls={op.accessUrls} />
      {op.notes && (
        <>
          <h3 className="section__title">{t('apps|Notes')}</h3>
          <pre className="apps-pre" data-testid="operation-notes">{op.notes}</pre>
        </>
      )}
    </div>
  );
}

/** Where a release can be reached: Ingress hosts, LoadBalancer addresses, NodePorts. */
export function AccessUrls(props: { urls: { url: string; source: string }[] }) {
  const { t } = useTranslation();
  if (props.urls.length === 0) return null;
  return (
    <div className="access-urls" data-testid="access-urls">
      <h3 className="section__title">{t('apps|Access URLs')}</h3>
      <ul className="plain">
        {props.urls.map((u) => (
          <li key={`${u.url}-${u.source}`}>
            <a href={u.url} target="_blank" rel="noopener noreferrer">
              {u.url}
            </a>{' '}
            <span className="muted">{u.source}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A refused change: the server's message, and each field it named (422 `details.fields`). */
export function RequestError(props: { title: string; error: ApiError; shownAtFields?: readonly string[] }) {
  const fields = Object.entries(fieldProblems(props.error.details)).filter(([field]) => !props.shownAtFields?.includes(field));
  return (
    <>
      <ErrorPanel title={props.title} error={props.error} compact />
      {fields.length > 0 && (
        <ul className="field-errors" data-testid="field-errors">
          {fields.map(([field, message]) => (
            <li key={field}>
              <code>{field}</code> {message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** What the server could not read, said next to what it could. */
export function Warnings(props: { warnings: Warning[] | undefined }) {
  return (
    <>
      {(props.warnings ?? []).map((w) => (
        <p key={`${w.reason}-${w.what ?? ''}-${w.message}`} className="warning-box" role="status" data-testid="apps-warning">
          {w.what ? <strong>{w.what}</strong> : <strong>{w.reason}</strong>}: {w.message}
        </p>
      ))}
    </>
  );
}
