//! One Helm release: status, notes, values, manifest, history and the diff between revisions,
//! its resources with live status, and upgrade, rollback and uninstall (refused, with the reason,
//! for protected releases).

import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { CodeEditor } from '../../components/yaml/CodeEditor';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useResource } from '../../hooks/useResource';
import { getJson, requestJson } from '../../lib/api/client';
import { API } from '../../lib/api/endpoints';
import { toApiError, type ApiError } from '../../lib/api/errors';
import { APPS_API, APPS_URL, type AppOperation, type ChartDetail, type ChartList, type ReleaseDetail, type ReleaseDiff } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { objectUrl } from '../../lib/k8s/detail';
import type { KindsAnswer } from '../../lib/k8s/kinds';
import { AccessUrls, AppsTabs, OperationView, RequestError, StatusTag, useHelm, useOperation, useStatusLabel, Warnings, When } from './common';
import { ProtectedBadge } from './ReleasesPage';

type Tab = 'overview' | 'values' | 'manifest' | 'history';
type Action = 'upgrade' | 'rollback' | 'uninstall';

/** A unified diff with added and removed lines marked. */
export function DiffView(props: { text: string; label: string }) {
  const { t } = useTranslation();
  if (!props.text.trim()) return <p className="muted">{t('apps|No differences in the {{what}}.', { what: props.label })}</p>;
  return (
    <pre className="apps-pre diff" data-testid={`diff-${props.label}`}>
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
  const [diff, setDiff] = useState<ReleaseDiff | null>(null);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const compare = async () => {
    const path = APPS_API.diff(r.namespace, r.name, from, to);
    setLoading(true);
    setError(undefined);
    try {
      setDiff(await getJson<ReleaseDiff>(path));
    } catch (e) {
      setError(toApiError(e, `GET ${path}`));
      setDiff(null);
    } finally {
      setLoading(false);
    }
  };
  return (
    <>
      <div className="card section__scroll">
        <table className="table" data-testid="release-history">
          <thead>
            <tr>
              <th className="num">{t('apps|Revision')}</th>
              <th>{t('apps|Status')}</th>
              <th>{t('apps|Chart')}</th>
              <th>{t('apps|App version')}</th>
              <th>{t('apps|Updated')}</th>
              <th>{t('apps|Description')}</th>
            </tr>
          </thead>
          <tbody>
            {revisions.map((h) => (
              <tr key={h.revision} data-testid="history-row" data-revision={h.revision} data-status={h.status}>
                <td className="num">{h.revision}</td>
                <td>
                  <StatusTag status={h.status} />
                </td>
                <td>
                  {h.chart}-{h.chartVersion}
                </td>
                <td>{h.appVersion ?? '—'}</td>
                <td>
                  <When time={h.updated} />
                </td>
                <td className="break">{h.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {revisions.length > 1 && (
        <div className="card">
          <h3 className="section__title">{t('apps|Compare revisions')}</h3>
          <div className="filters">
            <RevisionSelect label={t('apps|From')} revisions={revisions} value={from} onChange={setFrom} testId="diff-from" />
            <RevisionSelect label={t('apps|To')} revisions={revisions} value={to} onChange={setTo} testId="diff-to" />
            <button type="button" className="button" disabled={loading || from === to} onClick={() => void compare()} data-testid="diff-compare">
              {t('apps|Show the differences')}
            </button>
          </div>
          {error && <RequestError title={t('apps|The diff could not be loaded')} error={error} />}
          {diff && (
            <>
              <h4>{t('apps|Values')}</h4>
              <DiffView text={diff.values} label="values" />
              <h4>{t('apps|Manifest')}</h4>
              <DiffView text={diff.manifest} label="manifest" />
            </>
          )}
        </div>
      )}
    </>
  );
}

function Resources(props: { release: ReleaseDetail }) {
  const { t } = useTranslation();
  const kinds = useResource<KindsAnswer>(API.kinds, 60_000);
  const resources = props.release.resources;
  if (resources.length === 0) return <p className="muted">{t('apps|The manifest names no resources.')}</p>;
  return (
    <div className="card section__scroll">
      <table className="table" data-testid="release-resources">
        <thead>
          <tr>
            <th>{t('apps|Kind')}</th>
            <th>{t('apps|Name')}</th>
            <th>{t('apps|Status')}</th>
          </tr>
        </thead>
        <tbody>
          {resources.map((res) => {
            const url = kinds.data ? objectUrl(kinds.data.kinds, res) : null;
            const label = `${res.namespace ? `${res.namespace}/` : ''}${res.name}`;
            return (
              <tr key={`${res.group}/${res.resource}/${label}`} data-testid="release-resource" data-kind={res.kind}>
                <td>{res.kind}</td>
                <td>{url ? <Link to={url}>{label}</Link> : label}</td>
                <td>
                  {res.status ? (
                    <span className={`sev sev--${res.status.severity}`}>{res.status.text}</span>
                  ) : (
                    <span className="muted">{t('apps|not found')}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A chart's page in one repository (for its versions), once the repository is known. */
function useChartIn(repo: string | null, name: string): ChartDetail | undefined {
  const [loaded, setLoaded] = useState<{ repo: string; chart: ChartDetail } | undefined>(undefined);
  useEffect(() => {
    let current = true;
    if (!repo) return;
    getJson<ChartDetail>(APPS_API.chart(repo, name))
      .then((chart) => {
        if (current) setLoaded({ repo, chart });
      })
      .catch(() => {
        // Without the chart in that repository, the upgrade keeps the release's own version only.
      });
    return () => {
      current = false;
    };
  }, [name, repo]);
  // Another repository's versions are not this one's: only the chosen repository's page counts.
  return loaded && loaded.repo === repo ? loaded.chart : undefined;
}

/** The repositories that have a chart of this name, for a release that does not record its own. */
function useRepositoriesWithChart(name: string, wanted: boolean): string[] {
  const [repos, setRepos] = useState<string[]>([]);
  useEffect(() => {
    let current = true;
    if (!wanted) return;
    getJson<ChartList>(APPS_API.charts(name, '', 20))
      .then((found) => {
        const names = found.items.filter((c) => c.name === name).map((c) => c.repo);
        if (current) setRepos([...new Set(names)]);
      })
      .catch(() => {
        // No catalogue: the person cannot choose, and the server says why on submit.
      });
    return () => {
      current = false;
    };
  }, [name, wanted]);
  return repos;
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const submit = async (e: { preventDefault: () => void }) => {
    e.preventDefault();
    const path = APPS_API.upgrade(r.namespace, r.name);
    setBusy(true);
    setError(undefined);
    try {
      props.onStarted(await requestJson<AppOperation>('POST', path, { body: { json: { version, values, repo: repo ?? undefined } } }));
    } catch (err) {
      setError(toApiError(err, `POST ${path}`));
    } finally {
      setBusy(false);
    }
  };
  const versions = chart?.versions.map((v) => v.version) ?? [r.chartVersion];
  return (
    <form className="card" onSubmit={(e) => void submit(e)} data-testid="upgrade-form">
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
      <CodeEditor value={values} onChange={setValues} label={t('apps|Values (YAML)')} />
      <button type="submit" className="button button--primary" disabled={busy || props.disabled || repo === null} data-testid="upgrade-submit">
        {t('apps|Upgrade')}
      </button>
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  if (choices.length === 0) return <p className="card muted">{t('apps|There is no earlier revision to roll back to.')}</p>;
  const run = async () => {
    const path = APPS_API.rollback(r.namespace, r.name);
    setBusy(true);
    setError(undefined);
    try {
      props.onStarted(await requestJson<AppOperation>('POST', path, { body: { json: { revision } } }));
      setConfirming(false);
    } catch (err) {
      setError(toApiError(err, `POST ${path}`));
    } finally {
      setBusy(false);
    }
  };
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
          <button type="button" className="button button--primary" disabled={busy || props.disabled} onClick={() => void run()} data-testid="rollback-confirm">
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const run = async (e: { preventDefault: () => void }) => {
    e.preventDefault();
    if (typed !== r.name) return;
    const path = APPS_API.release(r.namespace, r.name);
    setBusy(true);
    setError(undefined);
    try {
      props.onStarted(await requestJson<AppOperation>('DELETE', path));
    } catch (err) {
      setError(toApiError(err, `DELETE ${path}`));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void run(e)} data-testid="uninstall-form">
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
  const release = useResource<ReleaseDetail>(APPS_API.release(namespace, name), 10_000);
  const helm = useHelm();
  const [tab, setTab] = useState<Tab>('overview');
  const [action, setAction] = useState<Action | null>(null);
  const [started, setStarted] = useState<AppOperation | null>(null);
  const { operation, error: followError } = useOperation(started);
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
  const helmReason = helm.info && !helm.info.available ? helm.info.reason : null;
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
          {r && (
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
          <div className="tabs" role="tablist">
            {(['overview', 'values', 'manifest', 'history'] as Tab[]).map((k) => (
              <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'tabs__tab tabs__tab--active' : 'tabs__tab'} data-testid={`release-tab-${k}`} onClick={() => { setTab(k); }}>
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
