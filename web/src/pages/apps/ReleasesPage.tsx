//! Every Helm release the person may see, read from Helm's own release Secrets.

import { Link } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useNamespace } from '../../hooks/useNamespace';
import { useResource } from '../../hooks/useResource';
import { APPS_API, APPS_URL, type ReleaseList } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { AppsTabs, StatusTag, Warnings, When } from './common';

export function ProtectedBadge(props: { reason: string | null }) {
  const { t } = useTranslation();
  return (
    <span className="tag tag--protected" title={props.reason ?? undefined} data-testid="protected-badge">
      {t('apps|protected')}
    </span>
  );
}

export default function ReleasesPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('apps|Releases'));
  const [namespace] = useNamespace();
  const releases = useResource<ReleaseList>(APPS_API.releases(namespace), 10_000);
  const items = releases.data?.items ?? [];
  return (
    <section className="page apps-page" data-testid="apps-releases">
      <header className="page__header">
        <h1 className="page__title">{t('apps|Releases')}</h1>
        <p className="page__subtitle">
          {namespace ? t('apps|Helm releases in namespace {{namespace}}.', { namespace }) : t('apps|Helm releases in every namespace you may see.')}
        </p>
      </header>
      <AppsTabs />
      <Warnings warnings={releases.data?.warnings} />
      {releases.error && <ErrorPanel title={t('apps|The releases could not be loaded')} error={releases.error} onRetry={releases.retry} />}
      {!releases.data && !releases.error && <p className="page__loading">{t('apps|Loading releases…')}</p>}
      {releases.data && items.length === 0 && (
        <p className="empty" data-testid="releases-empty">
          {t('apps|No releases here yet.')} <Link to={APPS_URL.catalogue}>{t('apps|Install one from the catalogue')}</Link>
        </p>
      )}
      {items.length > 0 && (
        <div className="card section__scroll">
          <table className="table" data-testid="release-table">
            <thead>
              <tr>
                <th>{t('apps|Name')}</th>
                <th>{t('apps|Namespace')}</th>
                <th>{t('apps|Status')}</th>
                <th>{t('apps|Chart')}</th>
                <th>{t('apps|App version')}</th>
                <th className="num">{t('apps|Revision')}</th>
                <th>{t('apps|Updated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={`${r.namespace}/${r.name}`} data-testid="release-row" data-release={`${r.namespace}/${r.name}`}>
                  <td>
                    <Link to={APPS_URL.release(r.namespace, r.name)}>
                      <strong>{r.name}</strong>
                    </Link>{' '}
                    {r.protected.protected && <ProtectedBadge reason={r.protected.reason} />}
                  </td>
                  <td>{r.namespace}</td>
                  <td>
                    <StatusTag status={r.status} />
                  </td>
                  <td>
                    {r.chart}-{r.chartVersion}
                  </td>
                  <td>{r.appVersion ?? '—'}</td>
                  <td className="num">{r.revision}</td>
                  <td>
                    <When time={r.updated} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
