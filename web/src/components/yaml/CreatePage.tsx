//! Create or update objects from YAML (several documents): a server dry run first, then apply;
//! each document's result, with the API server's causes field by field.

import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useApiQuery } from '../../hooks/useApiQuery';
import { requestJson } from '../../lib/api/client';
import { API } from '../../lib/api/endpoints';
import type { ApplyAnswer } from '../../lib/api/generated';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { objectUrl } from '../../lib/k8s/detail';
import type { Kind, KindsAnswer } from '../../lib/k8s/kinds';
import { ErrorPanel } from '../ErrorPanel';
import { CodeEditor } from './CodeEditor';
import { causesOf, lineOf } from './errors';

/** The app URL of an API object path (`apps/v1/deployments/web?namespace=shop`). */
export function urlOfPath(kinds: readonly Kind[], path: string): string | null {
  const [route = '', query = ''] = path.split('?');
  const parts = route.split('/');
  if (parts.length < 4) return null;
  const [group = '', , resource = '', ...rest] = parts;
  const namespace = new URLSearchParams(query).get('namespace');
  return objectUrl(kinds, { group: group === 'core' ? '' : group, resource, namespace, name: decodeURIComponent(rest.join('/')) });
}

const EXAMPLE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: example
data:
  greeting: hello
`;

export default function CreatePage() {
  const { t } = useTranslation();
  useDocumentTitle(t('yaml|Create from YAML'));
  const [params] = useSearchParams();
  const namespace = params.get('namespace') ?? '';
  const [text, setText] = useState(EXAMPLE);
  const [line, setLine] = useState<number | null>(null);
  const kinds = useApiQuery<KindsAnswer>(API.kinds, 60_000);
  const apply = useMutation({
    mutationFn: (dryRun: boolean) => {
      const query = new URLSearchParams();
      if (dryRun) query.set('dryRun', 'true');
      if (namespace) query.set('namespace', namespace);
      return requestJson<ApplyAnswer>('POST', `api/v1/apply${query.size ? `?${query.toString()}` : ''}`, { body: { text, contentType: 'application/yaml' } });
    },
    onSuccess: (a) => {
      setLine(a.results.find((r) => r.result === 'failed')?.line ?? null);
    },
    onError: (err) => {
      setLine(lineOf(err));
    },
  });
  const answer = apply.data;
  const error = apply.error ?? undefined;
  const busy = apply.isPending;

  return (
    <section className="page" data-testid="create-page">
      <header className="page__header">
        <h1 className="page__title">{t('yaml|Create from YAML')}</h1>
        <p className="page__subtitle">
          {t('yaml|One or more documents separated by ---, applied in order (server-side apply).')}
          {namespace && ` ${t('resources|In namespace {{namespace}}', { namespace })}`}
        </p>
      </header>
      <div className="yaml-tab__bar">
        <button type="button" className="button" data-testid="create-dry-run" disabled={busy} onClick={() => { apply.mutate(true); }}>
          {t('yaml|Check (server dry run)')}
        </button>
        <button type="button" className="button button--primary" data-testid="create-apply" disabled={busy} onClick={() => { apply.mutate(false); }}>
          {t('yaml|Apply')}
        </button>
      </div>
      {error && <ErrorPanel title={t('yaml|The YAML could not be read')} error={error} compact />}
      {answer && (
        <div className={answer.ok ? 'card apply-results' : 'card apply-results apply-results--failed'} data-testid="apply-results" data-ok={answer.ok}>
          <strong>
            {answer.dryRun
              ? answer.ok
                ? t('yaml|Dry run: every document would be accepted. Nothing was saved.')
                : t('yaml|Dry run: some documents would be refused. Nothing was saved.')
              : answer.ok
                ? t('yaml|Applied.')
                : t('yaml|Some documents were refused.')}
          </strong>
          <ul className="plain">
            {answer.results.map((r) => {
              const url = r.path && kinds.data && r.result !== 'failed' && !answer.dryRun ? urlOfPath(kinds.data.kinds, r.path) : null;
              return (
                <li key={r.index} data-result={r.result}>
                  <span className={`sev sev--${r.result === 'failed' ? 'error' : r.result === 'unchanged' ? 'neutral' : 'ok'}`}>{r.result}</span>{' '}
                  <button type="button" className="link-button" onClick={() => { setLine(r.line); }}>
                    {t('yaml|line {{line}}', { line: r.line })}
                  </button>{' '}
                  {url ? (
                    <Link to={url}>{`${r.kind ?? '?'} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '?'}`}</Link>
                  ) : (
                    `${r.kind ?? '?'} ${r.namespace ? `${r.namespace}/` : ''}${r.name ?? '?'}`
                  )}
                  {r.error && (
                    <>
                      <span className="muted"> — {r.error.message}</span>
                      <ul className="field-errors">
                        {causesOf({ causes: r.error.causes }).map((c, i) => (
                          <li key={`${c.field}-${String(i)}`}>
                            <code>{c.field || '—'}</code> <span className="muted">{c.reason}</span> {c.message}
                          </li>
                        ))}
                      </ul>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <CodeEditor value={text} onChange={setText} highlightLine={line} label={t('yaml|Create from YAML')} />
      <p className="muted">
        <Link to="/">{t('errors|Go to the overview')}</Link>
      </p>
    </section>
  );
}
