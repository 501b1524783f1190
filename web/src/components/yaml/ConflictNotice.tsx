//! A save that met someone else's change: what changed, and the choice of what to do.

import { useTranslation } from '../../lib/i18n/I18nProvider';
import type { Conflict } from './errors';

export function ConflictNotice(props: { conflict: Conflict; message: string; onReload: () => void; onOverwrite: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="error-panel" role="alert" data-testid="conflict">
      <div className="error-panel__body">
        <strong className="error-panel__title">{t('yaml|Someone else changed this object since you opened it')}</strong>
        <p className="error-panel__message">{props.message}</p>
        {props.conflict.changed.length > 0 && (
          <>
            <p className="error-panel__message">{t('yaml|Fields that differ from the current version:')}</p>
            <ul className="plain mono" data-testid="conflict-changed">
              {props.conflict.changed.map((path) => (
                <li key={path}>{path}</li>
              ))}
            </ul>
          </>
        )}
        <p className="error-panel__meta">{t('yaml|Current version: {{version}}', { version: props.conflict.currentResourceVersion || '?' })}</p>
      </div>
      <div className="conflict__buttons">
        <button type="button" className="button" data-testid="conflict-reload" onClick={props.onReload}>
          {t('yaml|Discard my edit and load the current version')}
        </button>
        <button type="button" className="button button--danger" data-testid="conflict-overwrite" onClick={props.onOverwrite}>
          {t('yaml|Save my edit over it')}
        </button>
      </div>
    </div>
  );
}
