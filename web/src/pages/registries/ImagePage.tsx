//! One tag's image: digest, each platform of a multi-arch index, config, layers and size; what
//! runs it in the cluster; deleting the tag (confirmed) and deploying the image.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { requestJson } from '../../lib/api/client';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import './registries.css';
import { formatBytes, REGISTRIES_API, REGISTRIES_URL, shortDigest, type ImageDetail, type ImageUsage } from '../../lib/registries/types';
import { RequestError, Warnings, When } from '../apps/common';

/** Where a workload of a usage row is shown in the resource browser. */
function resourcePath(kind: string, namespace: string, name: string): string {
  const plural = `${kind.toLowerCase()}s`;
  return `/${plural}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

function Usage(props: { registry: string; repository: string; tag: string }) {
  const { t } = useTranslation();
  const usage = useApiQuery<ImageUsage>(REGISTRIES_API.usage(props.registry, props.repository, props.tag), 10_000);
  const label = (m: string) => (m === 'tag' ? t('registries|this tag') : m === 'digest' ? t('registries|this digest') : t('registries|another tag'));
  return (
    <section className="card" data-testid="image-usage">
      <h2 className="section__title">{t('registries|What runs it')}</h2>
      <Warnings warnings={usage.data?.warnings} />
      {usage.error && <ErrorPanel title={t('registries|What runs this image could not be found')} error={usage.error} onRetry={usage.retry} compact />}
      {usage.data && (
        <Table
          testId="usage-table"
          rows={usage.data.items}
          rowKey={(r) => `${r.kind}/${r.namespace}/${r.name}/${r.container}`}
          rowAttributes={(r) => ({ 'data-testid': 'usage-row', 'data-match': r.match, 'data-name': r.name })}
          empty={<p className="empty">{t('registries|No workload or pod you may see uses this repository.')}</p>}
          columns={[
            { id: 'kind', header: t('registries|Kind'), cell: (r) => r.kind },
            { id: 'name', header: t('registries|Name'), cell: (r) => <Link to={resourcePath(r.kind, r.namespace, r.name)}>{r.namespace}/{r.name}</Link> },
            { id: 'container', header: t('registries|Container'), cell: (r) => r.container },
            { id: 'image', header: t('registries|Image'), className: 'mono break', cell: (r) => r.image },
            { id: 'match', header: t('registries|Uses'), cell: (r) => <span className={r.match === 'repository' ? 'tag' : 'tag tag--ok'}>{label(r.match)}</span> },
          ]}
        />
      )}
    </section>
  );
}

function DeleteTag(props: { registry: string; repository: string; tag: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => requestJson('DELETE', REGISTRIES_API.image(props.registry, props.repository, props.tag)),
    onSuccess: () => { void navigate(REGISTRIES_URL.tags(props.registry, props.repository)); },
  });
  if (!confirming) {
    return <button type="button" className="button button--danger" data-testid="tag-delete" onClick={() => { setConfirming(true); }}>{t('registries|Delete tag')}</button>;
  }
  return (
    <div className="confirm" data-testid="tag-delete-confirm">
      <p>{t('registries|Delete {{tag}}? The registry deletes the image it points at: other tags of the same digest go too.', { tag: props.tag })}</p>
      <button type="button" className="button button--danger" disabled={remove.isPending} data-testid="tag-delete-yes" onClick={() => { remove.mutate(); }}>{t('registries|Delete')}</button>
      <button type="button" className="button" onClick={() => { setConfirming(false); remove.reset(); }}>{t('registries|Cancel')}</button>
      {remove.error && <RequestError title={t('registries|The tag was not deleted')} error={remove.error} />}
    </div>
  );
}

export default function ImagePage() {
  const { t } = useTranslation();
  const { name = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const repository = params.get('repository') ?? '';
  const reference = params.get('reference') ?? '';
  const platform = params.get('platform') ?? undefined;
  useDocumentTitle(`${repository}:${reference}`);
  const image = useApiQuery<ImageDetail>(REGISTRIES_API.image(name, repository, reference, platform), 0, { keepPrevious: true });
  const d = image.data;
  return (
    <section className="page apps-page registries-page" data-testid="image-page">
      <header className="page__header">
        <p className="page__crumbs">
          <Link to={REGISTRIES_URL.list}>{t('registries|Image registries')}</Link> / <Link to={REGISTRIES_URL.registry(name)}>{name}</Link> /{' '}
          <Link to={REGISTRIES_URL.tags(name, repository)}>{repository}</Link>
        </p>
        <h1 className="page__title mono">{repository}:{reference}</h1>
      </header>
      {image.error && <ErrorPanel title={t('registries|The image could not be read')} error={image.error} onRetry={image.retry} />}
      {!d && !image.error && <p className="page__loading">{t('registries|Loading…')}</p>}
      {d && (
        <>
          <div className="card" data-testid="image-summary">
            <dl className="fields">
              <dt>{t('registries|Pull')}</dt><dd className="mono break">{d.pull}</dd>
              <dt>{t('registries|Digest')}</dt><dd className="mono break" data-testid="image-digest">{d.digest}</dd>
              <dt>{t('registries|Platform')}</dt>
              <dd>
                {d.platforms.length > 0 ? (
                  <select className="input" value={d.platform} data-testid="image-platform" onChange={(e) => { const next = new URLSearchParams(params); next.set('platform', e.target.value); setParams(next); }}>
                    {d.platforms.map((p) => <option key={p.digest} value={p.platform}>{p.platform}</option>)}
                  </select>
                ) : d.platform}
              </dd>
              <dt>{t('registries|Created')}</dt><dd><When time={d.config.created} /></dd>
              <dt>{t('registries|Total size')}</dt><dd data-testid="image-size">{formatBytes(d.totalSize)}</dd>
              <dt>{t('registries|Entrypoint')}</dt><dd className="mono">{[...d.config.entrypoint, ...d.config.cmd].join(' ')}</dd>
              <dt>{t('registries|User')}</dt><dd className="mono">{d.config.user ?? t('registries|(root)')}</dd>
              <dt>{t('registries|Exposed ports')}</dt><dd className="mono" data-testid="image-ports">{d.config.exposedPorts.join(', ')}</dd>
              <dt>{t('registries|Environment')}</dt><dd className="mono break">{d.config.env.map((e) => <div key={e}>{e}</div>)}</dd>
              <dt>{t('registries|Labels')}</dt><dd className="mono break">{d.config.labels.map(([k, v]) => <div key={k}>{k}={v}</div>)}</dd>
            </dl>
            <p className="actions">
              <Link className="button button--primary" to={REGISTRIES_URL.deploy(name, d.pull)} data-testid="image-deploy">{t('registries|Deploy this image')}</Link>
              {d.delete.allowed && !reference.startsWith('sha256:') && <DeleteTag registry={name} repository={repository} tag={reference} />}
            </p>
          </div>
          {d.platforms.length > 0 && (
            <div className="card">
              <h2 className="section__title">{t('registries|Platforms')}</h2>
              <Table testId="platform-table" rows={d.platforms} rowKey={(p) => p.digest}
                columns={[
                  { id: 'platform', header: t('registries|Platform'), cell: (p) => p.platform },
                  { id: 'digest', header: t('registries|Digest'), className: 'mono', cell: (p) => shortDigest(p.digest) },
                ]} />
            </div>
          )}
          <div className="card">
            <h2 className="section__title">{t('registries|Layers')}</h2>
            <Table testId="layer-table" rows={d.layers} rowKey={(l, i) => `${i}-${l.digest}`}
              columns={[
                { id: 'digest', header: t('registries|Digest'), className: 'mono', cell: (l) => shortDigest(l.digest) },
                { id: 'type', header: t('registries|Media type'), className: 'mono break', cell: (l) => l.mediaType },
                { id: 'size', header: t('registries|Size'), numeric: true, cell: (l) => formatBytes(l.size) },
              ]} />
          </div>
          {!reference.startsWith('sha256:') && <Usage registry={name} repository={repository} tag={reference} />}
        </>
      )}
    </section>
  );
}
