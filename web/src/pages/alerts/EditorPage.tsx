//! The rule editor: a form (target, condition and its parameters, for, severity, labels,
//! annotations with their placeholders, repeat interval, channels) and a YAML view of the same
//! spec, with a live preview of what the rule would fire for now, before it is saved.

import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { parse, stringify } from 'yaml';
import { ErrorPanel } from '../../components/ErrorPanel';
import { Table } from '../../components/Table';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { ALERTS_API, ALERTS_URL, type AlertRuleDetail, type AlertRuleList, type PreviewAnswer, type SavedAlertRule } from '../../lib/alerts/types';
import { requestJson } from '../../lib/api/client';
import type { ApiError } from '../../lib/api/errors';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { RequestError, Warnings } from '../apps/common';

type Spec = Record<string, unknown> & { condition?: Record<string, Record<string, unknown>>; target?: Record<string, string | undefined> };

const CONDITIONS = ['crashLooping', 'notReady', 'restarts', 'usage', 'unavailableReplicas', 'nodeNotReady', 'nodePressure', 'jobFailed', 'cronJobMissed', 'pvcUsage', 'certificateExpiring', 'promql'] as const;
/** Each condition's parameters and their defaults (empty: optional). */
const PARAMETERS: Record<string, [string, string][]> = {
  usage: [['resource', 'memory'], ['of', 'limit'], ['above', '90']],
  restarts: [['count', '3'], ['window', '15m']],
  unavailableReplicas: [['atLeast', '1']],
  nodePressure: [['types', '']],
  cronJobMissed: [['grace', '5m']],
  pvcUsage: [['abovePercent', '90']],
  certificateExpiring: [['within', '336h']],
  promql: [['expr', '']],
};
/** What an annotation may name (written here, not translated: they are the rule's syntax). */
const PLACEHOLDERS = '{{ target }}, {{ namespace }}, {{ name }}, {{ value }}, {{ threshold }}, {{ rule }}';
/** How often the preview is evaluated again while the editor is open. */
const PREVIEW_REFRESH_MS = 10_000;
const NUMERIC = new Set(['count', 'atLeast', 'abovePercent']);
const KINDS = ['', 'Pod', 'Container', 'Deployment', 'StatefulSet', 'DaemonSet', 'Node'];

const NEW_SPEC: Spec = {
  target: {},
  condition: { crashLooping: {} },
  for: '2m',
  severity: 'warning',
  annotations: { summary: '{{ target }}: {{ value }}' },
};

/** A scalar field's text for an input; anything else (a mistake in the YAML view) shows empty. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function lines(map: unknown): string {
  return Object.entries((map ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

function unlines(text: string): Record<string, string> | undefined {
  const map: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) map[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return Object.keys(map).length ? map : undefined;
}

/** The spec without the fields left empty, as it is sent. */
function cleaned(spec: Spec): Spec {
  const out: Spec = {};
  for (const [key, value] of Object.entries(spec)) {
    if (value === '' || value === undefined) continue;
    if (key === 'target') {
      const target = Object.fromEntries(Object.entries(value as Record<string, string>).filter(([, v]) => v));
      if (Object.keys(target).length) out.target = target;
      continue;
    }
    out[key] = value;
  }
  return out;
}

function Preview(props: { namespace: string; spec: Spec | null }) {
  const { t } = useTranslation();
  const [answer, setAnswer] = useState<PreviewAnswer | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const body = JSON.stringify({ namespace: props.namespace, spec: props.spec });
  useEffect(() => {
    if (!props.spec || !props.namespace) return;
    const controller = new AbortController();
    const run = () => {
      setBusy(true);
      requestJson<PreviewAnswer>('POST', ALERTS_API.preview, { body: { json: JSON.parse(body) as unknown }, signal: controller.signal })
        .then((a) => { setAnswer(a); setError(null); })
        .catch((e: unknown) => { if (!controller.signal.aborted) setError(e as ApiError); })
        .finally(() => { if (!controller.signal.aborted) setBusy(false); });
    };
    // Shortly after the last keystroke, then again while the editor is open: the cluster changes.
    const timer = window.setTimeout(run, 400);
    const again = window.setInterval(run, PREVIEW_REFRESH_MS);
    return () => { controller.abort(); window.clearTimeout(timer); window.clearInterval(again); };
  }, [body, props.spec, props.namespace]);
  return (
    <section className="card section section--wide" data-testid="alert-preview" aria-live="polite">
      <h2 className="section__title">
        {t('alerts|Preview')} {busy && <span className="page__subtitle">{t('alerts|evaluating…')}</span>}
      </h2>
      <div className="section__body alert-body">
      {error && <RequestError title={t('alerts|The preview failed')} error={error} />}
      {answer && (
        <>
          <Warnings warnings={answer.warnings} />
          {answer.error ? (
            <p className="warning-box" data-testid="preview-error">
              {t('alerts|This rule cannot be evaluated: {{message}}', { message: answer.error })}
            </p>
          ) : (
            <p data-testid="preview-summary">
              {answer.fires.length > 0
                ? t('alerts|Would fire now for {{count}} of {{targets}} targets looked at (once the condition has held for its "for"):', { count: answer.fires.length, targets: answer.targets })
                : t('alerts|Would fire for none of the {{targets}} targets looked at.', { targets: answer.targets })}
            </p>
          )}
          {answer.notes.map((n) => (
            <p key={n} className="page__subtitle">{n}</p>
          ))}
          {answer.fires.length > 0 && (
            <Table
              testId="preview-fires"
              rows={answer.fires}
              rowKey={(f) => f.target}
              rowAttributes={(f) => ({ 'data-testid': 'preview-fire', 'data-target': f.target })}
              columns={[
                { id: 'target', header: t('alerts|Target'), className: 'mono break', cell: (f) => f.target },
                { id: 'kind', header: t('alerts|Kind'), cell: (f) => f.kind },
                { id: 'value', header: t('alerts|Value'), className: 'break', cell: (f) => f.value },
              ]}
            />
          )}
        </>
      )}
      </div>
    </section>
  );
}

export default function EditorPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const params = useParams();
  const editing = Boolean(params.name);
  useDocumentTitle(editing ? `${params.name ?? ''} · ${t('alerts|Edit rule')}` : t('alerts|New rule'));
  const existing = useApiQuery<AlertRuleDetail>(editing ? ALERTS_API.rule(params.namespace ?? '', params.name ?? '') : '', 0, { enabled: editing });
  const list = useApiQuery<AlertRuleList>(ALERTS_API.rules, 0, { enabled: !editing });
  const [namespaceEdited, setNamespace] = useState<string | null>(params.namespace ?? null);
  const namespace = namespaceEdited ?? list.data?.alertsNamespace ?? '';
  const [name, setName] = useState(params.name ?? '');
  const [edited, setSpec] = useState<Spec | null>(null);
  const stored = existing.data?.spec as unknown as Spec | null | undefined;
  const spec: Spec | null = edited ?? (editing ? (stored ?? null) : NEW_SPEC);
  const [view, setView] = useState<'form' | 'yaml'>('form');
  const [yamlText, setYamlText] = useState('');
  const [yamlError, setYamlError] = useState<string | null>(null);

  const save = useMutation({
    mutationFn: (body: Spec) =>
      editing
        ? requestJson<SavedAlertRule>('PUT', ALERTS_API.rule(namespace, name), { body: { json: { spec: body, resourceVersion: existing.data?.resourceVersion ?? '' } } })
        : requestJson<SavedAlertRule>('POST', ALERTS_API.rules, { body: { json: { namespace, name, spec: body } } }),
    onSuccess: () => { void navigate(ALERTS_URL.rule(namespace, name)); },
  });

  if (editing && existing.error) return <ErrorPanel title={t('alerts|The rule could not be loaded')} error={existing.error} onRetry={existing.retry} />;
  if (!spec) return <p className="page__loading">{t('shell|Loading…')}</p>;

  const conditionName = Object.keys(spec.condition ?? {})[0] ?? 'crashLooping';
  const conditionParams = spec.condition?.[conditionName] ?? {};
  const set = (key: string, value: unknown) => { setSpec({ ...spec, [key]: value }); };
  const setTarget = (key: string, value: string) => { set('target', { ...spec.target, [key]: value || undefined }); };
  const setCondition = (next: string) => {
    const defaults = Object.fromEntries((PARAMETERS[next] ?? []).filter(([, v]) => v).map(([k, v]) => [k, NUMERIC.has(k) ? Number(v) : v]));
    set('condition', { [next]: defaults });
  };
  const setParameter = (key: string, value: string) => {
    const next: Record<string, unknown> = Object.fromEntries(Object.entries(conditionParams).filter(([k]) => k !== key));
    if (value) next[key] = NUMERIC.has(key) ? Number(value) : key === 'types' ? value.split(',').map((v) => v.trim()).filter(Boolean) : value;
    set('condition', { [conditionName]: next });
  };
  const toYaml = () => { setYamlText(stringify(cleaned(spec))); setYamlError(null); setView('yaml'); };
  const fromYaml = (text: string) => {
    setYamlText(text);
    try {
      const parsed = parse(text) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(t('alerts|The YAML is not a mapping'));
      setSpec(parsed as Spec);
      setYamlError(null);
    } catch (e) {
      setYamlError(e instanceof Error ? e.message : String(e));
    }
  };
  const sent = cleaned(spec);

  return (
    <section className="page alert-editor" data-testid="alert-editor">
      <header className="page__header">
        <h1 className="page__title">{editing ? t('alerts|Edit rule {{name}}', { name }) : t('alerts|New rule')}</h1>
        <div className="page__header-end">
          <Link to={editing ? ALERTS_URL.rule(namespace, name) : ALERTS_URL.list}>{t('alerts|Cancel')}</Link>
        </div>
      </header>
      <div className="tabs" role="tablist" aria-label={t('alerts|Views of this rule')}>
        <button type="button" role="tab" aria-selected={view === 'form'} className={view === 'form' ? 'tabs__tab tabs__tab--active' : 'tabs__tab'} data-testid="editor-form-tab" disabled={Boolean(yamlError)} onClick={() => { setView('form'); }}>
          {t('alerts|Form')}
        </button>
        <button type="button" role="tab" aria-selected={view === 'yaml'} className={view === 'yaml' ? 'tabs__tab tabs__tab--active' : 'tabs__tab'} data-testid="editor-yaml-tab" onClick={toYaml}>
          YAML
        </button>
      </div>
      <form
        className="card repo-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(sent);
        }}
      >
        <div className="form-grid">
          <label className="form-field">
            <span>{t('alerts|Namespace')}</span>
            <input className="input" value={namespace} disabled={editing} data-testid="editor-namespace" onChange={(e) => { setNamespace(e.target.value.trim()); }} />
          </label>
          <label className="form-field">
            <span>{t('alerts|Name')}</span>
            <input className="input" value={name} disabled={editing} data-testid="editor-name" onChange={(e) => { setName(e.target.value.trim()); }} />
          </label>
        </div>
        {view === 'yaml' ? (
          <label className="form-field">
            <span>{t('alerts|Spec of the rule')}</span>
            <textarea className="input" value={yamlText} data-testid="editor-yaml" spellCheck={false} onChange={(e) => { fromYaml(e.target.value); }} />
            {yamlError && <span className="warning-box" data-testid="editor-yaml-error">{yamlError}</span>}
          </label>
        ) : (
          <div className="form-grid">
            <label className="form-field">
              <span>{t('alerts|Condition')}</span>
              <select className="input" value={conditionName} data-testid="editor-condition" onChange={(e) => { setCondition(e.target.value); }}>
                {CONDITIONS.map((c) => (
                  <option key={c} value={c}>{c}</option>
                ))}
              </select>
            </label>
            {(PARAMETERS[conditionName] ?? []).map(([key]) => (
              <label key={key} className="form-field">
                <span className="mono">{key}</span>
                <input
                  className="input"
                  data-testid={`editor-param-${key}`}
                  value={Array.isArray(conditionParams[key]) ? (conditionParams[key] as string[]).join(', ') : text(conditionParams[key])}
                  onChange={(e) => { setParameter(key, e.target.value); }}
                />
              </label>
            ))}
            <label className="form-field">
              <span>{t('alerts|Target kind')}</span>
              <select className="input" value={spec.target?.kind ?? ''} data-testid="editor-target-kind" onChange={(e) => { setTarget('kind', e.target.value); }}>
                {KINDS.map((k) => (
                  <option key={k} value={k}>{k || t('alerts|(what the condition is about)')}</option>
                ))}
              </select>
            </label>
            <label className="form-field">
              <span>{t('alerts|Target namespace (empty: all, for a cluster-wide rule)')}</span>
              <input className="input" value={spec.target?.namespace ?? ''} data-testid="editor-target-namespace" onChange={(e) => { setTarget('namespace', e.target.value.trim()); }} />
            </label>
            <label className="form-field">
              <span>{t('alerts|Label selector (app=web,tier!=cache)')}</span>
              <input className="input" value={spec.target?.selector ?? ''} data-testid="editor-target-selector" onChange={(e) => { setTarget('selector', e.target.value); }} />
            </label>
            <label className="form-field">
              <span>{t('alerts|For (how long it must hold: 0s, 5m)')}</span>
              <input className="input" value={text(spec.for)} data-testid="editor-for" onChange={(e) => { set('for', e.target.value.trim()); }} />
            </label>
            <label className="form-field">
              <span>{t('alerts|Severity')}</span>
              <select className="input" value={text(spec.severity) || 'warning'} data-testid="editor-severity" onChange={(e) => { set('severity', e.target.value); }}>
                <option value="critical">{t('alerts|critical')}</option>
                <option value="warning">{t('alerts|warning')}</option>
                <option value="info">{t('alerts|info')}</option>
              </select>
            </label>
            <label className="form-field">
              <span>{t('alerts|Repeat interval (default 4h)')}</span>
              <input className="input" value={text(spec.repeatInterval)} data-testid="editor-repeat" onChange={(e) => { set('repeatInterval', e.target.value.trim()); }} />
            </label>
            <label className="form-field">
              <span>{t('alerts|Channels (NotificationChannels in the namespace of the rule, comma-separated)')}</span>
              <input
                className="input"
                value={((spec.channels as string[] | undefined) ?? []).join(', ')}
                data-testid="editor-channels"
                onChange={(e) => { const list = e.target.value.split(',').map((c) => c.trim()).filter(Boolean); set('channels', list.length ? list : undefined); }}
              />
            </label>
            <label className="form-field">
              <span>{t('alerts|Labels (key=value, one a line)')}</span>
              <textarea className="input" defaultValue={lines(spec.labels)} data-testid="editor-labels" onChange={(e) => { set('labels', unlines(e.target.value)); }} />
            </label>
            <label className="form-field">
              <span>{t('alerts|Annotations (key=value, one a line); {{placeholders}} are filled in per alert', { placeholders: PLACEHOLDERS })}</span>
              <textarea className="input" defaultValue={lines(spec.annotations)} data-testid="editor-annotations" onChange={(e) => { set('annotations', unlines(e.target.value)); }} />
            </label>
          </div>
        )}
        <button type="submit" className="button button--primary" disabled={save.isPending || Boolean(yamlError) || !namespace || !name} data-testid="editor-save">
          {editing ? t('alerts|Save changes') : t('alerts|Create rule')}
        </button>
        {save.error && <RequestError title={t('alerts|The rule was not saved')} error={save.error} />}
      </form>
      <Preview namespace={namespace} spec={yamlError ? null : sent} />
    </section>
  );
}
