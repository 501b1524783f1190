//! The pages the app has: the router, the side navigation and in-app links all read this list,
//! so a page added here shows up in the navigation and turns matching links on.

import { lazy, type ComponentType, type ReactNode } from 'react';
import type { MessageKey } from './lib/i18n/catalogue';
import { Overview } from './pages/overview/Overview';

export interface AppRoute {
  /** Relative to the base path, as react-router patterns (`/`, `/nodes`, `/namespaces/:name`). */
  path: string;
  Page: ComponentType;
  /** Shown in the side navigation when set. */
  nav?: { label: MessageKey; icon: ReactNode };
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
  { path: '/apps', Page: lazy(() => import('./pages/apps/CataloguePage')), nav: { label: 'nav|Apps', icon: appsIcon } },
  { path: '/apps/repositories', Page: lazy(() => import('./pages/apps/RepositoriesPage')) },
  { path: '/apps/charts/:repo/:chart', Page: lazy(() => import('./pages/apps/ChartPage')) },
  { path: '/apps/charts/:repo/:chart/install', Page: lazy(() => import('./pages/apps/InstallPage')) },
  { path: '/apps/releases', Page: lazy(() => import('./pages/apps/ReleasesPage')) },
  { path: '/apps/releases/:namespace/:name', Page: lazy(() => import('./pages/apps/ReleasePage')) },
  { path: '/run', Page: lazy(() => import('./pages/run/RunPage')) },
  // Image registries: registries, a registry's repositories, a repository's tags, an image, deploying it.
  { path: '/registries', Page: lazy(() => import('./pages/registries/RegistriesPage')), nav: { label: 'nav|Registries', icon: registriesIcon } },
  { path: '/registries/:name', Page: lazy(() => import('./pages/registries/RegistryPage')) },
  { path: '/registries/:name/tags', Page: lazy(() => import('./pages/registries/TagsPage')) },
  { path: '/registries/:name/image', Page: lazy(() => import('./pages/registries/ImagePage')) },
  { path: '/registries/:name/deploy', Page: lazy(() => import('./pages/registries/DeployPage')) },
  // Alerting: the rules, one rule, the editor.
  { path: '/alerts', Page: lazy(() => import('./pages/alerts/AlertsPage')), nav: { label: 'nav|Alerts', icon: alertsIcon } },
  { path: '/alerts/new', Page: lazy(() => import('./pages/alerts/EditorPage')) },
  { path: '/alerts/:namespace/:name', Page: lazy(() => import('./pages/alerts/RulePage')) },
  { path: '/alerts/:namespace/:name/edit', Page: lazy(() => import('./pages/alerts/EditorPage')) },
  // Every kind's list (`/pods`, `/deployments`, `/widgets`); the navigation lists the kinds
  // discovery found (see SideNav), and a name no kind has is "page not found".
  { path: '/:resource', Page: lazy(() => import('./pages/resources/ResourceListPage')) },
  // One object: `/nodes/worker-1` (cluster-scoped), `/pods/shop/web-1` (namespaced).
  { path: '/:resource/:name', Page: lazy(() => import('./pages/resources/DetailPage')) },
  { path: '/:resource/:namespace/:name', Page: lazy(() => import('./pages/resources/DetailPage')) },
  { path: '/apply', Page: lazy(() => import('./components/yaml/CreatePage')) },
];

export const ROUTE_PATTERNS: readonly string[] = ROUTES.map((r) => r.path);
