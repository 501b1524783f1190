//! Image registries: the ImageRegistry resources and the registries the pods' pull secrets log in
//! to, each opened to browse; a registry is added here.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { requestJson } from '../../lib/api/client';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import './registries.css';
import { REGISTRIES_API, REGISTRIES_URL, type RegistryList, type RegistryRequest } from '../../lib/registries/types';
import { RequestError, Warnings } from '../apps/common';

function AddRegistry(props: { onAdded: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [plainHttp, setPlainHttp] = useState(false);
  const add = useMutation({
    mutationFn: (body: RegistryRequest) => requestJson('POST', REGISTRIES_API.registries, { body: { json: body } }),
    onSuccess: () => {
      setName('');
      setUrl('');
      setSecret('');
      props.onAdded();
    },
  });
  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    const [secretNamespace = '', secretName = ''] = secret.includes('/') ? secret.split('/', 2) : ['', secret];
    add.mutate({
      name,
      url,
      plainHttp: plainHttp ? true : undefined,
      secretRef: secretName ? { namespace: secretNamespace, name: secretName } : undefined,
    });
  };
  return (
    <form className="card repo-form" onSubmit={submit} data-testid="registry-add" noValidate>
      <h2 className="section__title">{t('registries|Add a registry')}</h2>
      <div className="form-grid">
        <label className="form-field">
          <span>{t('registries|Name')}</span>
          <input className="input" value={name} data-testid="registry-name" onChange={(e) => { setName(e.target.value); }} />
        </label>
        <label className="form-field">
          <span>{t('registries|URL')}</span>
          <input className="input" value={url} placeholder="https://registry.example.com" data-testid="registry-url" onChange={(e) => { setUrl(e.target.value); }} />
        </label>
        <label className="form-field">
          <span>{t('registries|Credentials Secret (namespace/name, keys username and password; optional)')}</span>
          <input className="input" value={secret} data-testid="registry-secret" onChange={(e) => { setSecret(e.target.value); }} />
        </label>
        <label className="form-field form-field--check">
          <input type="checkbox" checked={plainHttp} data-testid="registry-plain-http" onChange={(e) => { setPlainHttp(e.target.checked); }} />
          <span>{t('registries|The registry speaks plain HTTP (no TLS): its login crosses the network unencrypted')}</span>
        </label>
      </div>
      <button type="submit" className="button button--primary" disabled={add.isPending} data-testid="registry-add-submit">
        {t('registries|Add registry')}
      </button>
      {add.error && <RequestError title={t('registries|The registry was not added')} error={add.error} />}
    </form>
  );
}

export default function RegistriesPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('registries|Image registries'));
  const list = useApiQuery<RegistryList>(REGISTRIES_API.registries, 30_000);
  const items = list.data?.items ?? [];
  return (
    <section className="page apps-page registries-page" data-testid="registries-page">
      <header className="page__header">
        <h1 className="page__title">{t('registries|Image registries')}</h1>
        <p className="page__subtitle">{t('registries|Registries added as ImageRegistry resources, and those the pull secrets of your pods log in to.')}</p>
      </header>
      <Warnings warnings={list.data?.warnings} />
      {list.error && <ErrorPanel title={t('registries|The registries could not be loaded')} error={list.error} onRetry={list.retry} />}
      {!list.data && !list.error && <p className="page__loading">{t('registries|Loading…')}</p>}
      {list.data && (
        <div className="card section__scroll">
          <Table
            testId="registry-table"
            rows={items}
            rowKey={(r) => r.name}
            rowAttributes={(r) => ({ 'data-testid': 'registry-row', 'data-registry': r.name })}
            empty={<p className="empty">{t('registries|No registries yet: add one below.')}</p>}
            columns={[
              {
                id: 'name',
                header: t('registries|Name'),
                cell: (r) => (r.problem ? <strong>{r.name}</strong> : <Link to={REGISTRIES_URL.registry(r.name)}><strong>{r.name}</strong></Link>),
              },
              { id: 'url', header: t('registries|URL'), className: 'mono break', cell: (r) => r.url },
              {
                id: 'source',
                header: t('registries|Found in'),
                cell: (r) =>
                  r.source === 'resource'
                    ? t('registries|ImageRegistry resource')
                    : t('registries|pull secret {{secret}}', { secret: `${r.secretRef?.namespace ?? ''}/${r.secretRef?.name ?? ''}` }),
              },
              { id: 'problem', header: t('registries|Problem'), className: 'break', cell: (r) => r.problem ?? '' },
            ]}
          />
        </div>
      )}
      {list.data?.create.allowed && <AddRegistry onAdded={list.retry} />}
      {list.data && !list.data.create.allowed && (
        <p className="empty">{t('registries|You may not add registries: {{reason}}', { reason: list.data.create.reason ?? '' })}</p>
      )}
    </section>
  );
}
