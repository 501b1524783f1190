//! Installs a chart: release name (Helm's rules, checked as typed), namespace, version, values as
//! YAML and, when the chart has a schema, as a form; then helm's progress and its result. A
//! failure keeps everything the person typed.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { CodeEditor } from '../../components/yaml/CodeEditor';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useOperation } from '../../hooks/useOperation';
import { namespacesOf, useNamespace } from '../../hooks/useNamespace';
import { useApiQuery } from '../../hooks/useApiQuery';
import { requestJson } from '../../lib/api/client';
import { releaseNameProblem, suggestReleaseName } from '../../lib/apps/releaseName';
import { APPS_API, APPS_URL, type AppOperation, type ChartDetail, type InstallRequest } from '../../lib/apps/types';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { ChartIcon } from './CataloguePage';
import { AppsTabs, OperationView, RequestError, useHelm, useHelmProblemText } from './common';
import { fieldProblems } from './fieldProblems';
import { ValuesForm, valuesUnsendable } from './ValuesForm';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export type { InstallRequest };

/** The reason installing is impossible now, or null: helm missing (`helmProblem`, worded), or the chart says why. */
export function installBlocked(chart: ChartDetail | undefined, helmProblem: string | null, unavailable: string): string | null {
  if (helmProblem) return helmProblem;
  if (chart && !chart.install.available) return chart.install.reason ?? unavailable;
  return null;
}

function InstallForm(props: { chart: ChartDetail; version: string; onVersion: (version: string) => void; blocked: string | null }) {
  const { t } = useTranslation();
  const c = props.chart;
  const [selectedNamespace] = useNamespace();
  const [name, setName] = useState(() => suggestReleaseName(c.name));
  // Several namespaces chosen: the first of them (in the picker's order, alphabetical) is filled
  // in, and the others are a click away; none chosen: `default`, as helm would use.
  const chosen = namespacesOf(selectedNamespace);
  const [namespace, setNamespace] = useState(chosen[0] ?? 'default');
  const [createNamespace, setCreateNamespace] = useState(false);
  const [ingressHost, setIngressHost] = useState('');
  // The defaults of the version the values were taken from: switching versions replaces the
  // values only while the person has not changed them.
  const [valuesFrom, setValuesFrom] = useState(c.values);
  const [values, setValues] = useState(c.values);
  if (valuesFrom !== c.values) {
    if (values === valuesFrom) setValues(c.values);
    setValuesFrom(c.values);
  }
  const install = useMutation({
    mutationFn: (body: InstallRequest) => requestJson<AppOperation>('POST', APPS_API.install, { body: { json: body } }),
  });
  const { operation, error: followError } = useOperation(install.data ?? null, true);
  const error = install.error ?? undefined;
  const busy = install.isPending;
  const nameProblem = releaseNameProblem(name);
  const namespaceProblem = NAMESPACE.test(namespace) && namespace.length <= 63 ? null : t("apps|A namespace name: lowercase letters, digits and '-'.");
  const server = error ? fieldProblems(error.details) : {};
  const running = operation?.state === 'running';
  const [valueProblems, setValueProblems] = useState<string[]>([]);
  const valuesProblem = valuesUnsendable(values, valueProblems, t);

  const submit = (e: { preventDefault: () => void }) => {
    e.preventDefault();
    if (nameProblem || namespaceProblem || props.blocked || valuesProblem) return;
    const body: InstallRequest = { repo: c.repo, chart: c.name, version: c.version, name, namespace, createNamespace, values };
    if (c.ingress?.supported && ingressHost.trim()) body.ingressHost = ingressHost.trim();
    install.mutate(body);
  };

  return (
    <form className="install-form" onSubmit={submit} noValidate data-testid="install-form">
      <div className="card form-grid">
        <label className="form-field">
          <span>{t('apps|Release name')}</span>
          <input
            className="input"
            value={name}
            maxLength={80}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={nameProblem !== null}
            aria-describedby="release-name-problem"
            data-testid="install-name"
            onChange={(e) => { setName(e.target.value); }}
          />
          <small id="release-name-problem" className={nameProblem ? 'form-field__problem' : 'muted'} data-testid="install-name-problem">
            {nameProblem ? t(nameProblem) : t("apps|Lowercase letters, digits, '-' and '.', at most 53.")}
          </small>
          {server.name && <small className="form-field__problem">{server.name}</small>}
        </label>
        <label className="form-field">
          <span>{t('apps|Namespace')}</span>
          <input className="input" value={namespace} spellCheck={false} aria-invalid={namespaceProblem !== null} data-testid="install-namespace" onChange={(e) => { setNamespace(e.target.value); }} />
          {chosen.length > 1 && (
            <small className="muted namespace-choices" data-testid="install-namespace-choices">
              {t('apps|Your chosen namespaces:')}{' '}
              {chosen.map((n) => (
                <button
                  key={n}
                  type="button"
                  className="link-button"
                  aria-pressed={n === namespace}
                  data-testid="install-namespace-choice"
                  onClick={() => {
                    setNamespace(n);
                  }}
                >
                  {n}
                </button>
              ))}
            </small>
          )}
          {namespaceProblem && <small className="form-field__problem">{namespaceProblem}</small>}
          {server.namespace && <small className="form-field__problem">{server.namespace}</small>}
        </label>
        <label className="form-field form-field--check">
          <input type="checkbox" checked={createNamespace} data-testid="install-create-namespace" onChange={(e) => { setCreateNamespace(e.target.checked); }} />
          <span>{t('apps|Create the namespace if it does not exist')}</span>
        </label>
        <label className="form-field">
          <span>{t('apps|Version')}</span>
          <select className="select" value={props.version || c.version} data-testid="install-version" onChange={(e) => { props.onVersion(e.target.value); }}>
            {c.versions.map((v) => (
              <option key={v.version} value={v.version}>
                {v.version}
                {v.appVersion ? ` (${v.appVersion})` : ''}
              </option>
            ))}
          </select>
        </label>
        {c.ingress?.supported && (
          <label className="form-field form-field--wide">
            <span>{t('apps|Ingress host (optional)')}</span>
            <input className="input" value={ingressHost} placeholder="shop.example.com" spellCheck={false} data-testid="install-ingress-host" onChange={(e) => { setIngressHost(e.target.value); }} />
            <small className="muted">{t("apps|Sets {{path}} and turns the chart's Ingress on.", { path: c.ingress.hostPath ?? 'ingress' })}</small>
          </label>
        )}
      </div>
      <div className={c.valuesSchema ? 'values-layout values-layout--form' : 'values-layout'}>
        {c.valuesSchema && (
          <section className="card values-layout__form">
            <h2 className="section__title">{t('apps|Values (form)')}</h2>
            <ValuesForm schema={c.valuesSchema} defaults={c.values} text={values} onChange={setValues} onProblems={setValueProblems} />
          </section>
        )}
        <section className="card values-layout__yaml">
          <h2 className="section__title">
            {t('apps|Values (YAML)')}{' '}
            <button type="button" className="link-button" disabled={values === c.values} onClick={() => { setValues(c.values); }}>
              {t('apps|Reset to the chart defaults')}
            </button>
          </h2>
          <CodeEditor value={values} onChange={setValues} label={t('apps|Values (YAML)')} />
          {server.values && <small className="form-field__problem">{server.values}</small>}
        </section>
      </div>
      <div className="install-form__submit">
        <button type="submit" className="button button--primary" disabled={busy || running || operation?.state === 'succeeded' || props.blocked !== null || nameProblem !== null || namespaceProblem !== null || valuesProblem !== null} data-testid="install-submit" title={props.blocked ?? valuesProblem ?? undefined}>
          {t('apps|Install {{name}}', { name: c.name })}
        </button>
        {props.blocked && (
          <span className="action__reason" data-testid="install-blocked">
            {props.blocked}
          </span>
        )}
        {!props.blocked && valuesProblem && (
          <span className="action__reason" data-testid="values-blocked">
            {valuesProblem}
          </span>
        )}
      </div>
      {error && <RequestError title={t('apps|The install was refused')} error={error} shownAtFields={['name', 'namespace', 'values']} />}
      {operation && <OperationView operation={operation} error={followError} releaseLink />}
    </form>
  );
}

export default function InstallPage() {
  const { t } = useTranslation();
  const { repo = '', chart = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const version = params.get('version') ?? '';
  useDocumentTitle(t('apps|Install {{name}}', { name: chart }));
  const detail = useApiQuery<ChartDetail>(APPS_API.chart(repo, chart, version || undefined), 0);
  const helm = useHelm();
  const helmProblem = useHelmProblemText();
  // While another version loads, the form stays (with what was typed) on the last one.
  const [last, setLast] = useState<ChartDetail | undefined>(undefined);
  if (detail.data && detail.data !== last) setLast(detail.data);
  const c = detail.data ?? (last && last.repo === repo && last.name === chart ? last : undefined);
  return (
    <section className="page apps-page" data-testid="install-page">
      <AppsTabs />
      <header className="chart-head">
        {c && <ChartIcon icon={c.icon} name={c.name} size={40} />}
        <div className="chart-head__text">
          <h1 className="page__title">{t('apps|Install {{name}}', { name: chart })}</h1>
          <p className="page__subtitle">
            <Link to={APPS_URL.chart(repo, chart)}>{t('apps|Back to the chart')}</Link>
            {c && ` · ${c.repo} · ${c.version}`}
          </p>
        </div>
      </header>
      {detail.error && <ErrorPanel title={t('apps|The chart could not be loaded')} error={detail.error} onRetry={detail.retry} />}
      {helm.error && <ErrorPanel title={t('apps|Could not check for helm')} error={helm.error} compact />}
      {!c && !detail.error && <p className="page__loading">{t('apps|Loading the chart…')}</p>}
      {c && (
        <InstallForm
          key={`${c.repo}/${c.name}`}
          chart={c}
          version={version}
          blocked={installBlocked(c, helmProblem(helm.info), t('apps|Installing is not available.'))}
          onVersion={(v) => {
            setParams((prev) => {
              const next = new URLSearchParams(prev);
              next.set('version', v);
              return next;
            });
          }}
        />
      )}
    </section>
  );
}
