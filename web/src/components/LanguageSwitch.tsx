//! Switches the interface language; the choice is remembered in this browser.

import { useState } from 'react';
import { LANGUAGE_NAMES, SUPPORTED_LOCALES, matchLocale } from '../lib/i18n/catalogue';
import { useTranslation } from '../lib/i18n/I18nProvider';

export function LanguageSwitch() {
  const { locale, setLocale, t } = useTranslation();
  const [failed, setFailed] = useState(false);
  return (
    <label className="topbar__field" title={failed ? t('shell|The language could not be loaded. Check the connection and try again.') : undefined}>
      <span className="visually-hidden">{t('shell|Language')}</span>
      <svg className="topbar__icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18Zm0 0c2.5 2.4 3.8 5.4 3.8 9s-1.3 6.6-3.8 9m0-18C9.5 5.4 8.2 8.4 8.2 12s1.3 6.6 3.8 9M3.5 9h17M3.5 15h17" />
      </svg>
      <select
        className={failed ? 'select select--invalid' : 'select'}
        value={locale}
        data-testid="language-switch"
        onChange={(event) => {
          const next = matchLocale(event.target.value);
          if (!next) return;
          setLocale(next).then(
            () => {
              setFailed(false);
            },
            () => {
              setFailed(true);
            },
          );
        }}
      >
        {SUPPORTED_LOCALES.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
