//! One chart: its README, versions, default values, maintainers, sources and dependencies, and
//! the way to install it.

import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useApiQuery } from '../../hooks/useApiQuery';
import { APPS_API, APPS_URL, type ChartDetail } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { ChartIcon } from './CataloguePage';
import { AppsTabs, useHelmProblemText, When } from './common';
import { DependencyGraph } from './DependencyGraph';
import { Readme } from './Readme';

function safeHref(url: string | null | undefined): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

function ExternalLink(props: { url: string }) {
  const href = safeHref(props.url);
  if (!href) return <span className="break">{props.url}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" className="break">
      {props.url}
    </a>
  );
}

export default function ChartPage() {
  const { t } = useTranslation();
  const helmProblem = useHelmProblemText();
  const { repo = '', chart = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const version = params.get('version') ?? '';
  useDocumentTitle(chart);
  const detail = useApiQuery<ChartDetail>(APPS_API.chart(repo, chart, version || undefined), 0);
  const c = detail.data;

  return (
    <section className="page apps-page" data-testid="chart-page">
      <AppsTabs />
      {detail.error && <ErrorPanel title={t('apps|The chart could not be loaded')} error={detail.error} onRetry={detail.retry} />}
      {!c && !detail.error && <p className="page__loading">{t('apps|Loading the chart…')}</p>}
      {c && (
        <>
          <header className="chart-head">
            <ChartIcon icon={c.icon} name={c.name} size={56} />
            <div className="chart-head__text">
              <h1 className="page__title">
                {c.name} {c.deprecated && <span className="tag tag--warn">{t('apps|Deprecated')}</span>}
              </h1>
              <p className="page__subtitle">{c.description}</p>
              <p className="muted">
                {t('apps|Repository {{repo}}', { repo: c.repo })} · {t('apps|chart {{version}}', { version: c.version })}
                {c.appVersion ? ` · ${t('apps|app {{version}}', { version: c.appVersion })}` : ''}
              </p>
            </div>
            <div className="chart-head__actions">
              {c.install.available ? (
                <Link className="button button--primary" to={APPS_URL.install(c.repo, c.name, version || undefined)} data-testid="chart-install">
                  {t('apps|Install')}
                </Link>
              ) : (
                <>
                  <button type="button" className="button button--primary" disabled data-testid="chart-install" title={helmProblem(c.install.problem) ?? c.install.reason ?? undefined}>
                    {t('apps|Install')}
                  </button>
                  <small className="action__reason" data-testid="install-unavailable">
                    {helmProblem(c.install.problem) ?? c.install.reason ?? t('apps|Installing is not available.')}
                  </small>
                </>
              )}
            </div>
          </header>
          <div className="chart-layout">
            <div className="chart-layout__main">
              <section className="card">
                <h2 className="section__title">{t('apps|README')}</h2>
                {c.readme ? <Readme source={c.readme} /> : <p className="muted">{t('apps|This chart has no README.')}</p>}
              </section>
              <section className="card">
                <h2 className="section__title">{t('apps|Dependencies')}</h2>
                <DependencyGraph chart={c.name} version={c.version} dependencies={c.dependencies} />
              </section>
              <section className="card">
                <details>
                  <summary className="section__title">{t('apps|Default values')}</summary>
                  <pre className="apps-pre" data-testid="chart-values">{c.values || t('apps|(none)')}</pre>
                </details>
              </section>
            </div>
            <aside className="chart-layout__side">
              <section className="card">
                <label className="form-field">
                  <span>{t('apps|Version')}</span>
                  <select
                    className="select"
                    value={version || c.version}
                    data-testid="chart-version"
                    onChange={(e) => {
                      const v = e.target.value;
                      setParams((prev) => {
                        const next = new URLSearchParams(prev);
                        next.set('version', v);
                        return next;
                      });
                    }}
                  >
                    {c.versions.map((v) => (
                      <option key={v.version} value={v.version}>
                        {v.version}
                        {v.appVersion ? ` (${v.appVersion})` : ''}
                      </option>
                    ))}
                  </select>
                </label>
                {c.versions.find((v) => v.version === c.version)?.created && (
                  <p className="muted">
                    {t('apps|Published')} <When time={c.versions.find((v) => v.version === c.version)?.created} />
                  </p>
                )}
              </section>
              <section className="card">
                <dl className="fields chart-facts">
                  {c.home && (
                    <>
                      <dt>{t('apps|Home')}</dt>
                      <dd>
                        <ExternalLink url={c.home} />
                      </dd>
                    </>
                  )}
                  {c.sources.length > 0 && (
                    <>
                      <dt>{t('apps|Sources')}</dt>
                      <dd>
                        <ul className="plain">
                          {c.sources.map((s) => (
                            <li key={s}>
                              <ExternalLink url={s} />
                            </li>
                          ))}
                        </ul>
                      </dd>
                    </>
                  )}
                  {c.maintainers.length > 0 && (
                    <>
                      <dt>{t('apps|Maintainers')}</dt>
                      <dd>
                        <ul className="plain" data-testid="chart-maintainers">
                          {c.maintainers.map((m) => (
                            <li key={`${m.name}-${m.email ?? ''}`}>
                              {safeHref(m.url) ? (
                                <a href={safeHref(m.url)} target="_blank" rel="noopener noreferrer">
                                  {m.name}
                                </a>
                              ) : (
                                m.name
                              )}
                              {m.email && (
                                <>
                                  {' '}
                                  <a className="muted" href={`mailto:${m.email}`}>
                                    {m.email}
                                  </a>
                                </>
                              )}
                            </li>
                          ))}
                        </ul>
                      </dd>
                    </>
                  )}
                  {c.keywords.length > 0 && (
                    <>
                      <dt>{t('apps|Keywords')}</dt>
                      <dd className="labels">
                        {c.keywords.map((k) => (
                          <Link key={k} className="tag" to={`${APPS_URL.catalogue}?q=${encodeURIComponent(k)}`}>
                            {k}
                          </Link>
                        ))}
                      </dd>
                    </>
                  )}
                  <dt>{t('apps|Values schema')}</dt>
                  <dd>{c.valuesSchema ? t('apps|yes: the install form has fields for it') : t('apps|none')}</dd>
                  {c.ingress?.supported && (
                    <>
                      <dt>{t('apps|Ingress')}</dt>
                      <dd>{t('apps|supported ({{path}})', { path: c.ingress.hostPath ?? '' })}</dd>
                    </>
                  )}
                </dl>
              </section>
            </aside>
          </div>
        </>
      )}
    </section>
  );
}
