import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import { LOCALE_STORAGE_KEY, initialLocale, useTranslation } from '../lib/i18n/I18nProvider';
import { renderApp } from '../test/render';
import { LanguageSwitch } from './LanguageSwitch';

function Title() {
  const { t } = useTranslation();
  return <h1>{t('nav|Overview')}</h1>;
}

describe('LanguageSwitch', () => {
  test('switching to 简体中文 translates the page, sets the document language and remembers it', async () => {
    await renderApp(
      <>
        <LanguageSwitch />
        <Title />
      </>,
    );
    expect(screen.getByRole('heading')).toHaveTextContent('Overview');
    fireEvent.change(screen.getByTestId('language-switch'), { target: { value: 'zh-CN' } });
    expect(await screen.findByRole('heading', { name: '概览' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('zh-CN');
    expect(window.localStorage.getItem(LOCALE_STORAGE_KEY)).toBe('zh-CN');
    expect(screen.getByRole('option', { name: '简体中文' })).toHaveProperty('selected', true);
  });
});

describe('initialLocale', () => {
  test('uses the negotiated language when the person has not chosen one', () => {
    expect(initialLocale('zh-CN', 'en')).toBe('zh-CN');
    expect(initialLocale('fr', 'en')).toBe('en');
  });

  test("prefers the person's remembered choice over the negotiated language", () => {
    window.localStorage.setItem(LOCALE_STORAGE_KEY, 'en');
    expect(initialLocale('zh-CN', 'en')).toBe('en');
  });
});
