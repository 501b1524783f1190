//! A save that met someone else's change: what changed, and the choice of what to do.

import { parse } from 'yaml';
import { useTranslation } from '../../lib/i18n/I18nProvider';
import { changedPaths, type Conflict } from './errors';

/** `text` as an object, or null when it does not parse. */
function parsed(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return parse(text) as unknown;
  } catch {
    return null;
  }
}

/**
 * What the other change did: the fields that differ between the version the person opened
 * (`base`) and the current one. Without `base` (or when it does not parse), the server's list —
 * the fields where the person's edit and the current version differ, their own edit included.
 */
export function otherChange(conflict: Conflict, base: string | undefined): { changed: string[]; exact: boolean } {
  const opened = parsed(base);
  if (opened === null || conflict.current === null) return { changed: conflict.changed, exact: false };
  return { changed: changedPaths(opened, conflict.current), exact: true };
}

export function ConflictNotice(props: { conflict: Conflict; message: string; base?: string; draft?: string; onReload: () => void; onOverwrite: () => void }) {
  const { t } = useTranslation();
  const theirs = otherChange(props.conflict, props.base);
  const opened = parsed(props.base);
  const edited = parsed(props.draft);
  const mine = opened !== null && edited !== null ? changedPaths(opened, edited) : [];
  return (
    <div className="error-panel" role="alert" data-testid="conflict">
      <div className="error-panel__body">
        <strong className="error-panel__title">{t('yaml|Someone else changed this object since you opened it')}</strong>
        <p className="error-panel__message">{props.message}</p>
        {theirs.changed.length > 0 && (
          <>
            <p className="error-panel__message">{theirs.exact ? t('yaml|What the other change did:') : t('yaml|Fields that differ from the current version:')}</p>
            <ul className="plain mono" data-testid="conflict-changed">
              {theirs.changed.map((path) => (
                <li key={path}>{path || t('yaml|(the whole object)')}</li>
              ))}
            </ul>
          </>
        )}
        {theirs.exact && theirs.changed.length === 0 && <p className="error-panel__message">{t('yaml|Only its version changed: no field you can see differs.')}</p>}
        {mine.length > 0 && (
          <>
            <p className="error-panel__message">{t('yaml|Your edit changes:')}</p>
            <ul className="plain mono" data-testid="conflict-mine">
              {mine.map((path) => (
                <li key={path}>
                  {path || t('yaml|(the whole object)')}
                  {theirs.exact && theirs.changed.includes(path) ? ` ${t('yaml|(changed by both)')}` : ''}
                </li>
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
