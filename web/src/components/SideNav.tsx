//! The side navigation: one entry per page that exists, then every kind the cluster serves,
//! grouped (Workloads, Network, …), keeping the selected namespace.

import { NavLink } from 'react-router';
import { NAMESPACE_PARAM, useNamespace } from '../hooks/useNamespace';
import { useApiQuery } from '../hooks/useApiQuery';
import { API } from '../lib/api/endpoints';
import type { MessageKey } from '../lib/i18n/catalogue';
import { useTranslation } from '../lib/i18n/I18nProvider';
import { kindLabelKey, kindsByCategory, type KindCategory, type KindsAnswer } from '../lib/k8s/kinds';
import type { AppRoute } from '../routes';

const CATEGORY_LABELS: Record<KindCategory, MessageKey> = {
  Workloads: 'nav|Workloads',
  Network: 'nav|Network',
  Config: 'nav|Config',
  Storage: 'nav|Storage',
  Cluster: 'nav|Cluster',
  Access: 'nav|Access',
  'Custom resources': 'nav|Custom resources',
};

function KindNav(props: { search: string }) {
  const { t, tx } = useTranslation();
  const kinds = useApiQuery<KindsAnswer>(API.kinds, 60_000);
  if (!kinds.data) {
    return kinds.error ? (
      <p className="sidenav__error" role="status" title={kinds.error.message}>
        {t('nav|The list of kinds could not be loaded.')}
      </p>
    ) : null;
  }
  return (
    <div className="sidenav__kinds" data-testid="kind-nav">
      {kindsByCategory(kinds.data.kinds).map(({ category, kinds: list }) => (
        <details key={category} className="sidenav__group" open={category !== 'Custom resources' || list.length <= 8}>
          <summary className="sidenav__group-title">{t(CATEGORY_LABELS[category])}</summary>
          <ul>
            {list.map(({ kind, to, ambiguous }) => (
              <li key={kind.path}>
                <NavLink
                  to={{ pathname: `/${to}`, search: props.search }}
                  className="sidenav__link sidenav__link--kind"
                  title={kind.group ? `${kind.kind} (${kind.group})` : kind.kind}
                >
                  <span>
                    {tx(kindLabelKey(kind))}
                    {ambiguous && <small className="sidenav__group-suffix">{kind.group || 'v1'}</small>}
                  </span>
                </NavLink>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}

/**
 * The side navigation. Below 1100 px it folds away behind the top bar's menu button (`open`),
 * and opens over the page; choosing a page or Esc closes it.
 */
export function SideNav(props: { routes: readonly AppRoute[]; version: string; open?: boolean; onClose?: () => void }) {
  const { t } = useTranslation();
  const [namespace] = useNamespace();
  const search = namespace ? `?${new URLSearchParams({ [NAMESPACE_PARAM]: namespace }).toString()}` : '';
  const { onClose } = props;
  return (
    <nav
      className={props.open ? 'sidenav sidenav--open' : 'sidenav'}
      id="sidenav"
      aria-label={t('nav|Main navigation')}
      data-testid="sidenav"
      onClick={(e) => {
        if ((e.target as HTMLElement).closest('a')) onClose?.();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose?.();
      }}
    >
      <ul>
        {props.routes.map((route) =>
          route.nav ? (
            <li key={route.path}>
              <NavLink to={{ pathname: route.path, search }} end={route.path === '/'} className="sidenav__link">
                {route.nav.icon}
                <span>{t(route.nav.label)}</span>
              </NavLink>
            </li>
          ) : null,
        )}
      </ul>
      <KindNav search={search} />
      <p className="sidenav__version">
        {t('nav|Version {{version}}', { version: props.version })}
      </p>
    </nav>
  );
}
