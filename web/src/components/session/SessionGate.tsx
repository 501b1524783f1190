//! Decides, in one place, whether the app shows a page or the sign-in page.
//!
//! The session store hears every API answer: once any call is refused with 401 `Unauthorized`
//! or `SessionExpired`, or the session says nobody is signed in (login mode), the app goes to
//! `/login?return=<where the person was>`. Pages never check this themselves.

import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../hooks/useSession';
import { LOGIN_PATH, mustSignIn, signInPath } from '../../lib/api/session';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { SignInPage } from '../../pages/session/SignInPage';

export function SessionGate(props: { children: ReactNode }) {
  const { t } = useTranslation();
  const state = useSession();
  const location = useLocation();
  if (location.pathname === LOGIN_PATH) return <SignInPage />;
  if (mustSignIn(state)) return <Navigate to={signInPath(`${location.pathname}${location.search}`)} replace />;
  // Until the session is known the console's pages would only be refused; an error reading it
  // (an older server, no network) lets the pages show their own errors instead.
  if (state.session === undefined && state.error === undefined) {
    return <p className="page__loading signin__waiting">{t('shell|Loading…')}</p>;
  }
  return props.children;
}
