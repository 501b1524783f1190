//! "Open a terminal" on a pod's page (in which container) and "Open a shell on this node" on a
//! node's: each a tab in the terminal dock.

import { useState } from 'react';
import { Link } from 'react-router';
import { containersOf, type Detail } from '../../lib/k8s/detail';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { openTerminal } from '../../lib/terminals';

export function TerminalLauncher(props: { detail: Detail; namespace: string; pod: string }) {
  const { t } = useTranslation();
  const names = containersOf(props.detail.summary).containers.map((c) => c.name);
  const [container, setContainer] = useState('');
  const chosen = names.includes(container) ? container : (names[0] ?? '');
  if (!chosen) return null;
  return (
    <div className="terminal-launcher" data-testid="terminal-launcher">
      {names.length > 1 && (
        <label>
          <span className="visually-hidden">{t('terminal|Container')}</span>
          <select className="select" value={chosen} data-testid="terminal-container" onChange={(e) => { setContainer(e.target.value); }}>
            {names.map((name) => (
              <option key={name} value={name}>{name}</option>
            ))}
          </select>
        </label>
      )}
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
