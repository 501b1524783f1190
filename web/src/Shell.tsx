//! The frame around every page: progress bar, top bar, cluster banner, side navigation.

import { Suspense } from 'react';
import { Route, Routes } from 'react-router';
import { ClusterBanner } from './components/ClusterBanner';
import { ErrorBoundary } from './components/ErrorBoundary';
import { ProgressBar } from './components/ProgressBar';
import { RouteRegistryProvider } from './components/RoutedLink';
import { SideNav } from './components/SideNav';
import { TerminalDock } from './components/terminal/TerminalDock';
import { TopBar } from './components/TopBar';
import { useTranslation } from './lib/i18n/I18nProvider';
import { NotFound } from './pages/NotFound';
import type { AppRoute } from './routes';

function PageLoading() {
  const { t } = useTranslation();
  return <p className="page__loading">{t('shell|Loading…')}</p>;
}

export function Shell(props: { routes: readonly AppRoute[]; version: string }) {
  return (
    <RouteRegistryProvider patterns={props.routes.map((r) => r.path)}>
      <ProgressBar />
      <div className="shell">
        <TopBar />
        <div className="shell__body">
          <SideNav routes={props.routes} version={props.version} />
          <main className="shell__main">
            <ClusterBanner />
            <ErrorBoundary>
              <Suspense fallback={<PageLoading />}>
                <Routes>
                  {props.routes.map(({ path, Page }) => (
                    <Route key={path} path={path} element={<Page />} />
                  ))}
                  <Route path="*" element={<NotFound />} />
                </Routes>
              </Suspense>
            </ErrorBoundary>
            <TerminalDock />
          </main>
        </div>
      </div>
    </RouteRegistryProvider>
  );
}
