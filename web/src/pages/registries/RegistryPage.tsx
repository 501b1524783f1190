//! One registry's repositories: its catalog, or the repositories the cluster's workloads use from
//! it when the registry keeps its catalog to itself.

import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import './registries.css';
import { REGISTRIES_API, REGISTRIES_URL, type ImageRepositoryList } from '../../lib/registries/types';
import { Warnings } from '../apps/common';

export default function RegistryPage() {
  const { t } = useTranslation();
  const { name = '' } = useParams();
  useDocumentTitle(name);
  const [filter, setFilter] = useState('');
  const list = useApiQuery<ImageRepositoryList>(REGISTRIES_API.repositories(name), 0);
  const items = (list.data?.items ?? []).filter((r) => r.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section className="page apps-page registries-page" data-testid="registry-page">
      <header className="page__header">
        <p className="page__crumbs"><Link to={REGISTRIES_URL.list}>{t('registries|Image registries')}</Link></p>
        <h1 className="page__title">{name}</h1>
        <p className="page__subtitle mono">{list.data?.registry.url}</p>
      </header>
      <Warnings warnings={list.data?.warnings} />
      {list.error && <ErrorPanel title={t('registries|The repositories could not be loaded')} error={list.error} onRetry={list.retry} />}
      {!list.data && !list.error && <p className="page__loading">{t('registries|Loading…')}</p>}
      {list.data && (
        <div className="card">
          <input className="input" value={filter} placeholder={t('registries|Filter repositories')} data-testid="repository-filter" onChange={(e) => { setFilter(e.target.value); }} />
          <p className="page__subtitle">
            {list.data.catalog ? t('registries|From the registry’s catalog.') : t('registries|The registry does not list its repositories: these are the ones the cluster’s workloads use.')}
            {list.data.truncated && ` ${t('registries|Only the first 10,000 are shown.')}`}
          </p>
          <Table
            testId="repository-table"
            rows={items}
            rowKey={(r) => r.name}
            rowAttributes={(r) => ({ 'data-testid': 'repository-row', 'data-repository': r.name })}
            empty={<p className="empty">{t('registries|No repositories.')}</p>}
            columns={[{ id: 'name', header: t('registries|Repository'), cell: (r) => <Link to={REGISTRIES_URL.tags(name, r.name)}>{r.name}</Link> }]}
          />
        </div>
      )}
    </section>
  );
}
