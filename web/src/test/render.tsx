//! Renders components as the app does (query cache, language, router, route registry) against a fake API.

import { QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { createMemoryRouter, RouterProvider, useLocation } from 'react-router';
import { vi } from 'vitest';
import { RouteRegistryProvider } from '../components/RoutedLink';
import { queryClient } from '../lib/api/query';
import { english, loadCatalogue, type Locale } from '../lib/i18n/catalogue';
import { I18nProvider } from '../lib/i18n/I18nProvider';

/** An API answer: a JSON body and a status (200 unless given). */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

/**
 * Replaces fetch with answers by path (`api/v1/overview`). A function is called per request with
 * the request's init (its method and body), so a test can change the answer between polls or
 * answer POST and DELETE differently. Unknown paths get the contract's 404.
 */
export function fakeApi(routes: Record<string, FakeAnswer | ((init: RequestInit | undefined) => FakeAnswer)>) {
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const path = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url;
    const route = routes[path];
    const answer: FakeAnswer = route
      ? typeof route === 'function'
        ? route(init)
        : route
      : { status: 404, body: { error: { code: 404, reason: 'NotFound', message: `no ${path}`, details: null } } };
    return Promise.resolve(
      new Response(JSON.stringify(answer.body), {
        status: answer.status ?? 200,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

export async function renderApp(
  ui: ReactNode,
  options: { path?: string; locale?: Locale; routes?: readonly string[] } = {},
): Promise<RenderResult> {
  const locale = options.locale ?? 'en';
  const catalogue = locale === 'en' ? english : await loadCatalogue(locale);
  // A data router as the app has, so that pages using `useBlocker` render here too.
  const router = createMemoryRouter([{ path: '*', element: <RouteRegistryProvider patterns={options.routes ?? ['/']}>{ui}</RouteRegistryProvider> }], {
    initialEntries: [options.path ?? '/'],
  });
  return render(
    <QueryClientProvider client={queryClient}>
      <I18nProvider locale={locale} catalogue={catalogue}>
        <RouterProvider router={router} />
      </I18nProvider>
    </QueryClientProvider>,
  );
}

/** Shows the router's current path and query (`data-testid="location"`), for tests of navigation. */
export function CurrentLocation() {
  const location = useLocation();
  return <div data-testid="location">{`${location.pathname}${location.search}`}</div>;
}
