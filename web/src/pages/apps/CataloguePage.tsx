//! The app store's catalogue: every chart of every repository, searched on the server as the
//! person types, filtered by repository.

import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useResource } from '../../hooks/useResource';
import { APPS_API, APPS_URL, type ChartList, type RepositoryList } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { AppsTabs } from './common';

/** How long typing must pause before the server is asked. */
export const SEARCH_DEBOUNCE_MS = 250;

export function ChartIcon(props: { icon: string | null; name: string; size?: number }) {
  const [broken, setBroken] = useState(false);
  const size = props.size ?? 40;
  if (!props.icon || broken || !/^(https?:|data:image\/)/i.test(props.icon)) {
    return (
      <span className="chart-icon chart-icon--letter" style={{ width: size, height: size }} aria-hidden="true">
        {props.name.slice(0, 1).toUpperCase()}
      </span>
    );
  }
  return (
    <img
      className="chart-icon"
      src={props.icon}
      width={size}
      height={size}
      alt=""
      loading="lazy"
      referrerPolicy="no-referrer"
      onError={() => {
        setBroken(true);
      }}
    />
  );
}

export default function CataloguePage() {
  const { t } = useTranslation();
  useDocumentTitle(t('apps|Apps'));
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const repo = params.get('repo') ?? '';
  const [typed, setTyped] = useState(q);

  useEffect(() => {
    if (typed === q) return;
    const timer = setTimeout(() => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (typed) next.set('q', typed);
          else next.delete('q');
          return next;
        },
        { replace: true },
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [typed, q, setParams]);

  const charts = useResource<ChartList>(APPS_API.charts(q, repo), 0);
  const repositories = useResource<RepositoryList>(APPS_API.repositories, 30_000);

  return (
    <section className="page apps-page" data-testid="apps-catalogue">
      <header className="page__header">
        <h1 className="page__title">{t('apps|Apps')}</h1>
        <p className="page__subtitle">{t('apps|Helm charts from the repositories this cluster knows.')}</p>
      </header>
      <AppsTabs />
      <div className="filters">
        <label className="filters__field">
          <span className="filters__label">{t('apps|Search')}</span>
          <input
            className="input input--wide"
            type="search"
            value={typed}
            placeholder={t('apps|Name, keyword or description')}
            data-testid="chart-search"
            onChange={(e) => {
              setTyped(e.target.value);
            }}
          />
        </label>
        <label className="filters__field">
          <span className="filters__label">{t('apps|Repository')}</span>
          <select
            className="select"
            value={repo}
            data-testid="chart-repo-filter"
            onChange={(e) => {
              const value = e.target.value;
              setParams(
                (prev) => {
                  const next = new URLSearchParams(prev);
                  if (value) next.set('repo', value);
                  else next.delete('repo');
                  return next;
                },
                { replace: true },
              );
            }}
          >
            <option value="">{t('apps|All repositories')}</option>
            {(repositories.data?.items ?? []).map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        {charts.data && (
          <span className="filter-note" data-testid="chart-count">
            {t('apps|{{shown}} of {{total}} charts', { shown: charts.data.items.length, total: charts.data.total })}
          </span>
        )}
      </div>
      {repositories.data?.items.some((r) => r.status.state === 'error') && (
        <p className="apps-notice" role="status">
          {t('apps|Some repositories failed to sync; their charts are missing.')} <Link to={APPS_URL.repositories}>{t('apps|See repositories')}</Link>
        </p>
      )}
      {charts.error && <ErrorPanel title={t('apps|The charts could not be loaded')} error={charts.error} onRetry={charts.retry} />}
      {!charts.data && !charts.error && <p className="page__loading">{t('apps|Loading charts…')}</p>}
      {charts.data && charts.data.items.length === 0 && (
        <p className="empty" data-testid="charts-empty">
          {q ? t('apps|No chart matches “{{q}}”.', { q }) : t('apps|No charts yet: add a repository, or wait for its first sync.')}
        </p>
      )}
      {charts.data && charts.data.items.length > 0 && (
        <ul className="chart-grid" data-testid="chart-grid">
          {charts.data.items.map((c) => (
            <li key={`${c.repo}/${c.name}`} className={c.deprecated ? 'chart-card chart-card--deprecated' : 'chart-card'} data-testid="chart-card" data-chart={`${c.repo}/${c.name}`}>
              <Link to={APPS_URL.chart(c.repo, c.name)} className="chart-card__link">
                <ChartIcon icon={c.icon} name={c.name} />
                <span className="chart-card__body">
                  <span className="chart-card__title">
                    <strong>{c.name}</strong>
                    {c.deprecated && <span className="tag tag--warn">{t('apps|Deprecated')}</span>}
                  </span>
                  <span className="chart-card__meta muted">
                    {c.repo} · {c.version}
                    {c.appVersion ? ` · ${t('apps|app {{version}}', { version: c.appVersion })}` : ''}
                  </span>
                  <span className="chart-card__description">{c.description ?? t('apps|No description.')}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
