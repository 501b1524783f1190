//! The frame around every page: progress bar, top bar, cluster banner, side navigation.

import { Suspense, useEffect, useRef, useState } from 'react';
import { Route, Routes, useLocation } from 'react-router';
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

/**
 * Each new page starts at its top (the sidebar scrolls on its own, so a link low in it no longer
 * opens a page scrolled down); a link to a section of the page (`#recent-warnings`) scrolls there.
 */
function useScrollToTopOnNavigation() {
  const { pathname, hash } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (!hash) window.scrollTo(0, 0);
  }, [pathname, hash]);
}

/** `/` focuses the page's filter (the first search box), as in GitHub and Gmail, unless typing. */
function useSlashFocusesFilter() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      const filter = document.querySelector<HTMLInputElement>('main input[type="search"]');
      if (!filter) return;
      e.preventDefault();
      filter.focus();
      filter.select();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
    };
  }, []);
}

export function Shell(props: { routes: readonly AppRoute[]; version: string }) {
  const { t } = useTranslation();
  useScrollToTopOnNavigation();
  useSlashFocusesFilter();
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <RouteRegistryProvider patterns={props.routes.map((r) => r.path)}>
      <a
        className="skip-link"
        href="#main"
        data-testid="skip-link"
        onClick={(e) => {
          // The page's <base href> would make "#main" another URL: move the focus instead.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('shell|Skip to the page')}
      </a>
      <ProgressBar />
      <div className="shell">
        <TopBar
          menuOpen={menuOpen}
          onMenu={() => {
            setMenuOpen(!menuOpen);
          }}
        />
        <div className="shell__body">
          <SideNav
            routes={props.routes}
            version={props.version}
            open={menuOpen}
            onClose={() => {
              setMenuOpen(false);
            }}
          />
          <main className="shell__main" id="main" tabIndex={-1}>
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
