//! Run one command on many targets: the running pods a label selector picks in a namespace, or the
//! ready nodes one picks (each through a short-lived privileged pod, as a node shell), a few at a
//! time, each one's output and exit status side by side as they come, and a summary. Nothing runs
//! until the person confirms.

import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { ApiError } from '../../lib/api/errors';
import type { RunEvent, RunOn, RunRequest } from '../../lib/api/generated';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';

interface Target {
  name: string;
  output: string;
  state: 'running' | 'exited' | 'failed';
  code?: number;
  message?: string;
  truncated?: boolean;
}

interface Run {
  targets: Target[];
  skipped: string[];
  summary: { succeeded: number; failed: number } | null;
}

/** Sends the run and calls `onEvent` for each NDJSON line of the answer as it arrives. */
async function startRun(request: RunRequest, onEvent: (event: RunEvent) => void): Promise<void> {
  const response = await fetch('api/v1/run', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: JSON.stringify(request),
  });
  if (!response.ok || !response.body) {
    const answer = (await response.json().catch(() => null)) as { error?: { reason: string; message: string } } | null;
    throw new ApiError({
      status: response.status,
      reason: answer?.error?.reason ?? 'Unavailable',
      message: answer?.error?.message ?? `The server answered ${String(response.status)} without an error description.`,
      request: 'POST api/v1/run',
      localMessage: answer?.error
        ? undefined
        : { key: 'errors|The server answered {{status}} without an error description. A proxy in between may have failed.', vars: { status: `${String(response.status)} ${response.statusText}`.trim() } },
    });
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += value;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onEvent(JSON.parse(line) as RunEvent);
  }
}

function applyEvent(run: Run, event: RunEvent): Run {
  const update = (name: string, change: (t: Target) => Target): Run => ({
    ...run,
    targets: run.targets.map((t) => (t.name === name ? change(t) : t)),
  });
  switch (event.type) {
    case 'targets':
      return { targets: event.targets.map((p) => ({ name: p.name, output: '', state: 'running' })), skipped: event.skipped.map((p) => p.name), summary: null };
    case 'output':
      return update(event.target, (t) => ({ ...t, output: t.output + event.text }));
    case 'truncated':
      return update(event.target, (t) => ({ ...t, truncated: true }));
    case 'exited':
      return update(event.target, (t) => ({ ...t, state: 'exited', code: event.code }));
    case 'failed':
      return update(event.target, (t) => ({ ...t, state: 'failed', message: event.message }));
    case 'summary':
      return { ...run, summary: { succeeded: event.succeeded, failed: event.failed } };
  }
}

export default function RunPage() {
  const { t } = useTranslation();
  const [search] = useSearchParams();
  const [on, setOn] = useState<RunOn>(search.get('on') === 'nodes' ? 'nodes' : 'pods');
  const nodes = on === 'nodes';
  const title = nodes ? t('run|Run a command on nodes') : t('run|Run a command on pods');
  useDocumentTitle(title);
  const [namespace, setNamespace] = useState(search.get('namespace') ?? 'default');
  const [selector, setSelector] = useState(search.get('selector') ?? '');
  const [container, setContainer] = useState('');
  const [command, setCommand] = useState('');
  const [parallelism, setParallelism] = useState('5');
  const [confirming, setConfirming] = useState(false);
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const words = command.split(/\s+/).filter(Boolean);

  const go = () => {
    setConfirming(false);
    setBusy(true);
    setError(null);
    setRun({ targets: [], skipped: [], summary: null });
    const request: RunRequest = nodes
      ? { on, namespace: '', labelSelector: selector, container: '', command: words, parallelism: Number(parallelism) }
      : { on, namespace, labelSelector: selector, container, command: words, parallelism: Number(parallelism) };
    startRun(request, (event) => { setRun((current) => applyEvent(current ?? { targets: [], skipped: [], summary: null }, event)); })
      .catch((e: unknown) => {
        setRun(null);
        setError(e instanceof ApiError ? e : new ApiError({ status: 0, reason: 'Unavailable', message: String(e), request: 'POST api/v1/run' }));
      })
      .finally(() => { setBusy(false); });
  };

  return (
    <section className="page" data-testid="run-page">
      <header className="page__header">
        <h1 className="page__title">{title}</h1>
      </header>
      <form
        className="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (words.length > 0) setConfirming(true);
        }}
      >
        <fieldset className="run-form__on" data-testid="run-on">
          <legend>{t('run|Run on')}</legend>
          {(['pods', 'nodes'] as const).map((choice) => (
            <label key={choice}>
              <input
                type="radio"
                name="run-on"
                value={choice}
                checked={on === choice}
                data-testid={`run-choice-${choice}`}
                onChange={() => {
                  setOn(choice);
                  setConfirming(false);
                  setSelector('');
                }}
              />{' '}
              {choice === 'pods' ? t('run|Pods') : t('run|Nodes')}
            </label>
          ))}
        </fieldset>
        {!nodes && (
          <label>
            {t('run|Namespace')}
            <input className="input" value={namespace} data-testid="run-namespace" onChange={(e) => { setNamespace(e.target.value); }} />
          </label>
        )}
        <label>
          {nodes ? t('run|Node label selector (empty: every node)') : t('run|Label selector (empty: every pod)')}
          <input className="input" value={selector} placeholder={nodes ? 'node-role.kubernetes.io/worker' : 'app=web'} data-testid="run-selector" onChange={(e) => { setSelector(e.target.value); }} />
        </label>
        {!nodes && (
          <label>
            {t('run|Container (empty: each pod’s first)')}
            <input className="input" value={container} data-testid="run-container" onChange={(e) => { setContainer(e.target.value); }} />
          </label>
        )}
        <label>
          {t('run|At once')}
          <input className="input" type="number" min={1} max={20} value={parallelism} data-testid="run-parallelism" onChange={(e) => { setParallelism(e.target.value); }} />
        </label>
        <label className="run-form__command">
          {t('run|Command (words separated by spaces, run without a shell)')}
          <input className="input" value={command} placeholder="cat /etc/hostname" spellCheck={false} data-testid="run-command" onChange={(e) => { setCommand(e.target.value); }} />
        </label>
        <button type="submit" className="button button--primary" disabled={busy || words.length === 0} data-testid="run-submit">
          {t('run|Run…')}
        </button>
      </form>
      {confirming && (
        <div className="warning-box" role="alertdialog" data-testid="run-confirm">
          <p>
            {nodes
              ? t('run|Run {{command}} on every ready node {{selector}} selects? On each it runs as root in the node’s namespaces, through a privileged pod made with your rights and deleted afterwards, and may change things.', { command: words.join(' '), selector: selector || '*' })
              : t('run|Run {{command}} in every running pod {{selector}} selects in {{namespace}}? It runs with your rights and may change things.', { command: words.join(' '), selector: selector || '*', namespace })}
          </p>
          <button type="button" className="button button--primary" data-testid="run-confirm-yes" onClick={go}>{t('run|Run it')}</button>{' '}
          <button type="button" className="button" onClick={() => { setConfirming(false); }}>{t('run|Cancel')}</button>
        </div>
      )}
      {error && <ErrorPanel title={t('run|The command could not run')} error={error} />}
      {run && (
        <>
          <p className="run-summary" role="status" data-testid="run-summary">
            {run.summary
              ? t('run|{{succeeded}} succeeded, {{failed}} failed', { succeeded: run.summary.succeeded, failed: run.summary.failed })
              : nodes
                ? t('run|Running on {{count}} nodes…', { count: run.targets.length })
                : t('run|Running in {{count}} pods…', { count: run.targets.length })}
            {run.skipped.length > 0 && ` · ${nodes ? t('run|Skipped (not ready): {{nodes}}', { nodes: run.skipped.join(', ') }) : t('run|Skipped (not running): {{pods}}', { pods: run.skipped.join(', ') })}`}
          </p>
          <div className="run-targets">
            {run.targets.map((target) => (
              <article key={target.name} className="run-target" data-testid="run-target" data-target={target.name} data-state={target.state}>
                <header className="run-target__header">
                  <strong>{target.name}</strong>
                  <span className={target.state === 'exited' && target.code === 0 ? 'tag tag--ok' : target.state === 'running' ? 'tag' : 'tag tag--bad'}>
                    {target.state === 'running' && t('run|running')}
                    {target.state === 'exited' && t('run|exit {{code}}', { code: target.code ?? 0 })}
                    {target.state === 'failed' && t('run|failed')}
                  </span>
                </header>
                {target.message && <p className="run-target__problem">{target.message}</p>}
                <pre className="run-target__output">{target.output}{target.truncated ? `\n${t('run|(more output was dropped)')}` : ''}</pre>
              </article>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
