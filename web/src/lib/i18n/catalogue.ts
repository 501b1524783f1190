//! Message catalogues: keys are the English text with a namespace (`glossary|Node`).
//!
//! English is bundled; other languages are loaded on demand so the first page stays small.

import en from './locales/en.json';

export type MessageKey = keyof typeof en;
export type Catalogue = Record<MessageKey, string>;
export type Vars = Record<string, string | number>;

/** Languages the app has catalogues for, in the order the switch lists them. */
export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** Each language's name in that language: a person looks for their own language's name. */
export const LANGUAGE_NAMES: Record<Locale, string> = {
  en: 'English',
  'zh-CN': '简体中文',
};

export const english: Catalogue = en;

const loaders: Record<Locale, () => Promise<Catalogue>> = {
  en: () => Promise.resolve(english),
  'zh-CN': () => import('./locales/zh-CN.json').then((m) => m.default),
};

export function loadCatalogue(locale: Locale): Promise<Catalogue> {
  return loaders[locale]();
}

/** The supported locale a language tag means (`zh`, `zh-Hans`, `zh-cn` → `zh-CN`), or null. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const lower = tag.toLowerCase();
  const exact = SUPPORTED_LOCALES.find((l) => l.toLowerCase() === lower);
  if (exact) return exact;
  if (lower === 'zh' || lower.startsWith('zh-hans') || lower === 'zh-sg') return 'zh-CN';
  if (lower.startsWith('en')) return 'en';
  return null;
}

/** Replaces `{{name}}` placeholders with values. */
export function interpolate(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

/** Looks a key up, falling back to English (a catalogue loaded at run time may lack a key). */
export function translate(catalogue: Partial<Catalogue>, key: MessageKey, vars?: Vars): string {
  const text = catalogue[key] ?? english[key];
  return interpolate(text, vars);
}

/**
 * Looks up a key that comes from the server or from data (a column title, a kind), which may
 * not be in the catalogue: then the text after the namespace (`columns|Color` → `Color`).
 */
export function translateLoose(catalogue: Partial<Catalogue>, key: string, vars?: Vars): string {
  if (key in english) return translate(catalogue, key as MessageKey, vars);
  return interpolate(key.slice(key.indexOf('|') + 1), vars);
}
