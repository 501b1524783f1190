//! "Deploy this image": a Deployment (and optionally a Service) from a form; the YAML is shown,
//! checked by the API server with a dry run, and only then applied, each as the person.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { requestJson } from '../../lib/api/client';
import type { ApplyAnswer } from '../../lib/api/generated';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import './registries.css';
import { REGISTRIES_API, REGISTRIES_URL, type DeployRequest, type DeployYaml } from '../../lib/registries/types';
import { RequestError } from '../apps/common';

/** `NAME=value` lines as environment variables (blank lines left out). */
export function parseEnv(text: string): { name: string; value: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? { name: line, value: '' } : { name: line.slice(0, at), value: line.slice(at + 1) };
    });
}

/** A Deployment's name from an image: its repository's last part (`team/app:1.0` → `app`). */
export function nameOfImage(image: string): string {
  const path = image.split('@')[0] ?? '';
  const last = path.slice(path.lastIndexOf('/') + 1);
  const name = last.split(':')[0] ?? '';
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

function Results(props: { answer: ApplyAnswer }) {
  const { t } = useTranslation();
  return (
    <ul className="apply-results" data-testid={props.answer.dryRun ? 'deploy-dry-run' : 'deploy-applied'}>
      {props.answer.results.map((r) => (
        <li key={r.index} className={r.error ? 'form-field__problem' : undefined}>
          {r.kind} {r.namespace}/{r.name}: {r.error ? r.error.message : props.answer.dryRun ? t('registries|accepted by the dry run') : r.path ? <Link to={`/${r.path}`}>{r.result}</Link> : r.result}
        </li>
      ))}
    </ul>
  );
}

export default function DeployPage() {
  const { t } = useTranslation();
  const { name: registry = '' } = useParams();
  const [params] = useSearchParams();
  const image = params.get('image') ?? '';
  useDocumentTitle(t('registries|Deploy this image'));
  const [name, setName] = useState(nameOfImage(image));
  const [namespace, setNamespace] = useState('default');
  const [replicas, setReplicas] = useState('1');
  const [port, setPort] = useState('');
  const [env, setEnv] = useState('');
  const [cpu, setCpu] = useState('');
  const [memory, setMemory] = useState('');
  const [pullSecret, setPullSecret] = useState('');
  const [service, setService] = useState(false);
  const yaml = useMutation({
    mutationFn: (body: DeployRequest) => requestJson<DeployYaml>('POST', REGISTRIES_API.deploy, { body: { json: body } }),
  });
  const apply = useMutation({
    mutationFn: (dryRun: boolean) =>
      requestJson<ApplyAnswer>('POST', `api/v1/apply?dryRun=${dryRun}`, { body: { text: yaml.data?.yaml ?? '', contentType: 'application/yaml' } }),
  });
  const dryRunPassed = apply.data?.dryRun === true && apply.data.ok;
  const preview = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    apply.reset();
    yaml.mutate({
      image, name, namespace,
      replicas: Number(replicas) || 1,
      port: port ? Number(port) : undefined,
      env: parseEnv(env),
      cpu: cpu || undefined,
      memory: memory || undefined,
      pullSecret: pullSecret || undefined,
      service,
    });
  };
  return (
    <section className="page apps-page registries-page" data-testid="deploy-page">
      <header className="page__header">
        <p className="page__crumbs"><Link to={REGISTRIES_URL.registry(registry)}>{registry}</Link></p>
        <h1 className="page__title">{t('registries|Deploy this image')}</h1>
        <p className="page__subtitle mono">{image}</p>
      </header>
      <form className="card repo-form" onSubmit={preview} noValidate data-testid="deploy-form">
        <div className="form-grid">
          <label className="form-field"><span>{t('registries|Name')}</span><input className="input" value={name} data-testid="deploy-name" onChange={(e) => { setName(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|Namespace')}</span><input className="input" value={namespace} data-testid="deploy-namespace" onChange={(e) => { setNamespace(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|Replicas')}</span><input className="input" type="number" min={0} value={replicas} onChange={(e) => { setReplicas(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|Container port (optional)')}</span><input className="input" type="number" value={port} data-testid="deploy-port" onChange={(e) => { setPort(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|Environment (NAME=value, one a line)')}</span><textarea className="input" rows={3} value={env} data-testid="deploy-env" onChange={(e) => { setEnv(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|CPU request (e.g. 250m)')}</span><input className="input" value={cpu} onChange={(e) => { setCpu(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|Memory request and limit (e.g. 256Mi)')}</span><input className="input" value={memory} onChange={(e) => { setMemory(e.target.value); }} /></label>
          <label className="form-field"><span>{t('registries|Pull secret (optional)')}</span><input className="input" value={pullSecret} onChange={(e) => { setPullSecret(e.target.value); }} /></label>
          <label className="form-field form-field--check">
            <input type="checkbox" checked={service} data-testid="deploy-service" onChange={(e) => { setService(e.target.checked); }} />
            <span>{t('registries|Also a Service on the port')}</span>
          </label>
        </div>
        <button type="submit" className="button" disabled={yaml.isPending} data-testid="deploy-preview">{t('registries|Show the YAML')}</button>
        {yaml.error && <RequestError title={t('registries|The form has problems')} error={yaml.error} />}
      </form>
      {yaml.data && (
        <div className="card">
          <h2 className="section__title">{t('registries|What will be applied')}</h2>
          <pre className="apps-pre" data-testid="deploy-yaml">{yaml.data.yaml}</pre>
          <p className="actions">
            <button type="button" className="button" disabled={apply.isPending} data-testid="deploy-dry-run-button" onClick={() => { apply.mutate(true); }}>{t('registries|Check with a dry run')}</button>
            <button type="button" className="button button--primary" disabled={apply.isPending || !dryRunPassed} data-testid="deploy-apply" onClick={() => { apply.mutate(false); }}>{t('registries|Deploy')}</button>
          </p>
          {apply.data && <Results answer={apply.data} />}
          {apply.error && <RequestError title={t('registries|The image was not deployed')} error={apply.error} />}
        </div>
      )}
    </section>
  );
}
