//! The pages the app has: the router, the side navigation and in-app links all read this list,
//! so a page added here shows up in the navigation and turns matching links on.

import { lazy, useState, type ComponentType, type ReactNode } from 'react';
import { matchRoutes } from 'react-router';
import type { MessageKey } from './lib/i18n/catalogue';
import { Overview } from './pages/overview/Overview';

export interface AppRoute {
  /** Relative to the base path, as react-router patterns (`/`, `/nodes`, `/namespaces/:name`). */
  path: string;
  Page: ComponentType;
  /** Shown in the side navigation when set. */
  nav?: { label: MessageKey; icon: ReactNode };
}

/** A page whose code is fetched when it is first shown, or sooner through [`preloadPage`]. */
type LazyPage = ComponentType & { preload?: () => Promise<unknown> };

/**
 * A page whose code loads on first use. Once its code is here it is drawn at once: a page that
 * suspends, even for a moment, is held back by React for 300 ms after its fallback shows, and the
 * page's own requests start only then.
 */
function lazyPage(load: () => Promise<{ default: ComponentType }>): LazyPage {
  let loaded: ComponentType | undefined;
  const preload = () =>
    load().then((module) => {
      loaded = module.default;
      return module;
    });
  const Suspending = lazy(preload);
  function Page() {
    // Chosen once for each time the page is shown, so it never swaps (and loses its state) midway.
    const [Chosen] = useState<ComponentType>(() => loaded ?? Suspending);
    return <Chosen />;
  }
  return Object.assign(Page, { preload });
}

const overviewIcon = (
  <svg viewBox="0 0 24 24" aria-hidden="true">
    <rect x="3.5" y="3.5" width="7" height="7" rx="1.5" />
    <rect x="13.5" y="3.5" width="7" height="7" rx="1.5" />
    <rect x="3.5" y="13.5" width="7" height="7" rx="1.5" />
    <rect x="13.5" y="13.5" width="7" height="7" rx="1.5" />
  </svg>
);

const appsIcon = (
  <svg viewBox="0 0 24 24" aria-hidden="true">
    <path d="M12 3.5 19.5 7.5v9L12 20.5 4.5 16.5v-9Z" />
    <path d="M4.5 7.5 12 11.5l7.5-4M12 11.5v9" />
  </svg>
);

const registriesIcon = (
  <svg viewBox="0 0 24 24" aria-hidden="true">
    <rect x="3.5" y="4.5" width="17" height="5" rx="1.5" />
    <rect x="3.5" y="14.5" width="17" height="5" rx="1.5" />
    <path d="M7 7h.01M7 17h.01" />
  </svg>
);

const alertsIcon = (
  <svg viewBox="0 0 24 24" aria-hidden="true">
    <path d="M6 16.5V11a6 6 0 0 1 12 0v5.5l1.5 2h-15Z" />
    <path d="M10 20.5a2 2 0 0 0 4 0" />
  </svg>
);

export const ROUTES: readonly AppRoute[] = [
  { path: '/', Page: Overview, nav: { label: 'nav|Overview', icon: overviewIcon } },
  // The app store (Helm): catalogue, chart, install, releases, repositories.
  { path: '/apps', Page: lazyPage(() => import('./pages/apps/CataloguePage')), nav: { label: 'nav|Apps', icon: appsIcon } },
  { path: '/apps/repositories', Page: lazyPage(() => import('./pages/apps/RepositoriesPage')) },
  { path: '/apps/charts/:repo/:chart', Page: lazyPage(() => import('./pages/apps/ChartPage')) },
  { path: '/apps/charts/:repo/:chart/install', Page: lazyPage(() => import('./pages/apps/InstallPage')) },
  { path: '/apps/releases', Page: lazyPage(() => import('./pages/apps/ReleasesPage')) },
  { path: '/apps/releases/:namespace/:name', Page: lazyPage(() => import('./pages/apps/ReleasePage')) },
  { path: '/run', Page: lazyPage(() => import('./pages/run/RunPage')) },
  // Image registries: registries, a registry's repositories, a repository's tags, an image, deploying it.
  { path: '/registries', Page: lazyPage(() => import('./pages/registries/RegistriesPage')), nav: { label: 'nav|Registries', icon: registriesIcon } },
  { path: '/registries/:name', Page: lazyPage(() => import('./pages/registries/RegistryPage')) },
  { path: '/registries/:name/tags', Page: lazyPage(() => import('./pages/registries/TagsPage')) },
  { path: '/registries/:name/image', Page: lazyPage(() => import('./pages/registries/ImagePage')) },
  { path: '/registries/:name/deploy', Page: lazyPage(() => import('./pages/registries/DeployPage')) },
  // Alerting: the rules, one rule, the editor.
  { path: '/alerts', Page: lazyPage(() => import('./pages/alerts/AlertsPage')), nav: { label: 'nav|Alerts', icon: alertsIcon } },
  { path: '/alerts/new', Page: lazyPage(() => import('./pages/alerts/EditorPage')) },
  { path: '/alerts/:namespace/:name', Page: lazyPage(() => import('./pages/alerts/RulePage')) },
  { path: '/alerts/:namespace/:name/edit', Page: lazyPage(() => import('./pages/alerts/EditorPage')) },
  // Every kind's list (`/pods`, `/deployments`, `/widgets`); the navigation lists the kinds
  // discovery found (see SideNav), and a name no kind has is "page not found".
  { path: '/:resource', Page: lazyPage(() => import('./pages/resources/ResourceListPage')) },
  // One object: `/nodes/worker-1` (cluster-scoped), `/pods/shop/web-1` (namespaced).
  { path: '/:resource/:name', Page: lazyPage(() => import('./pages/resources/DetailPage')) },
  { path: '/:resource/:namespace/:name', Page: lazyPage(() => import('./pages/resources/DetailPage')) },
  { path: '/apply', Page: lazyPage(() => import('./components/yaml/CreatePage')) },
];

export const ROUTE_PATTERNS: readonly string[] = ROUTES.map((r) => r.path);

/**
 * Starts fetching the code of the page at `path` (relative to the base path), so that it loads
 * while the app starts (language, session) instead of after: the module loader fetches it once.
 */
export function preloadPage(path: string): void {
  const matched = matchRoutes(
    ROUTES.map((route) => ({ path: route.path, page: route.Page })),
    path,
  );
  const page: LazyPage | undefined = matched?.at(-1)?.route.page;
  page?.preload?.().catch(() => undefined);
}
