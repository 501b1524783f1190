//! The side navigation: one entry per page that exists, keeping the selected namespace.

import { NavLink } from 'react-router';
import { NAMESPACE_PARAM, useNamespace } from '../hooks/useNamespace';
import { useTranslation } from '../lib/i18n/I18nProvider';
import type { AppRoute } from '../routes';

export function SideNav(props: { routes: readonly AppRoute[]; version: string }) {
  const { t } = useTranslation();
  const [namespace] = useNamespace();
  const search = namespace ? `?${new URLSearchParams({ [NAMESPACE_PARAM]: namespace }).toString()}` : '';
  return (
    <nav className="sidenav" aria-label={t('nav|Main navigation')}>
      <ul>
        {props.routes.map((route) =>
          route.nav ? (
            <li key={route.path}>
              <NavLink to={{ pathname: route.path, search }} end className="sidenav__link">
                {route.nav.icon}
                <span>{t(route.nav.label)}</span>
              </NavLink>
            </li>
          ) : null,
        )}
      </ul>
      <p className="sidenav__version">
        {t('nav|Version {{version}}', { version: props.version })}
      </p>
    </nav>
  );
}
