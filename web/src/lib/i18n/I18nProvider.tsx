//! Provides the current language and its catalogue to the app, and switches between languages.

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import {
  english,
  loadCatalogue,
  matchLocale,
  translate,
  translateLoose,
  type Catalogue,
  type Locale,
  type MessageKey,
  type Vars,
} from './catalogue';

/** Where the person's explicit choice of language is remembered. */
export const LOCALE_STORAGE_KEY = 'wheelhouse.locale';

export interface I18n {
  locale: Locale;
  t: (key: MessageKey, vars?: Vars) => string;
  /** For keys from the server or from data (`columns|Color`): the text after `|` when not in the catalogue. */
  tx: (key: string, vars?: Vars) => string;
  /** Loads the language's catalogue, switches to it and remembers the choice. */
  setLocale: (locale: Locale) => Promise<void>;
}

const I18nContext = createContext<I18n>({
  locale: 'en',
  t: (key, vars) => translate(english, key, vars),
  tx: (key, vars) => translateLoose(english, key, vars),
  setLocale: () => Promise.resolve(),
});

function readStoredLocale(): Locale | null {
  try {
    return matchLocale(window.localStorage.getItem(LOCALE_STORAGE_KEY));
  } catch {
    return null; // storage disabled: fall back to the negotiated language
  }
}

/** The language to start in: the person's remembered choice, else the server's negotiated one. */
export function initialLocale(negotiated: string, fallback: string): Locale {
  return readStoredLocale() ?? matchLocale(negotiated) ?? matchLocale(fallback) ?? 'en';
}

function applyToDocument(locale: Locale): void {
  document.documentElement.lang = locale;
}

export function I18nProvider(props: { locale: Locale; catalogue: Catalogue; children: ReactNode }) {
  const [state, setState] = useState({ locale: props.locale, catalogue: props.catalogue });

  const setLocale = useCallback(async (locale: Locale) => {
    const catalogue = await loadCatalogue(locale);
    try {
      window.localStorage.setItem(LOCALE_STORAGE_KEY, locale);
    } catch {
      // storage disabled: the switch still applies to this page
    }
    applyToDocument(locale);
    setState({ locale, catalogue });
  }, []);

  const value = useMemo<I18n>(
    () => ({
      locale: state.locale,
      t: (key, vars) => translate(state.catalogue, key, vars),
      tx: (key, vars) => translateLoose(state.catalogue, key, vars),
      setLocale,
    }),
    [state, setLocale],
  );

  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

/** Loads the starting language's catalogue before the first render, so nothing flashes in English. */
export async function prepareI18n(negotiated: string, fallback: string): Promise<{ locale: Locale; catalogue: Catalogue }> {
  const locale = initialLocale(negotiated, fallback);
  try {
    const catalogue = await loadCatalogue(locale);
    applyToDocument(locale);
    return { locale, catalogue };
  } catch {
    applyToDocument('en');
    return { locale: 'en', catalogue: english };
  }
}

export function useTranslation(): I18n {
  return useContext(I18nContext);
}
