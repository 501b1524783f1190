//! An object's YAML: shown read-only (managedFields hidden unless asked for), edited in place,
//! checked with a server dry run, saved with optimistic concurrency — a conflict shows what
//! changed, a refusal shows the API server's causes field by field.

import { useCallback, useEffect, useState } from 'react';
import { getText, requestJson } from '../../lib/api/client';
import { toApiError, type ApiError } from '../../lib/api/errors';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { objectApi } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';
import { ErrorPanel } from '../ErrorPanel';
import { CodeEditor } from './CodeEditor';
import { ConflictNotice } from './ConflictNotice';
import { causesOf, conflictOf, lineOf } from './errors';
import { withResourceVersion } from './yamlText';

export function FieldErrors(props: { error: ApiError }) {
  const causes = causesOf(props.error.details);
  if (causes.length === 0) return null;
  return (
    <ul className="field-errors" data-testid="field-errors">
      {causes.map((c, i) => (
        <li key={`${c.field}-${String(i)}`}>
          <code>{c.field || '—'}</code> <span className="muted">{c.reason}</span> {c.message}
        </li>
      ))}
    </ul>
  );
}

export default function YamlTab(props: { kind: Kind; name: string; namespace: string | null; canEdit: boolean; editReason: string | null; onSaved: () => void }) {
  const { t } = useTranslation();
  const { kind, name, namespace } = props;
  const [managedFields, setManagedFields] = useState(false);
  /** A Secret's values stay on the server until the person asks to see them; editing needs them. */
  const isSecret = kind.group === '' && kind.kind === 'Secret';
  const [reveal, setReveal] = useState(false);
  const [text, setText] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<ApiError | undefined>(undefined);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const editing = draft !== null;

  useEffect(() => {
    const controller = new AbortController();
    const query: Record<string, string> = {};
    if (managedFields) query.managedFields = 'true';
    if (reveal) query.reveal = 'true';
    const path = objectApi(kind, name, namespace, 'yaml', Object.keys(query).length > 0 ? query : undefined);
    getText(path, controller.signal).then(
      (yaml) => {
        setText(yaml);
        setLoadError(undefined);
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setLoadError(toApiError(e, `GET ${path}`));
      },
    );
    return () => {
      controller.abort();
    };
  }, [kind, name, namespace, managedFields, reveal, generation]);

  const save = useCallback(
    async (body: string, dryRun: boolean) => {
      setBusy(true);
      setError(undefined);
      setMessage(null);
      const path = objectApi(kind, name, namespace, '', dryRun ? { dryRun: 'true' } : undefined);
      try {
        await requestJson('PUT', path, { body: { text: body, contentType: 'application/yaml' } });
        if (dryRun) {
          setMessage(t('yaml|The API server accepted this edit (dry run): nothing was saved.'));
        } else {
          setMessage(t('yaml|Saved.'));
          setDraft(null);
          setGeneration((g) => g + 1);
          props.onSaved();
        }
      } catch (e) {
        setError(toApiError(e, `PUT ${path}`));
      } finally {
        setBusy(false);
      }
    },
    [kind, name, namespace, props, t],
  );

  if (loadError) return <ErrorPanel title={t('yaml|Could not load the YAML')} error={loadError} onRetry={() => { setGeneration((g) => g + 1); }} />;
  if (text === null) return <p className="page__loading">{t('shell|Loading…')}</p>;
  const conflict = conflictOf(error);

  return (
    <div className="yaml-tab" data-testid="yaml-tab">
      <div className="yaml-tab__bar">
        <label className="filters__check">
          <input
            type="checkbox"
            checked={managedFields}
            disabled={editing}
            data-testid="yaml-managed-fields"
            onChange={(e) => {
              setManagedFields(e.target.checked);
            }}
          />
          {t('yaml|Show managedFields')}
        </label>
        {isSecret && (
          <label className="filters__check">
            <input
              type="checkbox"
              checked={reveal}
              disabled={editing}
              data-testid="yaml-reveal"
              onChange={(e) => {
                setReveal(e.target.checked);
              }}
            />
            {t('yaml|Show secret values')}
          </label>
        )}
        <span className="topbar__spacer" />
        {!editing ? (
          <span className="action">
            <button
              type="button"
              className="button"
              data-testid="yaml-edit"
              disabled={!props.canEdit || (isSecret && !reveal)}
              title={!props.canEdit ? (props.editReason ?? t('actions|You may not do this.')) : isSecret && !reveal ? t('yaml|Show the secret values to edit this Secret: saving hidden values would replace them.') : undefined}
              onClick={() => { setDraft(text); setMessage(null); }}
            >
              {t('yaml|Edit')}
            </button>
            {!props.canEdit && props.editReason && <span className="action__reason">{props.editReason}</span>}
          </span>
        ) : (
          <>
            <button type="button" className="button" disabled={busy} onClick={() => { setDraft(null); setError(undefined); }}>
              {t('yaml|Cancel')}
            </button>
            <button type="button" className="button" data-testid="yaml-dry-run" disabled={busy} onClick={() => void save(draft, true)}>
              {t('yaml|Check (server dry run)')}
            </button>
            <button type="button" className="button button--primary" data-testid="yaml-save" disabled={busy || draft === text} onClick={() => void save(draft, false)}>
              {t('yaml|Save')}
            </button>
          </>
        )}
      </div>
      {message && (
        <p className="action-bar__done" role="status" data-testid="yaml-message">
          {message}
        </p>
      )}
      {conflict && draft !== null ? (
        <ConflictNotice
          conflict={conflict}
          message={error?.message ?? ''}
          onReload={() => {
            setDraft(null);
            setError(undefined);
            setGeneration((g) => g + 1);
          }}
          onOverwrite={() => {
            const next = withResourceVersion(draft, conflict.currentResourceVersion);
            setDraft(next);
            void save(next, false);
          }}
        />
      ) : (
        error && (
          <div data-testid="yaml-error">
            <ErrorPanel title={t('yaml|The API server refused this edit')} error={error} compact />
            <FieldErrors error={error} />
          </div>
        )
      )}
      <CodeEditor value={draft ?? text} readOnly={!editing} onChange={setDraft} highlightLine={lineOf(error)} label={t('yaml|YAML of {{name}}', { name })} />
    </div>
  );
}
