//! Chooses the colour theme: the system's, light or dark; remembered in this browser.

import { useTranslation } from '../lib/i18n/I18nProvider';
import { useTheme, type ThemeChoice } from '../lib/theme/theme';

export function ThemeSwitch() {
  const { t } = useTranslation();
  const { choice, setChoice } = useTheme();
  return (
    <label className="topbar__field">
      <span className="visually-hidden">{t('shell|Theme')}</span>
      <svg className="topbar__icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3a9 9 0 1 0 9 9 7 7 0 0 1-9-9Z" />
      </svg>
      <select
        className="select"
        value={choice}
        data-testid="theme-switch"
        onChange={(event) => {
          setChoice(event.target.value as ThemeChoice);
        }}
      >
        <option value="auto">{t('shell|System theme')}</option>
        <option value="light">{t('shell|Light')}</option>
        <option value="dark">{t('shell|Dark')}</option>
      </select>
    </label>
  );
}
