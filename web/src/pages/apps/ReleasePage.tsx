//! One Helm release: status, notes, values, manifest, history and the diff between revisions,
//! its resources with live status, and upgrade, rollback and uninstall (refused, with the reason,
//! for protected releases).

import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { CodeEditor } from '../../components/yaml/CodeEditor';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useOperation } from '../../hooks/useOperation';
import { useApiQuery } from '../../hooks/useApiQuery';
import { requestJson } from '../../lib/api/client';
import { API } from '../../lib/api/endpoints';
import { APPS_API, APPS_URL, type AppOperation, type ChartDetail, type ChartSummary, type ReleaseDetail, type ReleaseDiff } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { objectUrl } from '../../lib/k8s/detail';
import type { KindsAnswer } from '../../lib/k8s/kinds';
import { ValuesForm, valuesUnsendable } from './ValuesForm';
import { onTabListKeyDown } from '../../components/tabKeys';
import { AccessUrls, AppsTabs, OperationView, RequestError, StatusTag, useHelm, useHelmProblemText, useStatusLabel, Warnings, When } from './common';
import { ProtectedBadge } from './ReleasesPage';

type Tab = 'overview' | 'values' | 'manifest' | 'history';
type Action = 'upgrade' | 'rollback' | 'uninstall';

/** A unified diff with added and removed lines marked. */
export function DiffView(props: { text: string; part: 'values' | 'manifest' }) {
  const { t } = useTranslation();
  if (!props.text.trim()) return <p className="muted">{props.part === 'values' ? t('apps|No differences in the values.') : t('apps|No differences in the manifest.')}</p>;
  return (
    <pre className="apps-pre diff" data-testid={`diff-${props.part}`}>
      {props.text.split('\n').map((line, i) => {
        const cls = line.startsWith('+++') || line.startsWith('---') ? 'diff__file' : line.startsWith('+') ? 'diff__add' : line.startsWith('-') ? 'diff__del' : line.startsWith('@@') ? 'diff__hunk' : undefined;
        return (
          <span key={i} className={cls ? `diff__line ${cls}` : 'diff__line'}>
            {line || ' '}
          </span>
        );
      })}
    </pre>
  );
}

function HistoryTab(props: { release: ReleaseDetail }) {
  const { t } = useTranslation();
  const r = props.release;
  const revisions = [...r.history].sort((a, b) => b.revision - a.revision);
  const [from, setFrom] = useState<number>(revisions[1]?.revision ?? r.revision);
  const [to, setTo] = useState<number>(r.revision);
  /** The pair of revisions asked for, once the person asked. */
  const [compared, setCompared] = useState<string | null>(null);
  const diff = useApiQuery<ReleaseDiff>(compared ?? '', 0, { enabled: compared !== null, keepPrevious: true });
  const compare = () => {
    const path = APPS_API.diff(r.namespace, r.name, from, to);
    if (path === compared) diff.retry();
    else setCompared(path);
  };
  return (
    <>
      <div className="card section__scroll">
        <Table
          testId="release-history"
          rows={revisions}
          rowKey={(h) => String(h.revision)}
          rowAttributes={(h) => ({ 'data-testid': 'history-row', 'data-revision': h.revision, 'data-status': h.status })}
          columns={[
            { id: 'revision', header: t('apps|Revision'), numeric: true, cell: (h) => h.revision },
            { id: 'status', header: t('apps|Status'), cell: (h) => <StatusTag status={h.status} /> },
            { id: 'chart', header: t('apps|Chart'), cell: (h) => `${h.chart}-${h.chartVersion}` },
            { id: 'appVersion', header: t('apps|App version'), cell: (h) => h.appVersion ?? '—' },
            { id: 'updated', header: t('apps|Updated'), cell: (h) => <When time={h.updated} /> },
            { id: 'description', header: t('apps|Description'), className: 'break', cell: (h) => h.description },
          ]}
        />
      </div>
      {revisions.length > 1 && (
        <div className="card">
          <h3 className="section__title">{t('apps|Compare revisions')}</h3>
          <div className="filters">
            <RevisionSelect label={t('apps|From')} revisions={revisions} value={from} onChange={setFrom} testId="diff-from" />
            <RevisionSelect label={t('apps|To')} revisions={revisions} value={to} onChange={setTo} testId="diff-to" />
            <button type="button" className="button" disabled={diff.fetching || from === to} onClick={compare} data-testid="diff-compare">
              {t('apps|Show the differences')}
            </button>
          </div>
          {diff.error && <RequestError title={t('apps|The diff could not be loaded')} error={diff.error} />}
          {diff.data && (
            <>
              <h4>{t('apps|Values')}</h4>
              <DiffView text={diff.data.values} part="values" />
              <h4>{t('apps|Manifest')}</h4>
              <DiffView text={diff.data.manifest} part="manifest" />
            </>
          )}
        </div>
      )}
    </>
  );
}

function Resources(props: { release: ReleaseDetail }) {
  const { t } = useTranslation();
  const kinds = useApiQuery<KindsAnswer>(API.kinds, 60_000);
  const resources = props.release.resources;
  if (resources.length === 0) return <p className="muted">{t('apps|The manifest names no resources.')}</p>;
  return (
    <div className="card section__scroll">
      <Table
        testId="release-resources"
        rows={resources}
        rowKey={(res) => `${res.group}/${res.resource}/${res.namespace ? `${res.namespace}/` : ''}${res.name}`}
        rowAttributes={(res) => ({ 'data-testid': 'release-resource', 'data-kind': res.kind })}
        columns={[
          { id: 'kind', header: t('apps|Kind'), cell: (res) => res.kind },
          {
            id: 'name',
            header: t('apps|Name'),
            cell: (res) => {
              const url = kinds.data ? objectUrl(kinds.data.kinds, res) : null;
              const label = `${res.namespace ? `${res.namespace}/` : ''}${res.name}`;
              return url ? <Link to={url}>{label}</Link> : label;
            },
          },
          {
            id: 'status',
            header: t('apps|Status'),
            cell: (res) => (res.status ? <span className={`sev sev--${res.status.severity}`}>{res.status.text}</span> : <span className="muted">{t('apps|not found')}</span>),
          },
        ]}
      />
    </div>
  );
}

/**
 * A chart's page in one repository (for its versions), once the repository is known. Without the
 * chart in that repository, the upgrade keeps the release's own version only.
 */
function useChartIn(repo: string | null, name: string): ChartDetail | undefined {
  return useApiQuery<ChartDetail>(APPS_API.chart(repo ?? '', name), 0, { enabled: repo !== null }).data;
}

/**
 * The repositories that have a chart of this name, for a release that does not record its own.
 * Without a catalogue the person cannot choose, and the server says why on submit.
 */
function useRepositoriesWithChart(name: string, wanted: boolean): string[] {
  const found = useApiQuery<{ items: ChartSummary[] }>(APPS_API.charts(name, '', 20), 0, { enabled: wanted }).data;
  return wanted && found ? [...new Set(found.items.filter((c) => c.name === name).map((c) => c.repo))] : [];
}

function UpgradeForm(props: { release: ReleaseDetail; onStarted: (op: AppOperation) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const r = props.release;
  // The repository Wheelhouse recorded at install; without one the person chooses, since the
  // first repository with a chart of this name may not be the one the release came from.
  const recorded = r.repo ?? null;
  const candidates = useRepositoriesWithChart(r.chart, recorded === null);
  const [chosen, setChosen] = useState('');
  const repo = recorded ?? (chosen || null);
  const chart = useChartIn(repo, r.chart);
  const [version, setVersion] = useState(r.chartVersion);
  const [values, setValues] = useState(r.values);
  // The schema of the version chosen, for the same form the install offers.
  const target = useApiQuery<ChartDetail>(APPS_API.chart(repo ?? '', r.chart, version), 0, { enabled: repo !== null }).data;
  const [valueProblems, setValueProblems] = useState<string[]>([]);
  const valuesProblem = valuesUnsendable(values, valueProblems, t);
  const upgrade = useMutation({
    mutationFn: (request: { version: string; values: string; repo: string | undefined }) =>
      requestJson<AppOperation>('POST', APPS_API.upgrade(r.namespace, r.name), { body: { json: request } }),
    onSuccess: props.onStarted,
  });
  const error = upgrade.error ?? undefined;
  const busy = upgrade.isPending;
  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    if (valuesProblem) return;
    upgrade.mutate({ version, values, repo: repo ?? undefined });
  };
  const versions = chart?.versions.map((v) => v.version) ?? [r.chartVersion];
  return (
    <form className="card" onSubmit={submit} data-testid="upgrade-form">
      {recorded === null && (
        <label className="form-field">
          <span>{t('apps|Repository to upgrade from')}</span>
          <small className="muted">{t('apps|This release does not record the repository it was installed from (it was not installed by Wheelhouse). Choose the repository to take chart {{chart}} from.', { chart: r.chart })}</small>
          <select className="select" value={chosen} data-testid="upgrade-repo" onChange={(e) => { setChosen(e.target.value); }}>
            <option value="">{t('apps|Choose a repository')}</option>
            {candidates.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="form-field">
        <span>{t('apps|Chart version')}</span>
        <select className="select" value={version} data-testid="upgrade-version" onChange={(e) => { setVersion(e.target.value); }}>
          {(versions.includes(r.chartVersion) ? versions : [r.chartVersion, ...versions]).map((v) => (
            <option key={v} value={v}>
              {v}
              {v === r.chartVersion ? ` (${t('apps|current')})` : ''}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">{t('apps|Values you set (the chart defaults apply to everything else):')}</p>
      <div className={target?.valuesSchema ? 'values-layout values-layout--form' : 'values-layout'}>
        {target?.valuesSchema && (
          <section className="values-layout__form">
            <h3 className="section__title">{t('apps|Values (form)')}</h3>
            <ValuesForm schema={target.valuesSchema} defaults={target.values} text={values} onChange={setValues} onProblems={setValueProblems} />
          </section>
        )}
        <section className="values-layout__yaml">
          <CodeEditor value={values} onChange={setValues} label={t('apps|Values (YAML)')} />
        </section>
      </div>
      <button type="submit" className="button button--primary" disabled={busy || props.disabled || repo === null || valuesProblem !== null} data-testid="upgrade-submit" title={valuesProblem ?? undefined}>
        {t('apps|Upgrade')}
      </button>
      {valuesProblem && (
        <span className="action__reason" data-testid="values-blocked">
          {valuesProblem}
        </span>
      )}
      {error && <RequestError title={t('apps|The upgrade was refused')} error={error} />}
    </form>
  );
}

function RollbackForm(props: { release: ReleaseDetail; onStarted: (op: AppOperation) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const statusLabel = useStatusLabel();
  const r = props.release;
  const choices = r.history.filter((h) => h.revision !== r.revision).sort((a, b) => b.revision - a.revision);
  const [revision, setRevision] = useState<number | null>(choices[0]?.revision ?? null);
  const [confirming, setConfirming] = useState(false);
  const rollback = useMutation({
    mutationFn: (to: number | null) => requestJson<AppOperation>('POST', APPS_API.rollback(r.namespace, r.name), { body: { json: { revision: to } } }),
    onSuccess: (op) => {
      props.onStarted(op);
      setConfirming(false);
    },
  });
  const error = rollback.error ?? undefined;
  const busy = rollback.isPending;
  if (choices.length === 0) return <p className="card muted">{t('apps|There is no earlier revision to roll back to.')}</p>;
  const chosen = choices.find((h) => h.revision === revision);
  return (
    <div className="card" data-testid="rollback-form">
      <label className="form-field">
        <span>{t('apps|Roll back to revision')}</span>
        <select className="select" value={revision ?? ''} data-testid="rollback-revision" onChange={(e) => { setRevision(Number(e.target.value)); setConfirming(false); }}>
          {choices.map((h) => (
            <option key={h.revision} value={h.revision}>
              {`${h.revision} · ${h.chart}-${h.chartVersion} · ${statusLabel(h.status)}`}
            </option>
          ))}
        </select>
      </label>
      {!confirming ? (
        <button type="button" className="button" disabled={props.disabled || revision === null} onClick={() => { setConfirming(true); }} data-testid="rollback-start">
          {t('apps|Roll back…')}
        </button>
      ) : (
        <div className="confirm" role="alertdialog">
          <span>
            {t('apps|Roll {{name}} back to revision {{revision}} ({{chart}})? This makes a new revision.', {
              name: r.name,
              revision: revision ?? '',
              chart: chosen ? `${chosen.chart}-${chosen.chartVersion}` : '',
            })}
          </span>{' '}
          <button type="button" className="button button--primary" disabled={busy || props.disabled} onClick={() => { rollback.mutate(revision); }} data-testid="rollback-confirm">
            {t('apps|Roll back')}
          </button>{' '}
          <button type="button" className="button" onClick={() => { setConfirming(false); }}>
            {t('apps|Cancel')}
          </button>
        </div>
      )}
      {error && <RequestError title={t('apps|The rollback was refused')} error={error} />}
    </div>
  );
}

function UninstallForm(props: { release: ReleaseDetail; onStarted: (op: AppOperation) => void; disabled: boolean }) {
  const { t } = useTranslation();
  const r = props.release;
  const [typed, setTyped] = useState('');
  const uninstall = useMutation({
    mutationFn: () => requestJson<AppOperation>('DELETE', APPS_API.release(r.namespace, r.name)),
    onSuccess: props.onStarted,
  });
  const error = uninstall.error ?? undefined;
  const busy = uninstall.isPending;
  const run = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    if (typed === r.name) uninstall.mutate();
  };
  return (
    <form className="card" onSubmit={run} data-testid="uninstall-form">
      <p>{t('apps|Uninstalling deletes every resource of {{name}} and its history. Type the release name to confirm.', { name: r.name })}</p>
      <input className="input" value={typed} placeholder={r.name} spellCheck={false} autoComplete="off" data-testid="uninstall-confirm-name" onChange={(e) => { setTyped(e.target.value); }} aria-label={t('apps|Release name')} />{' '}
      <button type="submit" className="button button--danger" disabled={busy || props.disabled || typed !== r.name} data-testid="uninstall-submit">
        {t('apps|Uninstall {{name}}', { name: r.name })}
      </button>
      {error && <RequestError title={t('apps|The uninstall was refused')} error={error} />}
    </form>
  );
}

const ACTION_LABELS = { upgrade: 'apps|Upgrade', rollback: 'apps|Roll back', uninstall: 'apps|Uninstall' } as const;

export default function ReleasePage() {
  const { t } = useTranslation();
  const { namespace = '', name = '' } = useParams();
  useDocumentTitle(name);
  const release = useApiQuery<ReleaseDetail>(APPS_API.release(namespace, name), 10_000);
  const helm = useHelm();
  const helmProblem = useHelmProblemText();
  const [tab, setTab] = useState<Tab>('overview');
  const [action, setAction] = useState<Action | null>(null);
  const [started, setStarted] = useState<AppOperation | null>(null);
  const { operation, error: followError } = useOperation(started, true);
  const r = release.data;
  const state = operation?.state;
  const retry = release.retry;
  useEffect(() => {
    // The release changed: show what helm left.
    if (state === 'succeeded' || state === 'failed') retry();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state]);

  const uninstalled = operation?.action === 'uninstall' && operation.state === 'succeeded';
  const protectedReason = r?.protected.protected ? (r.protected.reason ?? t('apps|This release is protected.')) : null;
  const helmReason = helmProblem(helm.info);
  const blocked = protectedReason ?? helmReason;
  const running = operation?.state === 'running';

  const onStarted = (op: AppOperation) => {
    setStarted(op);
    setAction(null);
  };

  return (
    <section className="page apps-page" data-testid="release-page">
      <AppsTabs />
      <header className="page__header">
        <h1 className="page__title">
          {name} {r?.protected.protected && <ProtectedBadge reason={r.protected.reason} />}
        </h1>
        <p className="page__subtitle">
          {t('apps|Release in namespace {{namespace}}', { namespace })}
          {uninstalled && (
            <>
              {' · '}
              <StatusTag status="uninstalled" />
            </>
          )}
          {r && !uninstalled && (
            <>
              {' · '}
              <StatusTag status={r.status} /> · {t('apps|revision {{revision}}', { revision: r.revision })} · {r.chart}-{r.chartVersion}
              {r.appVersion ? ` · ${t('apps|app {{version}}', { version: r.appVersion })}` : ''} · <When time={r.updated} />
            </>
          )}
        </p>
      </header>
      {operation && <OperationView operation={operation} error={followError} />}
      {uninstalled && (
        <p className="apps-notice" data-testid="uninstalled">
          {t('apps|{{name}} was uninstalled.', { name })} <Link to={APPS_URL.releases}>{t('apps|Back to the releases')}</Link>
        </p>
      )}
      {release.error && !uninstalled && <ErrorPanel title={t('apps|The release could not be loaded')} error={release.error} onRetry={release.retry} />}
      {!r && !release.error && <p className="page__loading">{t('apps|Loading the release…')}</p>}
      {r && !uninstalled && (
        <>
          <Warnings warnings={r.warnings} />
          {protectedReason && (
            <p className="warning-box" data-testid="protected-reason">
              {t('apps|Protected: upgrade, rollback and uninstall are disabled. {{reason}}', { reason: protectedReason })}
            </p>
          )}
          {!protectedReason && helmReason && (
            <p className="warning-box" data-testid="helm-unavailable">
              {helmReason}
            </p>
          )}
          <div className="action-bar__buttons release-actions">
            {(Object.keys(ACTION_LABELS) as Action[]).map((a) => (
              <button
                key={a}
                type="button"
                className={a === 'uninstall' ? 'button button--danger' : 'button'}
                disabled={blocked !== null || running}
                title={blocked ?? undefined}
                aria-expanded={action === a}
                data-testid={`release-${a}`}
                onClick={() => {
                  // A new action: the last operation's result goes.
                  if (operation?.state !== 'running') setStarted(null);
                  setAction(action === a ? null : a);
                }}
              >
                {t(ACTION_LABELS[a])}
              </button>
            ))}
          </div>
          {action === 'upgrade' && <UpgradeForm release={r} onStarted={onStarted} disabled={blocked !== null || running} />}
          {action === 'rollback' && <RollbackForm release={r} onStarted={onStarted} disabled={blocked !== null || running} />}
          {action === 'uninstall' && <UninstallForm release={r} onStarted={onStarted} disabled={blocked !== null || running} />}
          <div className="tabs" role="tablist" onKeyDown={onTabListKeyDown}>
            {(['overview', 'values', 'manifest', 'history'] as Tab[]).map((k) => (
              <button key={k} type="button" role="tab" aria-selected={tab === k} tabIndex={tab === k ? 0 : -1} className={tab === k ? 'tabs__tab tabs__tab--active' : 'tabs__tab'} data-testid={`release-tab-${k}`} onClick={() => { setTab(k); }}>
                {t(
                  ({ overview: 'apps|Overview', values: 'apps|Values', manifest: 'apps|Manifest', history: 'apps|History' } as const)[k],
                )}
              </button>
            ))}
          </div>
          {tab === 'overview' && (
            <>
              {r.description && <p className="muted">{r.description}</p>}
              <AccessUrls urls={r.accessUrls} />
              <h2 className="section__title">{t('apps|Resources')}</h2>
              <Resources release={r} />
              <h2 className="section__title">{t('apps|Notes')}</h2>
              {r.notes ? <pre className="apps-pre" data-testid="release-notes">{r.notes}</pre> : <p className="muted">{t('apps|The chart wrote no notes.')}</p>}
            </>
          )}
          {tab === 'values' && (
            <>
              <p className="muted">{t('apps|Values set at install or upgrade; the chart defaults apply to everything else.')}</p>
              <pre className="apps-pre" data-testid="release-values">{r.values.trim() ? r.values : t('apps|(none: the chart defaults)')}</pre>
            </>
          )}
          {tab === 'manifest' && <pre className="apps-pre" data-testid="release-manifest">{r.manifest}</pre>}
          {tab === 'history' && <HistoryTab release={r} />}
        </>
      )}
    </section>
  );
}

/** A labelled choice of one of the release's revisions. */
function RevisionSelect(props: { label: string; revisions: readonly { revision: number }[]; value: number; onChange: (revision: number) => void; testId: string }) {
  return (
    <label className="filters__field">
      <span className="filters__label">{props.label}</span>
      <select className="select" value={props.value} data-testid={props.testId} onChange={(e) => { props.onChange(Number(e.target.value)); }}>
        {props.revisions.map((h) => (
          <option key={h.revision} value={h.revision}>
            {h.revision}
          </option>
        ))}
      </select>
    </label>
  );
}
