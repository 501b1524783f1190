//! What a detail page leads with when something is wrong: for a pod, each troubled container's
//! state and last state (reason, exit code, when), the last lines its failed run wrote, and the
//! latest warnings; for a workload, its unavailable replicas, the pods behind them and why.

import { Link } from 'react-router';
import { Age } from '../Age';
import { useLog } from '../../hooks/useLog';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { objectUrl, relatedPods, type Container, type ContainerState, type Detail, type DetailEvent } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';

/** Lines of the failed run shown under a crashed container. */
const FAILED_RUN_LINES = 20;
/** Warnings shown at most. */
const WARNINGS = 3;

/** Whether a container needs a look: not running, not ready, or its last run failed. */
export function containerTrouble(c: Container): boolean {
  const s = c.state;
  if (!s) return false;
  if (s.state === 'waiting') return true;
  if (s.state === 'terminated') return s.exitCode !== 0;
  if (c.ready === false) return true;
  return failedRun(c.lastState) !== null;
}

/** A terminated state that ended in failure (a non-zero exit code or a signal), else null. */
function failedRun(state: ContainerState | null): ContainerState | null {
  if (!state || state.state !== 'terminated') return null;
  return state.exitCode !== 0 || state.signal !== null ? state : null;
}

/** The latest warning events, newest first (the server sends events newest first). */
function latestWarnings(events: DetailEvent[]): DetailEvent[] {
  return events.filter((e) => e.type === 'Warning').slice(0, WARNINGS);
}

function Terminated(props: { state: ContainerState }) {
  const { t } = useTranslation();
  const s = props.state;
  return (
    <>
      <strong className="sev sev--error">{s.reason ?? t('details|Terminated')}</strong>
      {s.exitCode !== null && <> · {t('details|exit code {{code}}', { code: s.exitCode })}</>}
      {s.signal !== null && <> · {t('details|signal {{signal}}', { signal: s.signal })}</>}
      {s.finishedAt && (
        <>
          {' · '}
          {t('details|ended')} <Age timestamp={s.finishedAt} />
        </>
      )}
      {s.message && <div className="diagnosis__message mono">{s.message}</div>}
    </>
  );
}

/** The last lines of the run that failed (`previous=true` when the container has restarted since). */
function FailedRunLog(props: { namespace: string; pod: string; container: string; previous: boolean }) {
  const { t } = useTranslation();
  const params = new URLSearchParams({ container: props.container, tailLines: String(FAILED_RUN_LINES) });
  if (props.previous) params.set('previous', 'true');
  const { log, error } = useLog(`api/v1/logs/${encodeURIComponent(props.namespace)}/${encodeURIComponent(props.pod)}?${params.toString()}`, 'pod', false);
  return (
    <div className="diagnosis__log" data-testid="diagnosis-log">
      <div className="muted">{t('details|The last lines of the failed run')}</div>
      {error ? (
        <div className="warning-box" role="status">
          {t('details|Could not read its log: {{message}}', { message: error.message })}
        </div>
      ) : !log ? (
        <p className="muted">{t('shell|Loading…')}</p>
      ) : log.lines.length === 0 ? (
        <p className="muted">{t('details|It wrote nothing.')}</p>
      ) : (
        <pre className="log-lines mono">{log.lines.map((l) => l.line).join('\n')}</pre>
      )}
    </div>
  );
}

function ContainerDiagnosis(props: { container: Container; namespace: string; pod: string }) {
  const { t } = useTranslation();
  const c = props.container;
  const s = c.state;
  const lastFailed = failedRun(c.lastState);
  const nowFailed = s?.state === 'terminated' ? failedRun(s) : null;
  return (
    <li className="diagnosis__container" data-testid="diagnosis-container" data-container={c.name}>
      <div>
        <strong>{c.name}</strong>
        {': '}
        {s?.state === 'waiting' && (
          <>
            <strong className={/BackOff|Err|Invalid/.test(s.reason ?? '') ? 'sev sev--error' : 'sev sev--progressing'}>{s.reason ?? t('details|Waiting')}</strong>
            {s.message && <div className="diagnosis__message mono">{s.message}</div>}
          </>
        )}
        {s?.state === 'running' && (
          <>
            <span className="sev sev--warning">{c.ready === false ? t('details|Running, not ready') : t('details|Running')}</span>{' '}
            <span className="muted">
              {t('details|since')} <Age timestamp={s.startedAt} />
            </span>
          </>
        )}
        {nowFailed && <Terminated state={nowFailed} />}
      </div>
      {lastFailed && (
        <div data-testid="diagnosis-last-state">
          <span className="muted">{t('details|Last run:')}</span> <Terminated state={lastFailed} />
        </div>
      )}
      {(c.restartCount ?? 0) > 0 && <div className="muted">{c.restartCount === 1 ? t('details|Restarted once') : t('details|Restarted {{count}} times', { count: c.restartCount ?? 0 })}</div>}
      {(lastFailed || nowFailed) && <FailedRunLog namespace={props.namespace} pod={props.pod} container={c.name} previous={!nowFailed} />}
    </li>
  );
}

function Warnings(props: { events: DetailEvent[] }) {
  const { t } = useTranslation();
  if (props.events.length === 0) return null;
  return (
    <div data-testid="diagnosis-warnings">
      <h3 className="diagnosis__subtitle">{t('details|Latest warnings')}</h3>
      <ul className="plain">
        {props.events.map((e, i) => (
          <li key={`${e.reason ?? ''}-${String(i)}`} data-testid="diagnosis-warning">
            <strong className="sev sev--warning">{e.reason}</strong> {e.message} {e.count > 1 && <span className="muted">×{e.count} </span>}
            <span className="muted">
              <Age timestamp={e.lastSeen ?? e.firstSeen} />
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A pod's diagnosis, or nothing when it is healthy. */
export function PodDiagnosis(props: { detail: Detail }) {
  const { t } = useTranslation();
  const { detail } = props;
  const summary = detail.summary;
  if (summary?.type !== 'Pod') return null;
  const troubled = [...summary.initContainers, ...summary.containers].filter(containerTrouble);
  const warnings = latestWarnings(detail.events);
  const phaseBad = summary.phase === 'Failed' || summary.phase === 'Pending' || summary.phase === 'Unknown';
  if (troubled.length === 0 && warnings.length === 0 && !phaseBad) return null;
  return (
    <section className="card section section--wide diagnosis" data-testid="diagnosis" aria-labelledby="diagnosis-title">
      <h2 className="section__title" id="diagnosis-title">
        {t('details|Why this pod is not healthy')}
        {summary.status && <span className="tag tag--bad">{summary.status}</span>}
      </h2>
      <div className="section__body">
        {troubled.length > 0 && (
          <ul className="plain diagnosis__containers">
            {troubled.map((c) => (
              <ContainerDiagnosis key={c.name} container={c} namespace={detail.metadata.namespace ?? ''} pod={detail.metadata.name} />
            ))}
          </ul>
        )}
        <Warnings events={warnings} />
      </div>
    </section>
  );
}

/** Kinds whose replicas are meant to be available all the time (not a Job's completions). */
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);

/** A workload's unavailable replicas, the pods that are not running well, and its warnings. */
export function WorkloadDiagnosis(props: { detail: Detail; kinds: readonly Kind[] }) {
  const { t } = useTranslation();
  const { detail } = props;
  const summary = detail.summary;
  if (!summary || !REPLICATED.has(summary.type) || !('replicas' in summary) || !summary.replicas) return null;
  const r = summary.replicas;
  const desired = r.desired ?? 0;
  const available = r.available ?? r.ready ?? 0;
  const unavailable = Math.max(0, desired - available);
  const warnings = latestWarnings(detail.events);
  const failing = detail.conditions.filter((c) => (c.type === 'Available' || c.type === 'Progressing' || c.type === 'ReplicaFailure') && (c.type === 'ReplicaFailure' ? c.status === 'True' : c.status === 'False'));
  if (unavailable === 0 && failing.length === 0) return null;
  // A pod's STATUS says "Running" between two crashes, so every pod is listed (the troubled first)
  // and its own page says why.
  const pods = relatedPods(detail).filter((p) => p.status !== 'Completed');
  const troubled = (p: { status?: string | null }) => p.status !== 'Running';
  const badPods = [...pods.filter(troubled), ...pods.filter((p) => !troubled(p))].slice(0, 10);
  return (
    <section className="card section section--wide diagnosis" data-testid="diagnosis" aria-labelledby="diagnosis-title">
      <h2 className="section__title" id="diagnosis-title">
        {unavailable > 0 ? t('details|{{unavailable}} of {{desired}} replicas unavailable', { unavailable, desired }) : t('details|This workload is not progressing')}
      </h2>
      <div className="section__body">
        {failing.length > 0 && (
          <ul className="plain">
            {failing.map((c) => (
              <li key={c.type} data-testid="diagnosis-condition">
                <strong className="sev sev--warning">
                  {c.type} {c.status}
                </strong>{' '}
                {c.reason && <span className="mono">{c.reason}</span>} {c.message}
              </li>
            ))}
          </ul>
        )}
        {badPods.length > 0 && (
          <div data-testid="diagnosis-pods">
            <h3 className="diagnosis__subtitle">{t('details|Its pods')}</h3>
            <ul className="plain">
              {badPods.map((p) => {
                const url = objectUrl(props.kinds, p);
                return (
                  <li key={p.path} data-testid="diagnosis-pod">
                    {url ? <Link to={url}>{p.name}</Link> : p.name} <span className={troubled(p) ? 'sev sev--error' : 'sev sev--neutral'}>{p.status ?? '—'}</span>
                  </li>
                );
              })}
            </ul>
          </div>
        )}
        <Warnings events={warnings} />
      </div>
    </section>
  );
}
