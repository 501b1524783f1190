//! The bar across the top: which cluster, whether it is the demo, the namespace, the language and
//! who is signed in.

import { Link } from 'react-router';
import { useApiQuery } from '../hooks/useApiQuery';
import { API } from '../lib/api/endpoints';
import { useTranslation } from '../lib/i18n/I18nProvider';
import type { ClusterInfo } from '../lib/k8s/cluster';
import { DemoBadge } from './DemoBadge';
import { LanguageSwitch } from './LanguageSwitch';
import { NamespaceSelector } from './NamespaceSelector';
import { SignedInAs } from './session/SignedInAs';
import { ThemeSwitch } from './ThemeSwitch';

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true">
      <circle cx="16" cy="16" r="10.5" fill="none" strokeWidth="3" />
      <circle cx="16" cy="16" r="3" className="logo__hub" />
      <path
        strokeWidth="2.5"
        strokeLinecap="round"
        d="M16 2v8M16 22v8M2 16h8M22 16h8M6.1 6.1l5.7 5.7M20.2 20.2l5.7 5.7M6.1 25.9l5.7-5.7M20.2 11.8l5.7-5.7"
      />
    </svg>
  );
}

export function TopBar(props: { menuOpen?: boolean; onMenu?: () => void }) {
  const { t } = useTranslation();
  const cluster = useApiQuery<ClusterInfo>(API.cluster);
  const info = cluster.data;
  return (
    <header className="topbar">
      {props.onMenu && (
        <button type="button" className="topbar__menu" aria-expanded={props.menuOpen ?? false} aria-controls="sidenav" data-testid="menu-button" onClick={props.onMenu}>
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">{t('nav|Main navigation')}</span>
        </button>
      )}
      <Link to="/" className="topbar__brand">
        <Logo />
        <span>Wheelhouse</span>
      </Link>
      <div className="topbar__cluster" data-testid="cluster-name">
        <span className="topbar__label">{t('glossary|Cluster')}</span>
        {info ? (
          <>
            <span className={info.connected ? 'status-dot status-dot--ok' : 'status-dot status-dot--bad'} aria-hidden="true" />
            <strong title={info.server}>{info.name}</strong>
            {info.serverVersion && <span className="topbar__muted topbar__version">{info.serverVersion}</span>}
          </>
        ) : (
          <span className="topbar__muted">{cluster.error ? t('shell|unknown') : '…'}</span>
        )}
        {info?.demo && <DemoBadge />}
      </div>
      <div className="topbar__spacer" />
      <NamespaceSelector />
      <LanguageSwitch />
      <ThemeSwitch />
      <SignedInAs />
    </header>
  );
}
