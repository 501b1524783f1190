//! The terminals of this browser tab, docked under the page: a tab per terminal, kept open
//! (connections included) while the person moves between pages, folded away when not needed.

import { lazy, Suspense } from 'react';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { closeTerminal, showTerminal, terminalTitle, useTerminals } from '../../lib/terminals';

/** xterm.js loads with the first terminal, not with every page. */
const TerminalView = lazy(() => import('./TerminalView'));

export function TerminalDock() {
  const { t } = useTranslation();
  const { terminals, active } = useTerminals();
  if (terminals.length === 0) return null;
  return (
    <section className={active ? 'terminal-dock terminal-dock--open' : 'terminal-dock'} aria-label={t('terminal|Terminals')} data-testid="terminal-dock">
      <div className="terminal-dock__tabs" role="tablist">
        {terminals.map((terminal) => (
          <span key={terminal.id} className={terminal.id === active ? 'terminal-dock__tab terminal-dock__tab--active' : 'terminal-dock__tab'}>
            <button
              type="button"
              role="tab"
              aria-selected={terminal.id === active}
              data-testid="terminal-tab"
              onClick={() => { showTerminal(terminal.id === active ? null : terminal.id); }}
            >
              {terminalTitle(terminal)}
            </button>
            <button type="button" className="terminal-dock__close" aria-label={t('terminal|Close the terminal on {{pod}}', { pod: terminalTitle(terminal) })} data-testid="terminal-close" onClick={() => { closeTerminal(terminal.id); }}>
              ×
            </button>
          </span>
        ))}
        {active && (
          <button type="button" className="terminal-dock__fold" data-testid="terminal-fold" onClick={() => { showTerminal(null); }}>
            {t('terminal|Hide')}
          </button>
        )}
      </div>
      <Suspense fallback={<p className="terminal__status">{t('shell|Loading…')}</p>}>
        {terminals.map((terminal) => (
          <TerminalView key={terminal.id} terminal={terminal} visible={terminal.id === active} />
        ))}
      </Suspense>
    </section>
  );
}
