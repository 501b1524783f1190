//! "Open a terminal" on a pod's page (in which container) and on a workload's (in which of its
//! running pods, and which container of its template), and "Open a shell on this node" on a
//! node's: each a tab in the terminal dock. Links to the run page: "Run a command on its pods"
//! on a workload's page, "Run a command on nodes" on a node's.

import { useId, useState } from 'react';
import { Link } from 'react-router';
import { containersOf, relatedPods, type Detail } from '../../lib/k8s/detail';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { openTerminal } from '../../lib/terminals';

/** The one of `names` the person chose, else the first (a choice that is gone falls back too). */
function chosenOf(names: readonly string[], choice: string): string {
  return names.includes(choice) ? choice : (names[0] ?? '');
}

/** Which container, when there is more than one. */
function ContainerChoice(props: { names: readonly string[]; chosen: string; onChange: (name: string) => void }) {
  const { t } = useTranslation();
  if (props.names.length < 2) return null;
  return (
    <label>
      <span className="visually-hidden">{t('terminal|Container')}</span>
      <select className="select" value={props.chosen} data-testid="terminal-container" onChange={(e) => { props.onChange(e.target.value); }}>
        {props.names.map((name) => (
          <option key={name} value={name}>{name}</option>
        ))}
      </select>
    </label>
  );
}

export function TerminalLauncher(props: { detail: Detail; namespace: string; pod: string }) {
  const { t } = useTranslation();
  const names = containersOf(props.detail.summary).containers.map((c) => c.name);
  const [container, setContainer] = useState('');
  const chosen = chosenOf(names, container);
  if (!chosen) return null;
  return (
    <div className="terminal-launcher" data-testid="terminal-launcher">
      <ContainerChoice names={names} chosen={chosen} onChange={setContainer} />
      <button
        type="button"
        className="button"
        data-testid="terminal-open"
        onClick={() => { openTerminal({ kind: 'container', namespace: props.namespace, pod: props.pod, container: chosen }); }}
      >
        {t('terminal|Open a terminal')}
      </button>
    </div>
  );
}

/**
 * "Open a terminal" on a workload's page: in one of its pods — the running ones can be chosen, the
 * first preselected; the others are listed with their STATUS but cannot be — and in a container of
 * its pod template. Without a running pod the button stays disabled and says why. Nothing for
 * objects that are not workloads (their summary has no pod template).
 */
export function WorkloadTerminalLauncher(props: { detail: Detail; namespace: string }) {
  const { t } = useTranslation();
  const noteId = useId();
  const [pod, setPod] = useState('');
  const [container, setContainer] = useState('');
  const summary = props.detail.summary;
  if (!summary || summary.type === 'Pod') return null;
  const names = containersOf(summary).containers.map((c) => c.name);
  const chosenContainer = chosenOf(names, container);
  if (!chosenContainer) return null;
  const pods = relatedPods(props.detail);
  const running = pods.filter((p) => p.status === 'Running');
  const others = pods.filter((p) => p.status !== 'Running');
  const chosenPod = chosenOf(running.map((p) => p.name), pod);
  return (
    <div className="terminal-launcher" data-testid="terminal-launcher">
      {chosenPod && (
        <>
          <label>
            <span className="visually-hidden">{t('glossary|Pod')}</span>
            <select className="select" value={chosenPod} data-testid="terminal-pod" onChange={(e) => { setPod(e.target.value); }}>
              {running.map((p) => (
                <option key={p.path} value={p.name}>{p.name}</option>
              ))}
              {others.map((p) => (
                <option key={p.path} value={p.name} disabled>{`${p.name} (${p.status ?? '—'})`}</option>
              ))}
            </select>
          </label>
          <ContainerChoice names={names} chosen={chosenContainer} onChange={setContainer} />
        </>
      )}
      <button
        type="button"
        className="button"
        data-testid="terminal-open"
        disabled={!chosenPod}
        aria-describedby={chosenPod ? undefined : noteId}
        onClick={() => { openTerminal({ kind: 'container', namespace: props.namespace, pod: chosenPod, container: chosenContainer }); }}
      >
        {t('terminal|Open a terminal')}
      </button>
      {!chosenPod && (
        <span className="action__reason" id={noteId} data-testid="terminal-no-running-pod">
          {t('terminal|None of its pods is running')}
        </span>
      )}
    </div>
  );
}

/** "Open a shell on this node": a short-lived privileged pod on it, deleted when the tab closes. */
export function NodeShellLauncher(props: { node: string }) {
  const { t } = useTranslation();
  return (
    <button type="button" className="button" data-testid="node-shell-open" title={t('terminal|A privileged pod on the node, made with your rights and deleted when the terminal closes')} onClick={() => { openTerminal({ kind: 'node', node: props.node }); }}>
      {t('terminal|Open a shell on this node')}
    </button>
  );
}

/** "Run a command on its pods": the run page with the workload's selector. */
export function RunOnPodsLink(props: { detail: Detail; namespace: string }) {
  const { t } = useTranslation();
  const summary = props.detail.summary;
  if (!summary || !('selector' in summary) || !summary.selector) return null;
  const pairs = Object.entries(summary.selector).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  if (pairs.length === 0) return null;
  const selector = pairs.map(([key, value]) => `${key}=${value}`).join(',');
  const to = `/run?namespace=${encodeURIComponent(props.namespace)}&selector=${encodeURIComponent(selector)}`;
  return (
    <Link className="button" to={to} data-testid="run-on-pods">
      {t('run|Run a command on its pods')}
    </Link>
  );
}

/**
 * "Run a command on nodes": the run page on nodes, picking this node by its `kubernetes.io/hostname`
 * label (the person widens the selector there), or every node when it has no such label.
 */
export function RunOnNodesLink(props: { detail: Detail }) {
  const { t } = useTranslation();
  const hostname = props.detail.metadata.labels['kubernetes.io/hostname'];
  const selector = hostname ? `kubernetes.io/hostname=${hostname}` : '';
  return (
    <Link className="button" to={`/run?on=nodes&selector=${encodeURIComponent(selector)}`} data-testid="run-on-nodes">
      {t('run|Run a command on nodes')}
    </Link>
  );
}
