//! Shows a failed request: what failed, the server's message and reason, and a retry.

import type { ApiError } from '../lib/api/errors';
import { useTranslation } from '../lib/i18n/I18nProvider';

export function ErrorPanel(props: {
  title: string;
  error: ApiError;
  onRetry?: () => void;
  compact?: boolean;
  /** What `error.request` names, when it is not an HTTP request (the cluster's API server, say). */
  requestLabel?: string;
  /** Said instead of the server's message, when that message is already on screen elsewhere. */
  message?: string;
}) {
  const { t } = useTranslation();
  const { error } = props;
  return (
    <div className={props.compact ? 'error-panel error-panel--compact' : 'error-panel'} role="alert">
      <div className="error-panel__body">
        <strong className="error-panel__title">{props.title}</strong>
        <p className="error-panel__message">
          {props.message ?? (error.localMessage ? t(error.localMessage.key, error.localMessage.vars) : error.message)}
        </p>
        <p className="error-panel__meta">
          <span>
            {t('errors|Reason')}: <code>{error.reason}</code>
          </span>
          {error.status > 0 && (
            <span>
              {t('errors|HTTP status')}: <code>{error.status}</code>
            </span>
          )}
          <span>
            {props.requestLabel ?? t('errors|Request')}: <code>{error.request}</code>
          </span>
        </p>
      </div>
      {props.onRetry && (
        <button type="button" className="button" onClick={props.onRetry}>
          {t('errors|Retry')}
        </button>
      )}
    </div>
  );
}
