//! The chart repositories: each with its sync state and error, added, synced and removed here.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useApiQuery } from '../../hooks/useApiQuery';
import { requestJson } from '../../lib/api/client';
import type { RepositoryRequest } from '../../lib/api/generated';
import type { Warning } from '../../lib/api/warning';
import { APPS_API, type Repository } from '../../lib/apps/types';
import type { MessageKey } from '../../lib/i18n/catalogue';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { AppsTabs, RequestError, StatusTag, Warnings, When } from './common';
import { fieldProblems } from './fieldProblems';

/** What is wrong with the add form before it is sent (the server checks again). */
export function repositoryProblems(name: string, url: string): { name?: MessageKey; url?: MessageKey } {
  const problems: { name?: MessageKey; url?: MessageKey } = {};
  if (!name) problems.name = 'apps|Enter a name.';
  else if (name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) problems.name = "apps|Lowercase letters, digits and '-', starting and ending with a letter or digit.";
  if (!url) problems.url = 'apps|Enter the repository URL.';
  else if (!/^(https?|oci):\/\/[^\s/]+/i.test(url)) problems.url = 'apps|Use an https://, http:// or oci:// URL.';
  return problems;
}

function AddRepository(props: { onAdded: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [interval, setInterval] = useState('3600');
  const [secret, setSecret] = useState('');
  const [ca, setCa] = useState('');
  const [plainHttp, setPlainHttp] = useState(false);
  const oci = url.toLowerCase().startsWith('oci://');
  // A private CA matters only where the repository speaks TLS.
  const tls = url.toLowerCase().startsWith('https://') || (oci && !plainHttp);
  // A login over http:// crosses the network in clear: the server takes it only when said so.
  const loginInClear = url.toLowerCase().startsWith('http://') && secret.trim() !== '';
  const [touched, setTouched] = useState(false);
  const add = useMutation({
    mutationFn: (body: RepositoryRequest) => requestJson('POST', APPS_API.repositories, { body: { json: body } }),
    onSuccess: () => {
      setName('');
      setUrl('');
      setSecret('');
      setCa('');
      setTouched(false);
      props.onAdded();
    },
  });
  const error = add.error ?? undefined;
  const busy = add.isPending;
  const problems = repositoryProblems(name, url);
  const serverProblems = error ? fieldProblems(error.details) : {};

  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    setTouched(true);
    if (problems.name || problems.url) return;
    const [secretNamespace = '', secretName = ''] = secret.includes('/') ? secret.split('/', 2) : ['', secret];
    const [caNamespace = '', caName = ''] = ca.includes('/') ? ca.split('/', 2) : ['', ca];
    add.mutate({
      name,
      url,
      intervalSeconds: Number(interval) || undefined,
      secretRef: secretName ? { namespace: secretNamespace, name: secretName } : undefined,
      caSecretRef: tls && caName ? { namespace: caNamespace, name: caName } : undefined,
      plainHttp: (oci || loginInClear) && plainHttp ? true : undefined,
    });
  };

  return (
    <form className="card repo-form" onSubmit={submit} data-testid="repo-add" noValidate>
      <h2 className="section__title">{t('apps|Add a repository')}</h2>
      <div className="form-grid">
        <label className="form-field">
          <span>{t('apps|Name')}</span>
          <input className="input" value={name} data-testid="repo-name" onChange={(e) => { setName(e.target.value); }} aria-invalid={touched && !!problems.name} />
          {touched && problems.name && <small className="form-field__problem">{t(problems.name)}</small>}
          {serverProblems.name && <small className="form-field__problem">{serverProblems.name}</small>}
        </label>
        <label className="form-field">
          <span>{t('apps|URL')}</span>
          <input className="input" value={url} placeholder="https://charts.example.com or oci://registry.example.com/charts" data-testid="repo-url" onChange={(e) => { setUrl(e.target.value); }} aria-invalid={touched && !!problems.url} />
          {touched && problems.url && <small className="form-field__problem">{t(problems.url)}</small>}
          {serverProblems.url && <small className="form-field__problem">{serverProblems.url}</small>}
        </label>
        <label className="form-field">
          <span>{t('apps|Sync every (seconds)')}</span>
          <input className="input" type="number" min={60} value={interval} onChange={(e) => { setInterval(e.target.value); }} />
        </label>
        <label className="form-field">
          <span>{t('apps|Credentials Secret (namespace/name, optional)')}</span>
          <input className="input" value={secret} onChange={(e) => { setSecret(e.target.value); }} />
        </label>
        {tls && (
          <label className="form-field">
            <span>{t('apps|CA certificate Secret (namespace/name, key ca.crt; optional, for a private CA)')}</span>
            <input className="input" value={ca} data-testid="repo-ca" onChange={(e) => { setCa(e.target.value); }} />
          </label>
        )}
        {(oci || loginInClear) && (
          <label className="form-field form-field--check">
            <input type="checkbox" checked={plainHttp} data-testid="repo-plain-http" onChange={(e) => { setPlainHttp(e.target.checked); }} />
            <span>{oci ? t('apps|The registry speaks plain HTTP (no TLS)') : t('apps|Send the login over plain HTTP (no TLS): anyone on the network can read it')}</span>
          </label>
        )}
      </div>
      <button type="submit" className="button button--primary" disabled={busy} data-testid="repo-add-submit">
        {t('apps|Add repository')}
      </button>
      {error && <RequestError title={t('apps|The repository was not added')} error={error} shownAtFields={['name', 'url']} />}
    </form>
  );
}

/** The repositories, each synced or removed from its row; one change at a time. */
function RepositoryTable(props: { repos: Repository[]; onChanged: () => void }) {
  const { t } = useTranslation();
  /** The repository whose removal is being confirmed. */
  const [confirming, setConfirming] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (request: { repo: string; method: 'POST' | 'DELETE'; path: string }) => requestJson(request.method, request.path),
    onSuccess: () => {
      setConfirming(null);
      props.onChanged();
    },
  });
  const busy = change.isPending;
  const failed = change.isError ? change.variables.repo : null;
  return (
    <Table
      testId="repo-table"
      rows={props.repos}
      rowKey={(repo) => repo.name}
      rowAttributes={(repo) => ({ 'data-testid': 'repo-row', 'data-repo': repo.name })}
      columns={[
        {
          id: 'name',
          header: t('apps|Name'),
          cell: (repo) => (
            <>
              <strong>{repo.name}</strong>
              {repo.kind === 'builtin' && <span className="tag">{t('apps|built in')}</span>}
            </>
          ),
        },
        { id: 'url', header: t('apps|URL'), className: 'mono break', cell: (repo) => repo.url },
        {
          id: 'status',
          header: t('apps|Status'),
          cell: (repo) => (
            <>
              <StatusTag status={repo.status.state} />
              {repo.status.message && (
                <div className={repo.status.state === 'error' ? 'repo-error' : 'muted'} data-testid="repo-message">
                  {repo.status.message}
                </div>
              )}
            </>
          ),
        },
        { id: 'charts', header: t('apps|Charts'), numeric: true, cell: (repo) => repo.status.charts },
        { id: 'lastSync', header: t('apps|Last sync'), cell: (repo) => <When time={repo.status.lastSync} /> },
        {
          id: 'actions',
          header: '',
          className: 'nowrap',
          cell: (repo) => (
            <>
              <button
                type="button"
                className="button button--small"
                disabled={busy || !repo.permissions.sync}
                onClick={() => {
                  change.mutate({ repo: repo.name, method: 'POST', path: APPS_API.sync(repo.name) });
                }}
                data-testid="repo-sync"
              >
                {t('apps|Sync')}
              </button>{' '}
              <button
                type="button"
                className="button button--small button--danger"
                disabled={busy || repo.kind === 'builtin' || !repo.permissions.delete}
                title={repo.kind === 'builtin' ? t('apps|The built-in repository cannot be removed.') : undefined}
                onClick={() => {
                  setConfirming(repo.name);
                }}
                data-testid="repo-remove"
              >
                {t('apps|Remove')}
              </button>
            </>
          ),
        },
      ]}
      below={(repo) =>
        (confirming === repo.name || failed === repo.name) && (
          <>
            {confirming === repo.name && (
              <div className="confirm" role="alertdialog" aria-label={t('apps|Remove repository {{name}}?', { name: repo.name })}>
                <span>{t('apps|Remove repository {{name}}? Its charts leave the catalogue; installed releases stay.', { name: repo.name })}</span>{' '}
                <button
                  type="button"
                  className="button button--small button--danger"
                  disabled={busy}
                  onClick={() => {
                    change.mutate({ repo: repo.name, method: 'DELETE', path: APPS_API.repository(repo.name) });
                  }}
                  data-testid="repo-remove-confirm"
                >
                  {t('apps|Remove')}
                </button>{' '}
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => {
                    setConfirming(null);
                  }}
                >
                  {t('apps|Cancel')}
                </button>
              </div>
            )}
            {failed === repo.name && change.error && <RequestError title={t('apps|The request failed')} error={change.error} />}
          </>
        )
      }
    />
  );
}

export default function RepositoriesPage() {
  const { t } = useTranslation();
  useDocumentTitle(t('apps|Repositories'));
  const repos = useApiQuery<{ items: Repository[]; warnings?: Warning[] }>(APPS_API.repositories, 5_000);
  return (
    <section className="page apps-page" data-testid="apps-repositories">
      <header className="page__header">
        <h1 className="page__title">{t('apps|Repositories')}</h1>
        <p className="page__subtitle">{t('apps|ChartRepository resources (wheelhouse.dev) and the built-in repository.')}</p>
      </header>
      <AppsTabs />
      <Warnings warnings={repos.data?.warnings} />
      {repos.error && <ErrorPanel title={t('apps|The repositories could not be loaded')} error={repos.error} onRetry={repos.retry} />}
      {repos.data && (
        <div className="card section__scroll">
          <RepositoryTable repos={repos.data.items} onChanged={repos.retry} />
        </div>
      )}
      <AddRepository onAdded={repos.retry} />
    </section>
  );
}
