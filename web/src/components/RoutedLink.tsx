//! Links that light up only when the app has a page for them.
//!
//! The overview points at stable URLs (`nodes`, `pods?namespace=X`, `namespaces/X`) whose pages
//! arrive later. Until a page is registered, its links render as plain text, never a dead end.

import { createContext, useContext, type ReactNode } from 'react';
import { Link, matchPath } from 'react-router';

/** Route patterns the router knows, e.g. `/`, `/nodes`, `/namespaces/:name`. */
const RouteRegistryContext = createContext<readonly string[]>([]);

export function RouteRegistryProvider(props: { patterns: readonly string[]; children: ReactNode }) {
  return <RouteRegistryContext.Provider value={props.patterns}>{props.children}</RouteRegistryContext.Provider>;
}

/** Whether an in-app URL (relative to the base path, query allowed) matches a registered page. */
export function isRouted(to: string, patterns: readonly string[]): boolean {
  const pathname = `/${to.split(/[?#]/, 1)[0] ?? ''}`.replace(/^\/+/, '/');
  return patterns.some((pattern) => matchPath({ path: pattern, end: true }, pathname) !== null);
}

export function useIsRouted(): (to: string) => boolean {
  const patterns = useContext(RouteRegistryContext);
  return (to) => isRouted(to, patterns);
}

/** A link to `to` (relative to the base path) when a page exists for it; its text otherwise. */
export function RoutedLink(props: { to: string; children: ReactNode; className?: string; title?: string }) {
  const routed = useIsRouted();
  if (routed(props.to)) {
    return (
      <Link to={`/${props.to}`} className={props.className} title={props.title}>
        {props.children}
      </Link>
    );
  }
  return (
    <span className={props.className} title={props.title}>
      {props.children}
    </span>
  );
}
