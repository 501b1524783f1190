//! The actions of one object, each enabled only when the server's permissions say the person may
//! use it (with the reason shown when not), and the API server's own message when one fails.

import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useApiQuery } from '../../hooks/useApiQuery';
import { useOperation } from '../../hooks/useOperation';
import { requestJson } from '../../lib/api/client';
import type { ApiError } from '../../lib/api/errors';
import type { ActionAnswer as ServerActionAnswer, DrainProgress, Operation as ServerOperation, Revision } from '../../lib/api/generated';
import type { MessageKey } from '../../lib/i18n/catalogue';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { actionsFor, objectApi, type Detail, type Permissions } from '../../lib/k8s/detail';
import type { Kind } from '../../lib/k8s/kinds';
import { ErrorPanel } from '../ErrorPanel';

const ACTION_LABELS: Record<string, MessageKey> = {
  scale: 'actions|Scale',
  restart: 'actions|Restart',
  rollback: 'actions|Roll back',
  suspend: 'actions|Suspend',
  resume: 'actions|Resume',
  trigger: 'actions|Run now',
  cordon: 'actions|Cordon',
  uncordon: 'actions|Uncordon',
  drain: 'actions|Drain',
  delete: 'actions|Delete',
};

/** A node's drain, the one action that runs as an operation. */
type Operation = ServerOperation & DrainProgress;

/** What an action answers: what it did, or (a drain) the operation it started. */
type ActionAnswer = ServerActionAnswer | Operation;

/** Whether an action is allowed, and why not: unknown permissions keep it disabled. */
export function permissionOf(permissions: Permissions | undefined, action: string): { allowed: boolean; reason: string | null } {
  const p = permissions?.actions[action];
  if (!p) return { allowed: false, reason: null };
  return p;
}

export function ActionBar(props: {
  kind: Kind;
  detail: Detail;
  permissions: Permissions | undefined;
  permissionsError?: ApiError;
  /** After an action succeeded (the detail is fetched again). */
  onDone: (message: string) => void;
  /** After the object was deleted. */
  onDeleted: () => void;
}) {
  const { t } = useTranslation();
  const { kind, detail, onDone } = props;
  const [open, setOpen] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // An opened panel takes the focus: its first field or button.
    if (open) panel.current?.querySelector<HTMLElement>('input, select, button')?.focus();
  }, [open]);
  const name = detail.metadata.name;
  const namespace = detail.metadata.namespace;
  const actions = [...actionsFor(kind), 'delete'];
  const run = useMutation({
    mutationFn: (request: { action: string; body?: unknown }) =>
      requestJson<ActionAnswer>('POST', objectApi(kind, name, namespace, request.action), request.body === undefined ? {} : { body: { json: request.body } }),
    onSuccess: (answer) => {
      setOpen(null);
      onDone(answer.message || t('actions|Done.'));
    },
  });
  const del = useMutation({
    mutationFn: (propagation: string) => requestJson('DELETE', objectApi(kind, name, namespace, '', { propagationPolicy: propagation })),
    onSuccess: () => {
      props.onDeleted();
    },
  });
  const busy = run.isPending || del.isPending;
  // A drain answers with an operation, followed until it ends.
  const answer = run.data;
  const started = answer && 'id' in answer ? answer : null;
  const { operation, error: followError } = useOperation(started, false);
  // When it ends, what it did is read again.
  const ended = operation && started && operation.state !== 'running' ? operation.message : null;
  const onDoneRef = useRef(onDone);
  useEffect(() => {
    onDoneRef.current = onDone;
  });
  useEffect(() => {
    if (ended !== null) onDoneRef.current(ended);
  }, [ended]);
  const error = run.error ?? del.error ?? followError;
  const done = answer ? answer.message || t('actions|Done.') : null;

  const button = (action: string) => {
    const { allowed, reason } = permissionOf(props.permissions, action);
    const unknown = !props.permissions;
    const title = allowed ? undefined : reason ?? (unknown ? t('actions|Checking whether you may do this…') : t('actions|You may not do this.'));
    return (
      <span key={action} className="action">
        <button
          type="button"
          className={action === 'delete' ? 'button button--danger' : 'button'}
          data-testid={`action-${action}`}
          disabled={!allowed || busy}
          title={title}
          aria-expanded={open === action}
          onClick={() => {
            // A new choice: the last failure goes, what succeeded stays.
            if (run.isError) run.reset();
            if (del.isError) del.reset();
            setOpen(open === action ? null : action);
          }}
        >
          {t(ACTION_LABELS[action] ?? 'actions|Done.')}
        </button>
        {!allowed && reason && (
          <span className="action__reason" data-testid={`action-${action}-reason`}>
            {reason}
          </span>
        )}
      </span>
    );
  };

  const replicas = typeof (detail.object.spec as Record<string, unknown> | undefined)?.replicas === 'number' ? ((detail.object.spec as Record<string, number>).replicas ?? 0) : 0;

  let form: ReactNode = null;
  if (open === 'scale') form = <ScaleForm current={replicas} busy={busy} onSubmit={(n) => { run.mutate({ action: 'scale', body: { replicas: n } }); }} />;
  else if (open === 'rollback') form = <RollbackForm api={objectApi(kind, name, namespace, 'revisions')} busy={busy} onSubmit={(r) => { run.mutate({ action: 'rollback', body: { revision: r } }); }} />;
  else if (open === 'drain')
    form = (
      <Confirm busy={busy} text={t('actions|Cordon {{name}} and evict its pods? PodDisruptionBudgets are respected; DaemonSet pods stay.', { name })} label={t('actions|Drain')} onConfirm={() => { run.mutate({ action: 'drain', body: { ignoreDaemonSets: true, timeoutSeconds: 120 } }); }} />
    );
  else if (open === 'delete') form = <DeleteForm name={name} kind={kind} busy={busy} onDelete={(propagation) => { del.mutate(propagation); }} />;
  else if (open)
    form = (
      <Confirm
        busy={busy}
        text={t('actions|{{action}} {{name}}?', { action: t(ACTION_LABELS[open] ?? 'actions|Done.'), name })}
        label={t(ACTION_LABELS[open] ?? 'actions|Done.')}
        onConfirm={() => {
          run.mutate({ action: open });
        }}
      />
    );

  return (
    <div className="action-bar" data-testid="action-bar">
      <div className="action-bar__buttons">{actions.map(button)}</div>
      {props.permissionsError && (
        <p className="action__reason">
          {t('actions|Could not check what you may do: {{message}}', { message: props.permissionsError.message })}
        </p>
      )}
      {form && (
        <div
          ref={panel}
          className="action-bar__form card"
          data-testid="action-panel"
          onKeyDown={(e) => {
            if (e.key !== 'Escape' || !open) return;
            // Esc closes the panel and gives the focus back to the button that opened it.
            e.stopPropagation();
            const opener = open;
            setOpen(null);
            document.querySelector<HTMLElement>(`[data-testid="action-${opener}"]`)?.focus();
          }}
        >
          {form}
        </div>
      )}
      {done && !error && !operation && (
        <p className="action-bar__done" role="status" data-testid="action-done">
          {done}
        </p>
      )}
      {operation && (
        <div className="card action-bar__operation" data-testid="operation" data-state={operation.state}>
          <strong>{operation.message}</strong>
          <ul>
            {operation.pods.map((p) => (
              <li key={`${p.namespace}/${p.name}`}>
                <span className={`sev sev--${p.state === 'evicted' ? 'ok' : p.state === 'failed' ? 'error' : p.state === 'skipped' ? 'neutral' : 'progressing'}`}>{p.state}</span> {p.namespace}/{p.name}
                {p.message && <span className="muted"> — {p.message}</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      {error && <ErrorPanel title={t('actions|The action failed')} error={error} compact />}
    </div>
  );
}

function Confirm(props: { text: string; label: string; busy: boolean; onConfirm: () => void }) {
  return (
    <div className="action-form">
      <span>{props.text}</span>
      <button type="button" className="button button--primary" data-testid="action-confirm" disabled={props.busy} onClick={props.onConfirm}>
        {props.label}
      </button>
    </div>
  );
}

function ScaleForm(props: { current: number; busy: boolean; onSubmit: (replicas: number) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState(String(props.current));
  const n = Number.parseInt(value, 10);
  const valid = Number.isInteger(n) && n >= 0 && String(n) === value.trim();
  return (
    <form
      className="action-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) props.onSubmit(n);
      }}
    >
      <label>
        {t('actions|Replicas')}{' '}
        <input className="input input--small" type="number" min={0} value={value} data-testid="scale-replicas" onChange={(e) => { setValue(e.target.value); }} />
      </label>
      <span className="muted">{t('actions|now {{count}}', { count: props.current })}</span>
      <button type="submit" className="button button--primary" data-testid="action-confirm" disabled={!valid || props.busy}>
        {t('actions|Scale')}
      </button>
    </form>
  );
}

function RollbackForm(props: { api: string; busy: boolean; onSubmit: (revision: number) => void }) {
  const { t } = useTranslation();
  const answer = useApiQuery<{ revisions: Revision[] }>(props.api, 0);
  const [chosen, setChosen] = useState<number | null>(null);
  if (answer.error) return <ErrorPanel title={t('actions|Could not list the revisions')} error={answer.error} compact />;
  if (!answer.data) return <span className="muted">{t('shell|Loading…')}</span>;
  const revisions = answer.data.revisions;
  // Until the person picks one, the newest revision that is not the current one.
  const choice = chosen ?? revisions.find((r) => !r.current)?.revision ?? null;
  return (
    <form
      className="action-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (choice !== null) props.onSubmit(choice);
      }}
    >
      <label>
        {t('actions|Revision')}{' '}
        <select className="select select--light" value={choice ?? ''} data-testid="rollback-revision" onChange={(e) => { setChosen(Number(e.target.value)); }}>
          {revisions.map((r) => (
            <option key={r.revision} value={r.revision} disabled={r.current}>
              {`${r.revision}${r.current ? ` (${t('actions|current')})` : ''} — ${r.images.join(', ')}${r.changeCause ? ` — ${r.changeCause}` : ''}`}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button button--primary" data-testid="action-confirm" disabled={choice === null || props.busy}>
        {t('actions|Roll back')}
      </button>
    </form>
  );
}

function DeleteForm(props: { name: string; kind: Kind; busy: boolean; onDelete: (propagation: string) => void }) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState('');
  const [propagation, setPropagation] = useState('Background');
  return (
    <form
      className="action-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (typed === props.name) props.onDelete(propagation);
      }}
    >
      <span>{t('actions|Type {{name}} to delete it.', { name: props.name })}</span>
      <input className="input" value={typed} data-testid="delete-confirm-name" onChange={(e) => { setTyped(e.target.value); }} />
      <label>
        {t('actions|Dependents')}{' '}
        <select className="select select--light" value={propagation} data-testid="delete-propagation" onChange={(e) => { setPropagation(e.target.value); }}>
          <option value="Background">{t('actions|Delete in the background')}</option>
          <option value="Foreground">{t('actions|Delete first, then this')}</option>
          <option value="Orphan">{t('actions|Keep (orphan)')}</option>
        </select>
      </label>
      <button type="submit" className="button button--danger" data-testid="action-confirm" disabled={typed !== props.name || props.busy}>
        {t('actions|Delete')}
      </button>
    </form>
  );
}
