//! Starts the app: reads the server's config, loads the starting language, renders.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { session } from './lib/api/session';
import { readConfig } from './lib/config';
import { prepareI18n } from './lib/i18n/I18nProvider';
import { applyTheme } from './lib/theme/theme';
import { preloadPage } from './routes';
import './styles.css';

async function start(): Promise<void> {
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root element');
  const config = readConfig();
  applyTheme();
  // `/wh` names the app served at `/wh/`; the router only knows paths below the base path.
  if (`${window.location.pathname}/` === config.basePath) {
    window.history.replaceState(null, '', `${config.basePath}${window.location.search}${window.location.hash}`);
  }
  // The session and the page's code are fetched while the language loads, not one after another.
  void session.load();
  preloadPage(window.location.pathname.slice(config.basePath.length - 1));
  const { locale, catalogue } = await prepareI18n(config.locale, config.defaultLocale);
  createRoot(root).render(
    <StrictMode>
      <App config={config} locale={locale} catalogue={catalogue} />
    </StrictMode>,
  );
  // Two seconds later, once the first page has what it needs, the code of the pages most links
  // lead to (a kind's list, an object): following one then draws it without waiting.
  setTimeout(() => {
    preloadPage('/pods');
    preloadPage('/pods/default/any');
    preloadPage('/nodes/any');
  }, 2_000);
}

start().catch((error: unknown) => {
  // Never a blank page: say what happened even if React could not start. The catalogues may be
  // what failed to load, so this one message is written in both languages.
  const message = error instanceof Error ? error.message : String(error);
  document.body.textContent = `Wheelhouse could not start / Wheelhouse 无法启动: ${message}`;
});
