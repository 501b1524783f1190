//! Logs of a pod's container (follow, previous, search, wrap, download) or the merged logs of a
//! workload's pods. The container and options are in the URL, so a reload shows the same log.

import { useEffect, useMemo, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { useLog } from '../../hooks/useLog';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { containersOf as summaryContainers, type Detail } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';
import { ErrorPanel } from '../ErrorPanel';

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

  const { log, error } = useLog(path, props.mode, follow);
  const lines = useMemo(() => log?.lines ?? [], [log]);
  const warnings = log?.warnings ?? [];
  const ended = log?.ended ?? null;

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
      {error ? null : !log ? (
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
