//! An object's YAML: shown read-only (managedFields hidden unless asked for), edited in place,
//! checked with a server dry run, saved with optimistic concurrency — a conflict shows what
//! changed, a refusal shows the API server's causes field by field.

import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { NavigationType, useBlocker } from 'react-router';
import { requestJson } from '../../lib/api/client';
import type { ApiError } from '../../lib/api/errors';
import { textQuery } from '../../lib/api/query';
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

export default function YamlTab(props: { kind: Kind; name: string; namespace: string | null; canEdit: boolean; editReason: string | null; onSaved: () => void; onDirtyChange?: (dirty: boolean) => void }) {
  const { t } = useTranslation();
  const { kind, name, namespace } = props;
  const [managedFields, setManagedFields] = useState(false);
  /** A Secret's values stay on the server until the person asks to see them; editing needs them. */
  const isSecret = kind.group === '' && kind.kind === 'Secret';
  const [reveal, setReveal] = useState(false);
  const [draft, setDraft] = useState<string | null>(null);
  const editing = draft !== null;
  const query: Record<string, string> = {};
  if (managedFields) query.managedFields = 'true';
  if (reveal) query.reveal = 'true';
  // Another view of the YAML (managedFields, secret values) keeps this one shown until it arrives.
  const yaml = useQuery({ ...textQuery(objectApi(kind, name, namespace, 'yaml', Object.keys(query).length > 0 ? query : undefined)), placeholderData: keepPreviousData });
  const { refetch } = yaml;
  const { onSaved } = props;
  const save = useMutation({
    mutationFn: (edit: { body: string; dryRun: boolean }) =>
      requestJson('PUT', objectApi(kind, name, namespace, '', edit.dryRun ? { dryRun: 'true' } : undefined), { body: { text: edit.body, contentType: 'application/yaml' } }),
    onSuccess: (_answer, edit) => {
      if (edit.dryRun) return;
      setDraft(null);
      void refetch();
      onSaved();
    },
  });
  const error = save.error ?? undefined;
  const dirty = draft !== null && draft !== yaml.data;
  const { onDirtyChange } = props;
  useEffect(() => {
    onDirtyChange?.(dirty);
  }, [dirty, onDirtyChange]);
  useEffect(() => {
    if (!dirty) return;
    // Closing or reloading the tab asks too (the browser words that question itself).
    const ask = (e: BeforeUnloadEvent) => {
      e.preventDefault();
    };
    window.addEventListener('beforeunload', ask);
    return () => {
      window.removeEventListener('beforeunload', ask);
    };
  }, [dirty]);
  // A link to another page and the browser's Back and Forward buttons ask before the router
  // leaves. Switching this page's tabs is asked about by the tab strip (a replace, not a new page).
  const blocker = useBlocker(({ currentLocation, nextLocation, historyAction }) => dirty && (historyAction === NavigationType.Pop || currentLocation.pathname !== nextLocation.pathname));
  useEffect(() => {
    if (blocker.state !== 'blocked') return;
    if (window.confirm(t('yaml|Leave the YAML tab and discard your unsaved edit?'))) blocker.proceed();
    else blocker.reset();
  }, [blocker, t]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);
  const message = save.isSuccess ? (save.variables.dryRun ? t('yaml|The API server accepted this edit (dry run): nothing was saved.') : t('yaml|Saved.')) : null;
  const busy = save.isPending;

  if (yaml.error) return <ErrorPanel title={t('yaml|Could not load the YAML')} error={yaml.error} onRetry={() => void refetch()} />;
  const text = yaml.data;
  if (text === undefined) return <p className="page__loading">{t('shell|Loading…')}</p>;
  const conflict = conflictOf(error);
  /** Who refused the edit: a YAML that does not parse, or a check here, was never sent. */
  const editErrorTitle = (e: ApiError) =>
    lineOf(e) !== null ? t('yaml|This YAML does not parse: nothing was sent') : e.status === 400 && e.details === null ? t('yaml|This edit was not sent') : t('yaml|The API server refused this edit');

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
              onClick={() => { setDraft(text); save.reset(); }}
            >
              {t('yaml|Edit')}
            </button>
            {!props.canEdit && props.editReason && <span className="action__reason">{props.editReason}</span>}
          </span>
        ) : (
          <>
            <button type="button" className="button" disabled={busy} onClick={() => { setDraft(null); save.reset(); }}>
              {t('yaml|Cancel')}
            </button>
            <button type="button" className="button" data-testid="yaml-dry-run" disabled={busy} onClick={() => { save.mutate({ body: draft, dryRun: true }); }}>
              {t('yaml|Check (server dry run)')}
            </button>
            <button type="button" className="button button--primary" data-testid="yaml-save" disabled={busy || draft === text} onClick={() => { save.mutate({ body: draft, dryRun: false }); }}>
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
          base={text}
          draft={draft}
          onReload={() => {
            setDraft(null);
            save.reset();
            void refetch();
          }}
          onOverwrite={() => {
            const next = withResourceVersion(draft, conflict.currentResourceVersion);
            setDraft(next);
            save.mutate({ body: next, dryRun: false });
          }}
        />
      ) : (
        error && (
          <div data-testid="yaml-error">
            <ErrorPanel title={editErrorTitle(error)} error={error} compact />
            <FieldErrors error={error} />
          </div>
        )
      )}
      <CodeEditor value={draft ?? text} readOnly={!editing} onChange={setDraft} highlightLine={lineOf(error)} label={t('yaml|YAML of {{name}}', { name })} />
    </div>
  );
}
