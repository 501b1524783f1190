//! What an unknown in-app URL shows: where the person is and the way back.

import { Link, useLocation } from 'react-router';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useTranslation } from '../lib/i18n/I18nProvider';

export function NotFound() {
  const { t } = useTranslation();
  const location = useLocation();
  useDocumentTitle(t('errors|Page not found'));
  return (
    <section className="page">
      <h1 className="page__title">{t('errors|Page not found')}</h1>
      <div className="card notice">
        <p>
          {t('errors|Wheelhouse has no page at {{path}}.', { path: location.pathname })}
        </p>
        <Link to="/" className="button">
          {t('errors|Go to the overview')}
        </Link>
      </div>
    </section>
  );
}
