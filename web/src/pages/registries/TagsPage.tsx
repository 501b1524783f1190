//! A repository's tags, newest first, searched and paged on the server.

import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import './registries.css';
import { formatBytes, REGISTRIES_API, REGISTRIES_URL, shortDigest, type TagPage } from '../../lib/registries/types';
import { When } from '../apps/common';

const PAGE = 50;

export default function TagsPage() {
  const { t } = useTranslation();
  const { name = '' } = useParams();
  const [params] = useSearchParams();
  const repository = params.get('repository') ?? '';
  useDocumentTitle(repository);
  const [filter, setFilter] = useState('');
  const [offset, setOffset] = useState(0);
  const page = useApiQuery<TagPage>(REGISTRIES_API.tags(name, repository, filter, offset, PAGE), 0, { keepPrevious: true });
  const total = page.data?.total ?? 0;
  return (
    <section className="page apps-page registries-page" data-testid="tags-page">
      <header className="page__header">
        <p className="page__crumbs">
          <Link to={REGISTRIES_URL.list}>{t('registries|Image registries')}</Link> / <Link to={REGISTRIES_URL.registry(name)}>{name}</Link>
        </p>
        <h1 className="page__title mono">{repository}</h1>
        <p className="page__subtitle">{t('registries|Tags, newest first: by when their images were created, else by version.')}</p>
      </header>
      {page.error && <ErrorPanel title={t('registries|The tags could not be loaded')} error={page.error} onRetry={page.retry} />}
      <div className="card">
        <input className="input" value={filter} placeholder={t('registries|Search tags')} data-testid="tag-filter" onChange={(e) => { setFilter(e.target.value); setOffset(0); }} />
        {!page.data && !page.error && <p className="page__loading">{t('registries|Loading…')}</p>}
        {page.data && (
          <>
            <Table
              testId="tag-table"
              rows={page.data.items}
              rowKey={(r) => r.tag}
              rowAttributes={(r) => ({ 'data-testid': 'tag-row', 'data-tag': r.tag })}
              empty={<p className="empty">{t('registries|No tags match.')}</p>}
              columns={[
                { id: 'tag', header: t('registries|Tag'), cell: (r) => <Link to={REGISTRIES_URL.image(name, repository, r.tag)}><strong>{r.tag}</strong></Link> },
                { id: 'digest', header: t('registries|Digest'), className: 'mono', cell: (r) => r.problem ?? shortDigest(r.digest) },
                { id: 'platforms', header: t('registries|Platforms'), cell: (r) => r.platforms.join(', ') },
                { id: 'created', header: t('registries|Created'), cell: (r) => <When time={r.created} /> },
                { id: 'size', header: t('registries|Size'), numeric: true, cell: (r) => (r.totalSize == null ? '' : formatBytes(r.totalSize)) },
              ]}
            />
            <p className="pager">
              <button type="button" className="button" disabled={offset === 0} onClick={() => { setOffset(Math.max(0, offset - PAGE)); }}>{t('registries|Previous')}</button>
              <span data-testid="tag-range">{t('registries|{{from}}–{{to}} of {{total}}', { from: total === 0 ? 0 : offset + 1, to: Math.min(offset + PAGE, total), total })}</span>
              <button type="button" className="button" disabled={offset + PAGE >= total} data-testid="tag-next" onClick={() => { setOffset(offset + PAGE); }}>{t('registries|Next')}</button>
            </p>
          </>
        )}
      </div>
    </section>
  );
}
