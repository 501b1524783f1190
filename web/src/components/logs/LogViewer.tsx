//! Logs of a pod's container (follow, previous, search, wrap, download) or the merged logs of a
//! workload's pods. The container and options are in the URL, so a reload shows the same log.

import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { getJson, getText } from '../../lib/api/client';
import { ApiError, toApiError } from '../../lib/api/errors';
import { live } from '../../lib/api/live';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { LogLine, WorkloadLogs } from '../../lib/api/generated';
import type { Warning } from '../../lib/api/warning';
import { containersOf as summaryContainers, type Detail } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';
import { ErrorPanel } from '../ErrorPanel';

/** At most this many lines are kept in the page while following. */
const MAX_LINES = 10_000;

export type { LogLine } from '../../lib/api/generated';

function containersOf(detail: Detail): string[] {
  const { initContainers, containers } = summaryContainers(detail.summary);
  return [...initContainers, ...containers].map((c) => c.name);
}

/** The log endpoint and query for the options chosen (followed over the live connection). */
export function logPath(kind: Kind, detail: Detail, mode: 'pod' | 'workload', options: { container: string; previous: boolean; follow: boolean }): string {
  const ns = encodeURIComponent(detail.metadata.namespace ?? '');
  const name = encodeURIComponent(detail.metadata.name);
  const params = new URLSearchParams();
  if (options.container) params.set('container', options.container);
  if (options.previous && mode === 'pod') params.set('previous', 'true');
  if (options.follow) params.set('follow', 'true');
  const base = mode === 'pod' ? `api/v1/logs/${ns}/${name}` : `api/v1/logs/${ns}/workload/${kind.path}/${name}`;
  const query = params.toString();
  return query ? `${base}?${query}` : base;
}

export default function LogViewer(props: { kind: Kind; detail: Detail; mode: 'pod' | 'workload' }) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const containers = containersOf(props.detail);
  const container = params.get('container') ?? (props.mode === 'pod' ? (containers.find((c) => summaryContainers(props.detail.summary).containers.some((x) => x.name === c)) ?? '') : '');
  const follow = params.get('follow') === '1';
  const previous = params.get('previous') === '1';
  const wrap = params.get('wrap') !== '0';
  const search = params.get('search') ?? '';
  const [lines, setLines] = useState<LogLine[]>([]);
  const [warnings, setWarnings] = useState<Warning[]>([]);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [ended, setEnded] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const path = logPath(props.kind, props.detail, props.mode, { container, previous, follow });

  const set = (key: string, value: string) => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  };

  useEffect(() => {
    const controller = new AbortController();
    if (follow) {
      // Followed over the tab's one live connection, like its lists and details.
      const buffer: LogLine[] = [];
      let frame: number | undefined;
      const flush = () => {
        frame = undefined;
        const chunk = buffer.splice(0);
        setLines((current) => {
          const next = current.concat(chunk);
          return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
        });
        setLoaded(path);
      };
      const start = () => {
        buffer.length = 0;
        setLines([]);
        setWarnings([]);
        setError(undefined);
        setEnded(null);
        setLoaded(path);
      };
      start();
      const unsubscribe = live.subscribeLog(path, (event) => {
        switch (event.event) {
          case 'line':
            buffer.push(event.data);
            frame ??= requestAnimationFrame(flush);
            break;
          case 'warning':
            setWarnings((w) => [...w, event.data]);
            break;
          case 'end':
            // As before over SSE: the first stream to end ends the view (a workload's others too).
            setEnded(event.data.reason);
            unsubscribe();
            break;
          case 'error': {
            const { code, reason, message, details } = event.data.error;
            setError(new ApiError({ status: code, reason, message, details, request: `GET ${path}` }));
            break;
          }
          case 'reopened':
            // The connection was lost: the log's tail arrives again.
            start();
            break;
        }
      });
      return () => {
        unsubscribe();
        if (frame !== undefined) cancelAnimationFrame(frame);
        controller.abort();
      };
    }
    const done = (next: LogLine[], w: Warning[]) => {
      setLines(next);
      setWarnings(w);
      setError(undefined);
      setEnded(null);
      setLoaded(path);
    };
    const fail = (e: unknown) => {
      if (controller.signal.aborted) return;
      setError(toApiError(e, `GET ${path}`));
      setLoaded(path);
    };
    if (props.mode === 'pod') {
      getText(path, controller.signal).then((text) => {
        done(text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1).map((line) => ({ line })), []);
      }, fail);
    } else {
      getJson<WorkloadLogs>(path, controller.signal).then((a) => {
        done(a.lines, a.warnings);
      }, fail);
    }
    return () => {
      controller.abort();
    };
  }, [path, follow, props.mode]);

  useEffect(() => {
    if (follow) bottom.current?.scrollIntoView({ block: 'end' });
  }, [lines, follow]);

  const shown = useMemo(() => {
    if (!search) return lines;
    const needle = search.toLowerCase();
    return lines.filter((l) => l.line.toLowerCase().includes(needle));
  }, [lines, search]);

  const download = () => {
    const text = lines.map((l) => (l.pod ? `[${l.pod}/${l.container ?? ''}] ${l.line}` : l.line)).join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${props.detail.metadata.name}${container ? `-${container}` : ''}.log`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="logs" data-testid="logs">
      <div className="filters">
        <label className="filters__field">
          <span className="filters__label">{t('logs|Container')}</span>
          <select className="select select--light" value={container} data-testid="logs-container" onChange={(e) => { set('container', e.target.value); }}>
            {props.mode === 'workload' && <option value="">{t('logs|All containers')}</option>}
            {containers.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="filters__check">
          <input type="checkbox" checked={follow} data-testid="logs-follow" onChange={(e) => { set('follow', e.target.checked ? '1' : ''); }} />
          {t('logs|Follow')}
        </label>
        {props.mode === 'pod' && (
          <label className="filters__check">
            <input type="checkbox" checked={previous} disabled={follow} data-testid="logs-previous" onChange={(e) => { set('previous', e.target.checked ? '1' : ''); }} />
            {t('logs|Previous instance')}
          </label>
        )}
        <label className="filters__check">
          <input type="checkbox" checked={wrap} onChange={(e) => { set('wrap', e.target.checked ? '' : '0'); }} />
          {t('logs|Wrap lines')}
        </label>
        <input className="input" type="search" value={search} placeholder={t('logs|Search')} data-testid="logs-search" onChange={(e) => { set('search', e.target.value); }} />
        <button type="button" className="button button--small" data-testid="logs-download" disabled={lines.length === 0} onClick={download}>
          {t('logs|Download')}
        </button>
        <span className="muted" data-testid="logs-count">
          {search ? t('logs|{{shown}} of {{total}} lines', { shown: shown.length, total: lines.length }) : t('logs|{{total}} lines', { total: lines.length })}
        </span>
      </div>
      {warnings.map((w) => (
        <div key={`${w.reason}:${w.what ?? ''}`} className="warning-box" role="status">
          <strong>{w.reason}</strong> {w.what ? `${w.what}: ` : ''}{w.message}
        </div>
      ))}
      {error && <ErrorPanel title={t('logs|Could not read the log')} error={error} compact />}
      {ended !== null && <p className="muted">{t('logs|The log stream ended: {{reason}}', { reason: ended })}</p>}
      {error ? null : loaded !== path ? (
        <p className="page__loading">{t('shell|Loading…')}</p>
      ) : (
        <pre className={wrap ? 'logs__text logs__text--wrap' : 'logs__text'} data-testid="logs-text">
          {shown.length === 0 ? <span className="muted">{t('logs|No log lines.')}</span> : null}
          {shown.map((l, i) => (
            <div key={i} className="logs__line">
              {l.pod && <span className="logs__source">{`${l.pod}/${l.container ?? ''} `}</span>}
              {l.line}
            </div>
          ))}
          <div ref={bottom} />
        </pre>
      )}
    </div>
  );
}
