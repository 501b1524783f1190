//! Picks the namespaces the pages show — one, several, or all — from the namespaces the person
//! can use (`GET /api/v1/namespaces`: listed from the cluster, or configured when the cluster
//! refuses to list them). The choice lives in the URL (`?namespace=shop,data`).

import { useEffect, useId, useRef, useState } from 'react';
import { namespacesOf, useNamespace } from '../hooks/useNamespace';
import { useApiQuery } from '../hooks/useApiQuery';
import { API } from '../lib/api/endpoints';
import type { NamespacesAnswer } from '../lib/api/generated';
import { useTranslation } from '../lib/i18n/I18nProvider';

export function NamespaceSelector() {
  const { t } = useTranslation();
  const [selection, setSelection] = useNamespace();
  const answer = useApiQuery<NamespacesAnswer>(API.namespaces, 30_000);
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const id = useId();
  const chosen = namespacesOf(selection);
  const names = [...(answer.data?.names ?? [])];
  // A namespace in the URL stays selectable even before the list arrives or after it is deleted.
  for (const name of chosen) if (!names.includes(name)) names.push(name);
  names.sort((a, b) => a.localeCompare(b));

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    panel.current?.querySelector<HTMLInputElement>('input')?.focus();
    return () => {
      document.removeEventListener('mousedown', close);
    };
  }, [open]);

  const toggle = (name: string) => {
    const next = chosen.includes(name) ? chosen.filter((n) => n !== name) : [...chosen, name];
    setSelection(next.sort((a, b) => a.localeCompare(b)).join(','));
  };
  const label = chosen.length === 0 ? t('shell|All namespaces') : chosen.length <= 2 ? chosen.join(', ') : t('shell|{{count}} namespaces', { count: chosen.length });

  return (
    <div
      className="topbar__field namespace-picker"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <span className="topbar__label" id={`${id}-label`}>
        {t('glossary|Namespace')}
      </span>
      <button
        ref={button}
        type="button"
        className="select namespace-picker__button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-labelledby={`${id}-label ${id}-value`}
        data-testid="namespace-selector"
        data-value={selection}
        onClick={() => {
          setOpen(!open);
        }}
      >
        <span id={`${id}-value`}>{label}</span> <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div ref={panel} className="namespace-picker__panel" role="group" aria-labelledby={`${id}-label`} data-testid="namespace-panel">
          <label className="namespace-picker__option">
            <input
              type="checkbox"
              checked={chosen.length === 0}
              data-testid="namespace-all"
              onChange={() => {
                setSelection('');
              }}
            />
            {t('shell|All namespaces')}
          </label>
          {names.map((name) => (
            <label key={name} className="namespace-picker__option mono">
              <input
                type="checkbox"
                checked={chosen.includes(name)}
                data-testid="namespace-option"
                data-namespace={name}
                onChange={() => {
                  toggle(name);
                }}
              />
              {name}
            </label>
          ))}
          {answer.data?.source === 'configured' && (
            <p className="namespace-picker__note" data-testid="namespace-configured">
              {t('shell|The cluster does not let you list namespaces; these are the ones configured for you.')}
            </p>
          )}
          {answer.error && <p className="namespace-picker__note">{t('shell|Could not read the namespaces: {{message}}', { message: answer.error.message })}</p>}
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setOpen(false);
              button.current?.focus();
            }}
          >
            {t('shell|Done')}
          </button>
        </div>
      )}
    </div>
  );
}
