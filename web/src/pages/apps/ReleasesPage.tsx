//! Every Helm release the person may see, read from Helm's own release Secrets.

import { Link } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { namespacesOf, useNamespace } from '../../hooks/useNamespace';
import { useApiQuery } from '../../hooks/useApiQuery';
import type { Warning } from '../../lib/api/warning';
import { APPS_API, APPS_URL, type ReleaseSummary } from '../../lib/apps/types';
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
  const [selection] = useNamespace();
  // The server reads the chosen namespaces (one, several, or all the person may see).
  const chosen = namespacesOf(selection);
  const releases = useApiQuery<{ items: ReleaseSummary[]; warnings?: Warning[] }>(APPS_API.releases(chosen.join(',')), 10_000);
  const items = releases.data?.items ?? [];
  return (
    <section className="page apps-page" data-testid="apps-releases">
      <header className="page__header">
        <h1 className="page__title">{t('apps|Releases')}</h1>
        <p className="page__subtitle">
          {chosen.length === 1
            ? t('apps|Helm releases in namespace {{namespace}}.', { namespace: chosen[0] ?? '' })
            : chosen.length > 1
              ? t('apps|Helm releases in namespaces {{namespaces}}.', { namespaces: chosen.join(', ') })
              : t('apps|Helm releases in every namespace you may see.')}
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
          <Table
            testId="release-table"
            rows={items}
            rowKey={(r) => `${r.namespace}/${r.name}`}
            rowAttributes={(r) => ({ 'data-testid': 'release-row', 'data-release': `${r.namespace}/${r.name}` })}
            columns={[
              {
                id: 'name',
                header: t('apps|Name'),
                cell: (r) => (
                  <>
                    <Link to={APPS_URL.release(r.namespace, r.name)}>
                      <strong>{r.name}</strong>
                    </Link>{' '}
                    {r.protected.protected && <ProtectedBadge reason={r.protected.reason} />}
                  </>
                ),
              },
              { id: 'namespace', header: t('apps|Namespace'), cell: (r) => r.namespace },
              { id: 'status', header: t('apps|Status'), cell: (r) => <StatusTag status={r.status} /> },
              { id: 'chart', header: t('apps|Chart'), cell: (r) => `${r.chart}-${r.chartVersion}` },
              { id: 'appVersion', header: t('apps|App version'), cell: (r) => r.appVersion ?? '—' },
              { id: 'revision', header: t('apps|Revision'), numeric: true, cell: (r) => r.revision },
              { id: 'updated', header: t('apps|Updated'), cell: (r) => <When time={r.updated} /> },
            ]}
          />
        </div>
      )}
    </section>
  );
}
