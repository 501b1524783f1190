//! The sign-in page (`/login?return=/pods`): a bearer token, or OIDC when the server offers it.
//!
//! The token goes to the server once (`POST api/v1/session`), which answers with an HttpOnly
//! cookie; the page keeps it only in the field until it is sent, never in storage or a URL.

import { useMutation } from '@tanstack/react-query';
import { type SyntheticEvent, useId, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorPanel } from '../../components/ErrorPanel';
import { LanguageSwitch } from '../../components/LanguageSwitch';
import { Logo } from '../../components/TopBar';
import { useDocumentTitle } from '../../hooks/useDocumentTitle';
import { useSession } from '../../hooks/useSession';
import { API } from '../../lib/api/endpoints';
import { mustSignIn, safeReturnPath, session } from '../../lib/api/session';
import { useTranslation } from '../../lib/i18n/I18nProvider';

/** A failure to show in the page's words: the server's message as it sent it. */
function SignInProblem(props: { title: string; message: string; reason?: string }) {
  const { t } = useTranslation();
  return (
    <div className="error-panel error-panel--compact signin__problem" role="alert">
      <div className="error-panel__body">
        <strong className="error-panel__title">{props.title}</strong>
        <p className="error-panel__message">{props.message}</p>
        {props.reason && (
          <p className="error-panel__meta">
            <span>
              {t('errors|Reason')}: <code>{props.reason}</code>
            </span>
          </p>
        )}
      </div>
    </div>
  );
}

export function SignInPage() {
  const { t } = useTranslation();
  const state = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const returnTo = safeReturnPath(params.get('return'));
  const oidcError = params.get('error');
  // The session answer names the cluster before anyone signed in.
  const clusterName = state.session?.cluster;
  const [token, setToken] = useState('');
  const signIn = useMutation({
    mutationFn: (token: string) => session.signIn(token),
    onSuccess: () => {
      void navigate(returnTo, { replace: true });
    },
  });
  const busy = signIn.isPending;
  const failure = signIn.error ?? undefined;
  const tokenId = useId();
  const hintId = useId();
  useDocumentTitle(t('session|Sign in'));

  // Signed in already, or nobody signs in here (local mode): go where the person was going.
  if (state.session && !mustSignIn(state)) return <Navigate to={returnTo} replace />;

  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const sent = token;
    // The token lives in the field only until it is sent.
    setToken('');
    signIn.mutate(sent);
  };

  const mode = state.session?.mode;
  const methods = state.session?.methods ?? ['token'];
  const loading = state.session === undefined && state.error === undefined;
  const ended = state.ended?.reason === 'SessionExpired' ? state.ended : undefined;

  let body;
  if (loading) {
    body = <p className="page__loading">{t('shell|Loading…')}</p>;
  } else if (mode === 'proxy') {
    // The proxy in front signs people in; a new page load goes through it again.
    body = (
      <>
        <p className="signin__text">{t('session|A sign-in proxy in front of Wheelhouse decides who you are. Load the page again to sign in through it.')}</p>
        <Link to={returnTo} reloadDocument className="button button--primary signin__wide">
          {t('session|Load the page again')}
        </Link>
      </>
    );
  } else {
    const offersToken = methods.includes('token');
    const offersOidc = methods.includes('oidc');
    body = (
      <>
        {offersToken && (
          <form className="signin__form" onSubmit={submit}>
            <label htmlFor={tokenId} className="signin__label">
              {t('session|Bearer token')}
            </label>
            <input
              id={tokenId}
              type="password"
              className="input signin__wide"
              autoComplete="off"
              spellCheck={false}
              autoFocus
              value={token}
              disabled={busy}
              aria-describedby={hintId}
              onChange={(event) => {
                setToken(event.target.value);
              }}
            />
            <p id={hintId} className="signin__hint">
              {t('session|A token the cluster accepts, such as a service account token from:')}{' '}
              <code>kubectl create token &lt;service-account&gt;</code>
            </p>
            <button type="submit" className="button button--primary signin__wide" disabled={busy || token.trim() === ''}>
              {busy ? t('session|Signing in…') : t('session|Sign in')}
            </button>
          </form>
        )}
        {offersToken && offersOidc && (
          <p className="signin__or">
            <span>{t('session|or')}</span>
          </p>
        )}
        {offersOidc && (
          // A full-page navigation: the issuer's sign-in page is not part of this app.
          <a href={API.sessionOidc(returnTo)} className="button signin__wide signin__oidc">
            {t('session|Sign in with OIDC')}
          </a>
        )}
      </>
    );
  }

  return (
    <div className="signin">
      <header className="topbar">
        <span className="topbar__brand">
          <Logo />
          <span>Wheelhouse</span>
        </span>
        <div className="topbar__spacer" />
        <LanguageSwitch />
      </header>
      <main className="signin__main">
        <section className="card signin__card" aria-labelledby={`${tokenId}-title`}>
          <h1 className="signin__title" id={`${tokenId}-title`}>
            {clusterName ? t('session|Sign in to {{cluster}}', { cluster: clusterName }) : t('session|Sign in to Wheelhouse')}
          </h1>
          {ended && (
            <div className="warning-box signin__ended" role="status">
              <strong>{t('session|Your session has ended')}</strong>
              {ended.message && <p className="signin__ended-message">{ended.message}</p>}
            </div>
          )}
          {oidcError && <SignInProblem title={t('session|Signing in with OIDC failed')} message={oidcError} />}
          {failure && (
            <SignInProblem
              title={t('session|Signing in failed')}
              message={failure.localMessage ? t(failure.localMessage.key, failure.localMessage.vars) : failure.message}
              reason={failure.reason}
            />
          )}
          {state.error && (
            <ErrorPanel title={t('session|Cannot read the session from the Wheelhouse server')} error={state.error} onRetry={() => void session.load()} compact />
          )}
          {body}
        </section>
      </main>
    </div>
  );
}
