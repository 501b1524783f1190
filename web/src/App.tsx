//! The app: the query cache, configuration, language and router around the shell.

import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { ErrorBoundary } from './components/ErrorBoundary';
import { SessionGate } from './components/session/SessionGate';
import { queryClient } from './lib/api/query';
import type { AppConfig } from './lib/config';
import type { Catalogue, Locale } from './lib/i18n/catalogue';
import { I18nProvider } from './lib/i18n/I18nProvider';
import { ROUTES } from './routes';
import { Shell } from './Shell';

/**
 * The base path keeps its trailing slash (`/wh/`): react-router then links the overview to
 * `/wh/`, which is under the server's base path, rather than to `/wh`, which is not.
 */
export function routerBasename(basePath: string): string {
  return basePath;
}

export function App(props: { config: AppConfig; locale: Locale; catalogue: Catalogue }) {
  // A data router, so that a page can hold the browser's Back and Forward buttons while it has
  // unsaved work (`useBlocker`); the console's own routes stay in the shell's `<Routes>`.
  const [router] = useState(() =>
    createBrowserRouter(
      [
        {
          path: '*',
          element: (
            <SessionGate>
              <Shell routes={ROUTES} version={props.config.version} />
            </SessionGate>
          ),
        },
      ],
      { basename: routerBasename(props.config.basePath) },
    ),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <I18nProvider locale={props.locale} catalogue={props.catalogue}>
        <ErrorBoundary>
          {/* Without transitions a URL change commits in the event that made it: a checkbox or
              field bound to the URL shows its new value at once instead of snapping back until a
              deferred render catches up (which a slow machine made visible). */}
          <RouterProvider router={router} useTransitions={false} />
        </ErrorBoundary>
      </I18nProvider>
    </QueryClientProvider>
  );
}
